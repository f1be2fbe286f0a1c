"""`azr-safe audit verify|list|show|export`: check and read a run's hash-chained audit log.

Exit codes of `verify`: 0 intact, 1 tampered (the first bad record is named), 4 torn tail (a crash
mid-write, or a truncation inside a record; every complete record before it verifies), 2 bad input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from azr_safe.cli.policy import one_line_errors

app = typer.Typer(help="Verify, list, show and export hash-chained audit logs.", no_args_is_help=True)
EXIT_TAMPERED = 1
EXIT_TORN = 4

DirArg = Annotated[Path, typer.Argument(help="Audit folder of one run, e.g. audit_logs/<run>.")]


@app.command()
@one_line_errors
def verify(
    directory: DirArg,
    expect: Annotated[
        str | None, typer.Option("--expect", help="A last_hash from a checkpoint that must be in the chain.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check every record's hash, the chain, order, segments and HEAD; name the first bad record."""
    from azr_safe.audit import iter_records, verify_log

    report = verify_log(directory)
    if expect and report.status != "tampered":
        hashes = {r.hash for r in iter_records(directory)}
        if expect.lower() not in hashes:
            report = report.model_copy(
                update={"status": "tampered", "problem": f"expected hash {expect} is not in the chain"}
            )
    typer.echo(report.model_dump_json() if as_json else report.summary())
    if report.status == "tampered":
        raise typer.Exit(EXIT_TAMPERED)
    if report.status == "torn_tail":
        raise typer.Exit(EXIT_TORN)


@app.command("list")
@one_line_errors
def list_records(
    directory: DirArg,
    flagged: Annotated[bool, typer.Option("--flagged", help="Only samples not plainly allowed.")] = False,
    category: Annotated[str | None, typer.Option("--category", help="Only samples labelled so.")] = None,
    event: Annotated[str | None, typer.Option("--event", help="Only records of this event type.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON record per line.")] = False,
) -> None:
    """One line per record (or per matching sample)."""
    from azr_safe.audit import EVENTS, iter_records
    from azr_safe.audit.verify import AuditError

    if event is not None and event not in EVENTS:
        raise AuditError(f"unknown event {event!r}; events: {', '.join(EVENTS)}")
    records = iter_records(directory, event=event, flagged=True if flagged else None, category=category)
    if as_json:
        for record in records:
            typer.echo(record.model_dump_json())
        return
    table = Table("seq", "event", "step", "sample", "action", "rules", "labels")
    count = 0
    for record in records:
        count += 1
        table.add_row(*_summary_cells(record))
    Console(width=200).print(table)
    typer.echo(f"{count} records")


def _summary_cells(record: object) -> list[str]:
    from azr_safe.audit import SampleEvent

    step = getattr(record, "step", None)
    cells = [str(getattr(record, "seq")), getattr(record, "event"), "" if step is None else str(step)]
    if isinstance(record, SampleEvent):
        labels = sorted({label for v in record.verdicts for label in v.labels})
        return [*cells, escape(record.sample.sample_id), record.decision.action,
                ", ".join(record.decision.rule_ids), ", ".join(labels)]
    return [*cells, escape(str(getattr(record, "sample_id", ""))), "", escape(str(getattr(record, "rule_id", ""))), ""]


@app.command()
@one_line_errors
def show(
    directory: DirArg,
    record_id: Annotated[str, typer.Argument(metavar="ID", help="seq number, sample id, or hash prefix.")],
) -> None:
    """Print one record as indented JSON (with the review labels it has, for a sample)."""
    from azr_safe.audit import SampleEvent, get_record, review_labels

    record = get_record(directory, record_id)
    typer.echo(json.dumps(record.model_dump(mode="json"), indent=2, ensure_ascii=False))
    if isinstance(record, SampleEvent):
        for label in review_labels(directory, record.seq):
            typer.echo(f"review label (seq {label.seq}): {label.label} by {label.author}: {label.note}")


@app.command()
@one_line_errors
def export(
    directory: DirArg,
    fmt: Annotated[Literal["jsonl", "parquet"], typer.Option("--format", help="jsonl or parquet.")] = "jsonl",
    out: Annotated[Path | None, typer.Option("--out", help="Output file (default: <DIR>.<format>).")] = None,
    no_verify: Annotated[bool, typer.Option("--no-verify", help="Export even a tampered log.")] = False,
) -> None:
    """Export every complete record to one JSONL file or a Parquet table."""
    from azr_safe.audit import export_log

    target = out or directory.with_name(f"{directory.name}.{fmt}")
    count = export_log(directory, target, fmt, require_intact=not no_verify)
    typer.echo(f"exported {count} records to {target}")
