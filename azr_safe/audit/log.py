"""The append-only writer: redact, seal into the hash chain, append to a rotating JSONL segment.

Writers hold an exclusive flock while appending, so the trainer and the review app can append to
one log. Each line is written with a single O_APPEND write; the segment is fsync'd and HEAD.json
advanced after every run event (SYNC_EVENTS) and on `sync()`/`close()`. A log reopened after a crash
with a torn tail gets a `recovery` record in a fresh segment: the torn bytes stay where they are.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from azr_safe.audit._segments import (
    LOCK_NAME,
    SALT_NAME,
    list_segments,
    read_segment,
    segment_name,
    write_head,
)
from azr_safe.audit.records import (
    GENESIS_HASH,
    SYNC_EVENTS,
    AuditRecord,
    Recovery,
    Redaction,
    ReviewLabel,
    SampleEvent,
    canonical_json,
    parse_record,
    record_hash,
    utc_now,
)
from azr_safe.audit.redact import Redactor
from azr_safe.audit.verify import AuditError
from azr_safe.durable import fsync_dir

DEFAULT_SEGMENT_BYTES = 8 << 20
_ENVELOPE_KEYS = frozenset({"version", "seq", "run", "timestamp", "prev_hash", "hash", "redactions", "event"})
_WHOLE_REDACT_KEYS = ("sample", "verdicts")  # under the `redact` action, these fields are hashed whole


class Position(BaseModel):
    """Where the chain stands: store it in checkpoints; `audit verify --expect HASH` checks it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    records: int
    last_hash: str


