"""Read API for the CLI, the policy replay and the review app: iterate with filters, get by id.

Reading takes no lock and writes nothing; a torn tail is skipped here (`verify_log` reports it).
Records are parsed into their typed models; use `verify_log` to check they are authentic.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from azr_safe.audit._segments import Line, iter_lines
from azr_safe.audit.records import AuditRecord, Resume, ReviewLabel, SampleEvent, parse_record
from azr_safe.audit.verify import AuditError, existing_segments


def iter_records(
    run_dir: str | Path,
    *,
    event: str | None = None,
    flagged: bool | None = None,
    category: str | None = None,
    step: int | None = None,
) -> Iterator[AuditRecord]:
    """Records in chain order. `flagged`/`category` apply to sample records only (others are skipped).

    A sample is flagged when its decision is not `allow` or any monitor flagged it; it is in
    `category` when a verdict labels it so.
    """
    for _, record in iter_raw_records(run_dir):
        if event is not None and record.event != event:
            continue
        if step is not None and getattr(record, "step", None) != step:
            continue
        if (flagged is not None or category is not None) and not isinstance(record, SampleEvent):
            continue
        if flagged is not None and is_flagged(record) != flagged:  # type: ignore[arg-type]
            continue
        if category is not None and category not in categories_of(record):  # type: ignore[arg-type]
            continue
        yield record


def iter_raw_records(run_dir: str | Path) -> Iterator[tuple[bytes, AuditRecord]]:
    """(line bytes as written, parsed record) for every complete record, in chain order."""
    run_dir = Path(run_dir)
    existing_segments(run_dir)
    for item in iter_lines(run_dir):
        if isinstance(item, Line):
            yield item.raw, _parse(item)


def _parse(line: Line) -> AuditRecord:
    try:
        return parse_record(json.loads(line.raw.decode("utf-8")))
    except ValueError as err:  # pydantic's ValidationError is a ValueError
        raise AuditError(
            f"{line.segment} line {line.number}: unreadable record ({type(err).__name__})",
            hint="run `azr-safe audit verify` on this folder",
        ) from None


def is_flagged(record: SampleEvent) -> bool:
    """Anything other than a plain allow, or any monitor's flag."""
    return record.decision.action != "allow" or any(v.flagged for v in record.verdicts)


def categories_of(record: SampleEvent) -> set[str]:
    """Categories any monitor labelled the sample with."""
    return {label for v in record.verdicts for label in v.labels}


def get_record(run_dir: str | Path, record_id: str) -> AuditRecord:
    """A record by seq number, sample id, or a hash prefix of at least 8 hex chars."""
    record_id = record_id.strip()
    for record in iter_records(run_dir):
        if _matches(record, record_id):
            return record
    raise AuditError(f"{run_dir}: no record with seq, sample id or hash {record_id!r}")


def _matches(record: AuditRecord, record_id: str) -> bool:
    if record_id.isdigit() and record.seq == int(record_id):
        return True
    if isinstance(record, SampleEvent) and record.sample.sample_id == record_id:
        return True
    return len(record_id) >= 8 and record.hash.startswith(record_id.lower())


def review_labels(run_dir: str | Path, target_seq: int | None = None) -> list[ReviewLabel]:
    """Review labels in order (all, or those for one sample record); the latest one is current."""
    labels = [r for r in iter_records(run_dir, event="review_label") if isinstance(r, ReviewLabel)]
    return [r for r in labels if target_seq is None or r.target_seq == target_seq]


def superseded_ranges(run_dir: str | Path) -> list[tuple[int, int]]:
    """[start, end) seq ranges that resumes marked as abandoned attempts."""
    return [(r.superseded_from_seq, r.seq) for r in iter_records(run_dir, event="resume")
            if isinstance(r, Resume) and r.superseded_from_seq is not None]


def surviving_samples(run_dir: str | Path) -> Iterator[SampleEvent]:
    """Sample records in order, without those of abandoned attempts: the run as it counts."""
    ranges = superseded_ranges(run_dir)
    for record in iter_records(run_dir, event="sample"):
        if isinstance(record, SampleEvent) and not any(start <= record.seq < end for start, end in ranges):
            yield record
