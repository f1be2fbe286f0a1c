"""Export a verified audit log to one JSONL file or a Parquet table (flat columns + the record JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from azr_safe.audit.reader import categories_of, is_flagged, iter_raw_records
from azr_safe.audit.records import AuditRecord, SampleEvent
from azr_safe.audit.verify import AuditError, verify_log

ExportFormat = Literal["jsonl", "parquet"]


def export_log(run_dir: str | Path, out: str | Path, fmt: ExportFormat, *, require_intact: bool = True) -> int:
    """Write every complete record to `out`; returns the record count.

    Refuses a tampered log (a torn tail is fine: its complete records are exported) unless
    `require_intact` is False. The redaction salt is never exported.
    """
    report = verify_log(run_dir)
    if require_intact and report.status == "tampered":
        raise AuditError(f"{run_dir}: {report.summary()}", hint="export with --no-verify to export anyway")
    out = Path(out)
    if out.exists() and out.is_dir():
        raise AuditError(f"{out}: is a directory, expected a file path")
    rows = [_row(raw, r) for raw, r in iter_raw_records(run_dir)]
    tmp = out.with_name(out.name + ".partial")
    if fmt == "jsonl":
        tmp.write_text("".join(row["record_json"] + "\n" for row in rows), encoding="utf-8")
    else:
        _write_parquet(rows, tmp)
    tmp.replace(out)  # never leave a half-written export under the final name
    return len(rows)


def _row(raw: bytes, record: AuditRecord) -> dict[str, Any]:
    sample = isinstance(record, SampleEvent)
    return {
        "seq": record.seq,
        "event": record.event,
        "timestamp": record.timestamp.isoformat(),
        "run": record.run,
        "step": getattr(record, "step", None),
        "sample_id": record.sample.sample_id if sample else getattr(record, "sample_id", None),
        "role": record.sample.role if sample else None,
        "task_type": record.sample.task_type if sample else None,
        "action": record.decision.action if sample else None,
        "rule_ids": record.decision.rule_ids if sample else [],
        "policy_hash": record.decision.policy_hash if sample else getattr(record, "policy_hash", None),
        "flagged": is_flagged(record) if sample else None,
        "categories": sorted(categories_of(record)) if sample else [],
        "n_redactions": len(record.redactions),
        "prev_hash": record.prev_hash,
        "hash": record.hash,
        "record_json": raw.decode("utf-8"),  # byte-exact: its hash still verifies
    }


def _write_parquet(rows: list[dict[str, Any]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([
        ("seq", pa.int64()), ("event", pa.string()), ("timestamp", pa.string()), ("run", pa.string()),
        ("step", pa.int64()), ("sample_id", pa.string()), ("role", pa.string()), ("task_type", pa.string()),
        ("action", pa.string()), ("rule_ids", pa.list_(pa.string())), ("policy_hash", pa.string()),
        ("flagged", pa.bool_()), ("categories", pa.list_(pa.string())), ("n_redactions", pa.int64()),
        ("prev_hash", pa.string()), ("hash", pa.string()), ("record_json", pa.string()),
    ])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
