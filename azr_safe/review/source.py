"""A thin read adapter over the audit log: where records are, and what a sample record holds.

The review app never rewrites the log. It reads complete JSONL lines by (segment, offset) and
turns `sample` and `review_label` records into the view models below. Everything that depends on
the audit record layout lives in this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from azr_safe.audit._segments import list_segments
from azr_safe.monitors.verdict import Verdict
from azr_safe.policy.decision import Decision
from azr_safe.review.errors import RunNotFoundError
from azr_safe.selfplay.sample import Sample


class Position(NamedTuple):
    """Where the next unread line starts: segment number in sorted order, byte offset inside it."""

    segment: int
    offset: int


class RawRecord(NamedTuple):
    """One complete line of the log and where it sits."""

    segment: int
    offset: int
    length: int
    record: dict[str, Any]


class SampleView(BaseModel):
    """A `sample` record as the review pages show it."""

    model_config = ConfigDict(extra="forbid")

    audit_seq: int | None = Field(default=None, description="The audit log's own sequence number.")
    timestamp: str = Field(default="", description="UTC time the record was written.")
    sample: Sample = Field(description="The screened sample, as logged (already PII-redacted).")
    verdicts: list[Verdict] = Field(default_factory=list, description="Every monitor's verdict.")
    decision: Decision | None = Field(default=None, description="The policy decision, if one was made.")


class LabelView(BaseModel):
    """A `review_label` record."""

    model_config = ConfigDict(extra="forbid")

    audit_seq: int | None = None
    timestamp: str = ""
    target_seq: int | None = Field(default=None, description="audit seq of the labelled sample record.")
    sample_id: str
    label: str
    note: str = ""
    reviewer: str = Field(default="", description="The record's `author`.")


def find_segments(run_dir: Path) -> list[Path]:
    """The log's segment files in write order (names sort in write order)."""
    if not run_dir.is_dir():
        raise RunNotFoundError(f"run directory {str(run_dir)!r} does not exist")
    return [path for _, path in list_segments(run_dir)]


def read_new_records(
    segments: list[Path], start: Position, batch: int = 2000
) -> Iterator[tuple[list[RawRecord], Position]]:
    """Complete lines from `start` on, in batches, each with the position after it.

    Batches keep memory flat on 100k-record logs. A torn last line is left for a later call.
    """
    out: list[RawRecord] = []
    pos = start
    for seg_no in range(start.segment, len(segments)):
        offset = pos.offset if seg_no == start.segment else 0
        with segments[seg_no].open("rb") as fh:
            fh.seek(offset)
            for line in fh:
                if not line.endswith(b"\n"):
                    break  # torn or still being written
                if line.strip():
                    out.append(RawRecord(seg_no, offset, len(line), _parse(line)))
                offset += len(line)
                if len(out) >= batch:
                    yield out, Position(seg_no, offset)
                    out = []
        pos = Position(seg_no, offset)
    yield out, pos


def read_record_at(segments: list[Path], segment: int, offset: int, length: int) -> dict[str, Any]:
    """One record by its address, for the detail page."""
    with segments[segment].open("rb") as fh:
        fh.seek(offset)
        return _parse(fh.read(length))


def _parse(line: bytes) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {"event": "_unreadable"}
    return record if isinstance(record, dict) else {"event": "_unreadable"}


def event_of(record: dict[str, Any]) -> str:
    """The record's tag."""
    return str(record.get("event", ""))


def _body(record: dict[str, Any]) -> dict[str, Any]:
    """Record fields may sit at top level or under a payload key, depending on the writer."""
    for key in ("payload", "data", "body"):
        if isinstance(record.get(key), dict):
            return record[key]
    return record


def sample_view(record: dict[str, Any]) -> SampleView:
    """Turn a `sample` audit record into the view model (raises pydantic.ValidationError)."""
    body = _body(record)
    return SampleView(
        audit_seq=record.get("seq"),
        timestamp=str(record.get("timestamp", "")),
        sample=Sample.model_validate(body["sample"]),
        verdicts=[Verdict.model_validate(v) for v in body.get("verdicts") or []],
        decision=Decision.model_validate(body["decision"]) if body.get("decision") else None,
    )


def label_view(record: dict[str, Any]) -> LabelView:
    """Turn a `review_label` audit record into the view model."""
    body = _body(record)
    return LabelView(
        audit_seq=record.get("seq"),
        timestamp=str(record.get("timestamp", "")),
        target_seq=body.get("target_seq"),
        sample_id=str(body["sample_id"]),
        label=str(body["label"]),
        note=str(body.get("note") or ""),
        reviewer=str(body.get("author") or body.get("reviewer") or ""),
    )


def iter_events(records: list[RawRecord], event: str) -> Iterator[RawRecord]:
    """Records of one kind."""
    return (r for r in records if event_of(r.record) == event)