class AuditLog:
    """`AuditLog(run_dir).append(record)`; also a context manager that syncs and closes."""

    def __init__(
        self,
        run_dir: str | Path,
        *,
        max_segment_bytes: int = DEFAULT_SEGMENT_BYTES,
        salt: bytes | None = None,
        fsync_every_record: bool = False,
        use_presidio: bool = True,
    ) -> None:
        if max_segment_bytes < 1024:
            raise AuditError(f"max_segment_bytes must be at least 1024, got {max_segment_bytes}")
        self.run_dir = Path(run_dir)
        self.run = self.run_dir.name
        self.max_segment_bytes = max_segment_bytes
        self.fsync_every_record = fsync_every_record
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            self._lock_fd = os.open(self.run_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as err:
            raise AuditError(f"{self.run_dir}: cannot open audit folder: {err.strerror}") from None
        self.salt = _load_or_create_salt(self.run_dir, salt)
        self.salt_id = hashlib.sha256(self.salt).hexdigest()[:16]
        self._redactor = Redactor(self.salt, use_presidio=use_presidio)
        self._fd: int | None = None
        self._segment_no = 1
        self._size = 0
        self._next_seq = 0
        self._last_hash = GENESIS_HASH
        self._last_segment = segment_name(1)  # the segment that holds the last record (HEAD names it)
        self._unsynced = False
        with self._locked():
            self._load_tail()

    # ------------------------------------------------------------------ writing
    def append(self, record: AuditRecord) -> AuditRecord:
        """Redact, seal and append `record`; returns the sealed record as written."""
        with self._locked():
            self._refresh_if_changed()
            return self._seal_and_write(self._redacted_payload(record))

    def append_review_label(self, target_seq: int, label: str, author: str, note: str = "") -> ReviewLabel:
        """Append a reviewer's label for the sample record at `target_seq`."""
        from azr_safe.audit.reader import get_record  # reader imports nothing from here

        target = get_record(self.run_dir, str(target_seq))
        if not isinstance(target, SampleEvent):
            raise AuditError(f"record {target_seq} is a {target.event!r} record, not a sample")
        record = ReviewLabel(target_seq=target_seq, sample_id=target.sample.sample_id, label=label,
                             author=author, note=note)
        sealed = self.append(record)
        self.sync()
        assert isinstance(sealed, ReviewLabel)
        return sealed

    def sync(self) -> None:
        """fsync the open segment and advance HEAD.json (called at step boundaries)."""
        with self._locked():
            self._sync_locked()

    def position(self) -> Position:
        """Record count and last hash, for checkpoints."""
        return Position(records=self._next_seq, last_hash=self._last_hash)

    def close(self) -> None:
        """Sync and release file handles."""
        if self._lock_fd < 0:
            return
        self.sync()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        os.close(self._lock_fd)
        self._lock_fd = -1

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ reading
    def records(self, **filters: Any) -> Iterator[AuditRecord]:
        """Records in order; filters as `reader.iter_records`."""
        from azr_safe.audit.reader import iter_records

        return iter_records(self.run_dir, **filters)

    def get(self, record_id: str) -> AuditRecord:
        """A record by seq, sample id or hash prefix."""
        from azr_safe.audit.reader import get_record

        return get_record(self.run_dir, record_id)

    # ------------------------------------------------------------------ internals
    @contextmanager
    def _locked(self) -> Iterator[None]:
        if self._lock_fd < 0:
            raise AuditError(f"{self.run_dir}: audit log is closed")
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _redacted_payload(self, record: AuditRecord) -> dict[str, Any]:
        data = record.model_dump(mode="json")
        found: list[Redaction] = []
        whole = isinstance(record, SampleEvent) and "redact" in record.decision.actions
        for key, value in data.items():
            if key not in _ENVELOPE_KEYS:
                data[key] = self._redactor.redact_tree(
                    value, found, whole=whole and key in _WHOLE_REDACT_KEYS, pointer=f"/{key}"
                )
        data["redactions"] = [*data.get("redactions", []), *(r.model_dump() for r in found)]
        return _finite(data)

    def _seal_and_write(self, payload: dict[str, Any]) -> AuditRecord:
        payload.update(seq=self._next_seq, run=self.run, prev_hash=self._last_hash)
        payload["timestamp"] = utc_now().isoformat().replace("+00:00", "Z")
        payload["hash"] = record_hash(payload)
        sealed = parse_record(payload)  # refuse to write anything the reader could not parse
        self._write_line((canonical_json(payload) + "\n").encode("utf-8"))
        self._next_seq += 1
        self._last_hash = payload["hash"]
        if payload["event"] in SYNC_EVENTS or self.fsync_every_record:
            self._sync_locked()
        return sealed

    def _segment_path(self, number: int | None = None) -> Path:
        return self.run_dir / segment_name(self._segment_no if number is None else number)

    def _write_line(self, line: bytes) -> None:
        if self._size > 0 and self._size + len(line) > self.max_segment_bytes:
            self._sync_locked()
            self._open_segment(self._segment_no + 1)
        if self._fd is None:
            self._open_segment(self._segment_no)
        assert self._fd is not None
        view = memoryview(line)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self._size += len(line)
        self._last_segment = segment_name(self._segment_no)
        self._unsynced = True

    def _open_segment(self, number: int) -> None:
        if self._fd is not None:
            os.close(self._fd)
        path = self._segment_path(number)
        created = not path.exists()
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._segment_no = number
        self._size = os.fstat(self._fd).st_size
        if created:
            fsync_dir(self.run_dir)

    def _sync_locked(self) -> None:
        if self._fd is not None and self._unsynced:
            os.fsync(self._fd)
        self._unsynced = False
        head = {"seq": self._next_seq - 1, "hash": self._last_hash, "segment": self._last_segment}
        write_head(self.run_dir, head)

    def _refresh_if_changed(self) -> None:
        """Another process appended (e.g. the review app): re-read the tail before writing."""
        path = self._segment_path()
        size = path.stat().st_size if path.exists() else 0
        if size != self._size or self._segment_path(self._segment_no + 1).exists():
            self._load_tail()

    def _load_tail(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        segments = list_segments(self.run_dir)
        if not segments:
            self._segment_no, self._size, self._next_seq, self._last_hash = 1, 0, 0, GENESIS_HASH
            self._last_segment = segment_name(1)
            self._sync_locked()  # HEAD at seq -1: an empty log, not a truncated one
            return
        self._last_record_from(segments)
        written = [(n, p) for n, p in segments if p.stat().st_size > 0]
        torn = read_segment(written[-1][1])[1] if written else None
        if torn is not None:  # the recovery record opens the next segment (reusing an empty one)
            self._segment_no = written[-1][0]
            self._recover(torn.segment, torn.offset, torn.data)
            return
        self._segment_no, last_path = segments[-1]  # may be an empty segment left by a crash
        self._size = last_path.stat().st_size

    def _last_record_from(self, segments: list[tuple[int, Path]]) -> None:
        for _, path in reversed(segments):
            lines, _ = read_segment(path)
            if lines:
                data = _parse_tail_record(path, lines[-1].raw)
                self._next_seq, self._last_hash, self._last_segment = data["seq"] + 1, data["hash"], path.name
                return
        self._next_seq, self._last_hash, self._last_segment = 0, GENESIS_HASH, segment_name(1)

    def _recover(self, segment: str, offset: int, torn: bytes) -> None:
        self._open_segment(self._segment_no + 1)
        record = Recovery(segment=segment, offset=offset, length=len(torn), sha256=hashlib.sha256(torn).hexdigest())
        self._seal_and_write(record.model_dump(mode="json"))


def _finite(data: Any) -> Any:
    """NaN/inf (a diverged loss) become the strings 'NaN'/'Infinity'/'-Infinity', which JSON can hold and
    pydantic reads back as floats: a record must never be lost because a metric blew up."""
    if isinstance(data, float) and not math.isfinite(data):
        return "NaN" if math.isnan(data) else ("Infinity" if data > 0 else "-Infinity")
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_finite(v) for v in data]
    return data


def _parse_tail_record(path: Path, raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"))
        ok = isinstance(data, dict) and isinstance(data.get("seq"), int) and record_hash(data) == data.get("hash")
    except (UnicodeDecodeError, ValueError):
        ok = False
    if not ok:
        raise AuditError(
            f"{path}: the last complete record does not verify; refusing to append",
            hint=f"run `azr-safe audit verify {path.parent}`",
        )
    return data


def _load_or_create_salt(run_dir: Path, salt: bytes | None) -> bytes:
    """The run's redaction salt: given, or read from / created in `.salt` (mode 0600)."""
    path = run_dir / SALT_NAME
    if salt is not None:
        return salt
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    fresh = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(fresh.hex())
        fh.flush()
        os.fsync(fh.fileno())
    return fresh
