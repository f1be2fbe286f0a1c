"""Verify a run's audit log: every record's hash, the chain, the order, the segments and HEAD.

The walk stops at the first bad record and names it (segment, line, seq). A torn tail in the last
segment (a crash mid-write) is reported as such: every complete record before it still verifies.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from azr_safe.audit._segments import HEAD_NAME, Line, Torn, list_segments, read_head, read_segment, segment_name
from azr_safe.audit.records import GENESIS_HASH, canonical_json, parse_record, record_hash
from azr_safe.errors import UserFacingError


class AuditError(UserFacingError):
    """An audit folder is missing, not an audit log, or cannot be appended to."""

    code = "AZR050"


class TornTail(BaseModel):
    """Bytes after the last complete record of the last segment."""

    model_config = ConfigDict(extra="forbid")

    segment: str
    offset: int
    length: int
    sha256: str


class VerifyReport(BaseModel):
    """Outcome of `verify_log`."""

    model_config = ConfigDict(extra="forbid")

    run_dir: str
    status: Literal["intact", "torn_tail", "tampered"]
    records: int = Field(description="Complete records that verified, from seq 0.")
    segments: int
    last_hash: str | None = None
    problem: str | None = Field(default=None, description="The first bad record and what is wrong.")
    torn: TornTail | None = None

    @property
    def ok(self) -> bool:
        """True only for a pristine log."""
        return self.status == "intact"

    def summary(self) -> str:
        """One line for the CLI."""
        if self.status == "intact":
            return f"OK: {self.records} records in {self.segments} segment(s) verify; head {self.last_hash}"
        if self.status == "torn_tail":
            t = self.torn
            assert t is not None
            return (
                f"TORN TAIL: {self.records} complete records verify; {t.length} bytes of an incomplete record "
                f"follow at {t.segment} offset {t.offset} (crash mid-write, or truncation)"
            )
        return f"TAMPERED: {self.problem} ({self.records} records verified before it)"


class _Tampered(Exception):
    pass


class _Walker:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.expected_seq = 0
        self.prev_hash = GENESIS_HASH
        self.pending_torn: Torn | None = None
        self.head = read_head(run_dir)
        self.head_seen = False

    def check_line(self, line: Line) -> None:
        where = f"{line.segment} line {line.number}"
        try:
            data = json.loads(line.raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _Tampered(f"{where} (expected seq {self.expected_seq}): not valid JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("hash"), str):
            raise _Tampered(f"{where} (expected seq {self.expected_seq}): not an audit record")
        seq = data.get("seq")
        where = f"{where} (seq {seq})"
        if canonical_json(data).encode("utf-8") != line.raw or record_hash(data) != data["hash"]:
            raise _Tampered(f"{where}: hash mismatch, the record was edited")
        if seq != self.expected_seq:
            kind = "missing record(s)" if isinstance(seq, int) and seq > self.expected_seq else "out of order"
            raise _Tampered(f"{where}: {kind}: expected seq {self.expected_seq}")
        if data.get("prev_hash") != self.prev_hash:
            raise _Tampered(f"{where}: chain broken, prev_hash does not match the hash of seq {seq - 1}")
        self._check_schema(data, where)
        self._check_recovery(data, where)
        self._check_head(line, data, where)
        self.expected_seq += 1
        self.prev_hash = data["hash"]

    def _check_schema(self, data: dict[str, Any], where: str) -> None:
        try:
            parse_record(data)
        except ValidationError as err:
            first = err.errors(include_url=False)[0]
            field = ".".join(str(p) for p in first["loc"])
            raise _Tampered(f"{where}: not a valid record ({field}: {first['msg']})") from None

    def _check_recovery(self, data: dict[str, Any], where: str) -> None:
        torn, self.pending_torn = self.pending_torn, None
        if torn is None:
            return
        expected = (torn.segment, torn.offset, len(torn.data), hashlib.sha256(torn.data).hexdigest())
        found = tuple(data.get(k) for k in ("segment", "offset", "length", "sha256"))
        if data.get("event") != "recovery" or found != expected:
            raise _Tampered(
                f"{where}: {torn.segment} has {len(torn.data)} torn bytes at offset {torn.offset} "
                "that no recovery record describes"
            )

    def _check_head(self, line: Line, data: dict[str, Any], where: str) -> None:
        if self.head and data["seq"] == self.head.get("seq"):
            if data["hash"] != self.head.get("hash") or line.segment != self.head.get("segment"):
                raise _Tampered(f"{where}: differs from what {HEAD_NAME} recorded for this seq")
            self.head_seen = True

    def check_end(self) -> None:
        if self.head is None:
            raise _Tampered(f"{HEAD_NAME} is missing, unreadable or edited")
        if not self.head_seen and self.head.get("seq") != -1:
            raise _Tampered(
                f"truncated: {HEAD_NAME} records seq {self.head.get('seq')}, "
                f"but the log ends at seq {self.expected_seq - 1}"
            )


def verify_log(run_dir: str | Path) -> VerifyReport:
    """Walk the whole log; never raises for tampering (see the report), only for a missing folder."""
    run_dir = Path(run_dir)
    segments = existing_segments(run_dir)
    walker = _Walker(run_dir)
    torn: Torn | None = None
    try:
        for index, (number, path) in enumerate(segments, start=1):
            if number != index:
                raise _Tampered(f"{segment_name(index)} is missing (next is {path.name})")
            lines, torn = read_segment(path)
            for line in lines:
                walker.check_line(line)
            if torn is not None and index < len(segments):
                walker.pending_torn, torn = torn, None
        if walker.pending_torn is not None:
            raise _Tampered(f"{walker.pending_torn.segment} ends in torn bytes no recovery record describes")
        walker.check_end()
    except _Tampered as problem:
        return _report(run_dir, segments, walker, "tampered", problem=str(problem))
    if torn is not None:
        tail = TornTail(
            segment=torn.segment, offset=torn.offset, length=len(torn.data),
            sha256=hashlib.sha256(torn.data).hexdigest(),
        )
        return _report(run_dir, segments, walker, "torn_tail", torn=tail)
    return _report(run_dir, segments, walker, "intact")


def _report(run_dir: Path, segments: list[Any], walker: _Walker, status: Any, **extra: Any) -> VerifyReport:
    last = walker.prev_hash if walker.expected_seq else None
    return VerifyReport(
        run_dir=str(run_dir), status=status, records=walker.expected_seq, segments=len(segments),
        last_hash=last, **extra,
    )


def existing_segments(run_dir: Path) -> list[tuple[int, Path]]:
    """Segments of an audit folder; AuditError if the folder is missing or holds no audit log."""
    if not run_dir.is_dir():
        raise AuditError(f"{run_dir}: no such audit folder")
    segments = list_segments(run_dir)
    if not segments and not (run_dir / HEAD_NAME).exists():
        raise AuditError(f"{run_dir}: not an audit log (no segment-*.jsonl files)")
    return segments
