"""An in-memory SQLite index of a run's audit log, keyed by record address.

Built once at start-up and extended incrementally as the run appends, so list pages, facet
counts and the dashboard never rescan the log. The index holds facets and addresses only; the
detail page reads the full record by (segment, offset, length).
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from azr_safe.policy.decision import SEVERITY
from azr_safe.review import source
from azr_safe.review.source import LabelView, Position, RawRecord, SampleView

_SCHEMA = """
CREATE TABLE samples (
  seq INTEGER PRIMARY KEY, segment INTEGER, offset INTEGER, length INTEGER, audit_seq INTEGER,
  sample_id TEXT, step INTEGER, role TEXT, task_type TEXT,
  action TEXT, severity INTEGER, flagged INTEGER,
  veto INTEGER, dropped INTEGER, quarantined INTEGER, halted INTEGER,
  reward REAL, solve_rate REAL, valid INTEGER, exec_status TEXT, violation TEXT,
  score REAL, rules TEXT, categories TEXT, excerpt TEXT
);
CREATE TABLE flags (seq INTEGER, monitor TEXT, category TEXT, score REAL);
CREATE TABLE labels (
  seq INTEGER PRIMARY KEY, target_seq INTEGER, sample_id TEXT, label TEXT, note TEXT, reviewer TEXT, ts TEXT
);
-- The latest label per labelled record (audit-log semantics: keyed by the sample record's seq).
CREATE TABLE current_label (target_seq INTEGER PRIMARY KEY, label TEXT, seq INTEGER);
-- Run events a reviewer should see beside the samples: start, halts, resumes, recoveries, end.
CREATE TABLE events (seq INTEGER PRIMARY KEY, audit_seq INTEGER, event TEXT, step INTEGER, ts TEXT, summary TEXT);
CREATE INDEX samples_sample_id ON samples(sample_id);
CREATE INDEX samples_flagged ON samples(flagged, seq);
CREATE INDEX samples_step ON samples(step, seq);
CREATE INDEX samples_action ON samples(action, seq);
CREATE INDEX samples_flagged_facets ON samples(flagged, action, role, task_type);
CREATE INDEX samples_role ON samples(role, seq);
CREATE INDEX samples_task_type ON samples(task_type, seq);
CREATE INDEX samples_score ON samples(score, seq);
CREATE INDEX samples_severity ON samples(severity, seq);
CREATE INDEX flags_seq ON flags(seq);
CREATE INDEX flags_category ON flags(category, seq);
CREATE INDEX flags_monitor ON flags(monitor, seq);
CREATE INDEX labels_target ON labels(target_seq, seq);
CREATE INDEX samples_audit_seq ON samples(audit_seq);
"""
_EXCERPT_CHARS = 160
UNCATEGORIZED = "uncategorized"
RUN_EVENTS = ("run_start", "halt", "resume", "recovery", "run_end")
_EVENT_FIELDS = {  # what one line about each run event shows, in order
    "run_start": ("policy_name", "policy_hash", "azr_safe_version"),
    "halt": ("rule_id", "sample_id", "message", "checkpoint"),
    "resume": ("acknowledged_by", "acknowledgement", "halt_seq", "checkpoint"),
    "recovery": ("segment", "offset", "length"),
    "run_end": ("status", "steps"),
}
_MEMO_ENTRIES = 512


class SampleIndex:
    """Facets of every `sample` record and every `review_label`, queryable with SQL."""

    def __init__(self, run_dir: Path, refresh_interval_s: float = 1.0) -> None:
        self.run_dir = run_dir
        self.refresh_interval_s = refresh_interval_s
        self.lock = threading.RLock()
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.executescript(_SCHEMA)
        self.segments: list[Path] = []
        self.position = Position(0, 0)
        self.records_seen = 0
        self.unreadable = 0
        self.generation = 0  # bumps whenever rows are added; caches key on it
        self._last_refresh = float("-inf")
        self._memo: dict[Any, tuple[int, float, Any]] = {}
        self._values: dict[str, set[str]] = {n: set() for n in ("category", "monitor", "action", "role", "task_type")}
        self.refresh(force=True)

    # ---- building -------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> int:
        """Index records appended since the last call; returns how many were added."""
        with self.lock:
            now = time.monotonic()
            if not force and now - self._last_refresh < self.refresh_interval_s:
                return 0
            self._last_refresh = now
            self.segments = source.find_segments(self.run_dir)
            if not self.segments:
                return 0
            added = 0
            for records, self.position in source.read_new_records(self.segments, self.position):
                self._ingest(records)
                added += len(records)
            if added:
                self.generation += 1
            return added

    def _ingest(self, records: list[RawRecord]) -> None:
        sample_rows, flag_rows, label_rows, event_rows = [], [], [], []
        for raw in records:
            seq = self.records_seen
            self.records_seen += 1
            event = source.event_of(raw.record)
            try:
                if event == "sample":
                    row = _sample_row(seq, raw)
                    flags = _flag_rows(seq, raw.record.get("verdicts") or [])
                    sample_rows.append(row)  # only now: a malformed record adds neither
                    flag_rows.extend(flags)
                elif event == "review_label":
                    lab = source.label_view(raw.record)
                    row = (seq, lab.target_seq, lab.sample_id, lab.label, lab.note, lab.reviewer, lab.timestamp)
                    label_rows.append(row)
                elif event in RUN_EVENTS:
                    event_rows.append((seq, raw.record.get("seq"), event, raw.record.get("step"),
                                       str(raw.record.get("timestamp", "")), _event_summary(raw.record)))
                elif event == "_unreadable":
                    self.unreadable += 1
            except (ValidationError, KeyError, TypeError, ValueError, AttributeError):
                self.unreadable += 1
        self._collect_values(sample_rows, flag_rows)
        with self.db:
            self.db.executemany(f"INSERT INTO samples VALUES ({','.join('?' * 25)})", sample_rows)
            self.db.executemany("INSERT INTO flags VALUES (?,?,?,?)", flag_rows)
            self.db.executemany("INSERT INTO labels VALUES (?,?,?,?,?,?,?)", label_rows)
            self.db.executemany("INSERT INTO events VALUES (?,?,?,?,?,?)", event_rows)
            self.db.executemany(
                "INSERT INTO current_label VALUES (?,?,?) ON CONFLICT(target_seq) DO UPDATE "
                "SET label = excluded.label, seq = excluded.seq WHERE excluded.seq > current_label.seq",
                [(r[1], r[3], r[0]) for r in label_rows if r[1] is not None],
            )

    def _collect_values(self, sample_rows: list[tuple], flag_rows: list[tuple]) -> None:
        for name, col in (("action", 9), ("role", 7), ("task_type", 8)):  # positions in _sample_row
            self._values[name].update(r[col] for r in sample_rows)
        self._values["monitor"].update(r[1] for r in flag_rows)
        self._values["category"].update(r[2] for r in flag_rows)

    # ---- reading --------------------------------------------------------------------------
    def rows(self, sql: str, args: list[Any] | tuple = ()) -> list[sqlite3.Row]:
        """Run one read query under the lock."""
        with self.lock:
            cur = self.db.execute(sql, args)
            cur.row_factory = sqlite3.Row
            return cur.fetchall()

    def load_sample(self, sample_id: str, audit_seq: int | None = None) -> tuple[sqlite3.Row, SampleView] | None:
        """The index row and the full record of one sample, read from its address.

        A resumed run can log a sample id twice (an abandoned attempt, then the re-run); without
        `audit_seq` the latest record is the one shown.
        """
        if audit_seq is not None:
            found = self.rows("SELECT * FROM samples WHERE sample_id = ? AND audit_seq = ?", [sample_id, audit_seq])
        else:
            found = self.rows("SELECT * FROM samples WHERE sample_id = ? ORDER BY seq DESC LIMIT 1", [sample_id])
        if not found:
            return None
        row = found[0]
        record = source.read_record_at(self.segments, row["segment"], row["offset"], row["length"])
        return row, source.sample_view(record)

    def labels_for(self, audit_seq: int | None) -> list[sqlite3.Row]:
        """Every review label of a sample record, oldest first (labels are appended, never replaced)."""
        return self.rows("SELECT * FROM labels WHERE target_seq = ? ORDER BY seq", [audit_seq])

    def load_record(self, audit_seq: int) -> SampleView | None:
        """A sample record by its audit seq."""
        found = self.rows("SELECT sample_id FROM samples WHERE audit_seq = ?", [audit_seq])
        loaded = self.load_sample(found[0][0], audit_seq) if found else None
        return loaded[1] if loaded else None

    def choices(self) -> dict[str, list[str]]:
        """Values present in the run per filter, for drop-downs (collected while indexing: no query)."""
        with self.lock:
            return {name: sorted(values) for name, values in self._values.items()}

    def memo(self, key: Any, compute: Callable[[], Any], max_age_s: float = 0.0) -> Any:
        """`compute()` cached until new records arrive, or for `max_age_s` even if they do."""
        now = time.monotonic()
        with self.lock:
            generation = self.generation
            hit = self._memo.get(key)
        if hit is not None and (hit[0] == generation or now - hit[1] < max_age_s):
            return hit[2]
        value = compute()
        with self.lock:
            if len(self._memo) > _MEMO_ENTRIES:
                self._memo.clear()
            self._memo[key] = (generation, now, value)
        return value


# The index reads plain dicts (pydantic validation would double the build time on 100k records);
# coercions below keep column types sound, and the detail page validates the full record.
def _sample_row(seq: int, raw: RawRecord) -> tuple:
    r = raw.record
    s, d, verdicts = r["sample"], r.get("decision") or {}, r.get("verdicts") or []
    action = str(d.get("action") or "allow")
    actions = {*map(str, d.get("actions") or []), action}
    flagged = action != "allow" or any(v.get("flagged") for v in verdicts)
    runs = s.get("executions") or []
    violation = next((str(e["violation"]) for e in runs if e.get("violation")), None)
    categories = sorted({str(c) for v in verdicts for c in v.get("labels") or []})
    solve_rate = s.get("solve_rate")
    return (
        seq, raw.segment, raw.offset, raw.length, r.get("seq"),
        str(s["sample_id"]), int(s["step"]), str(s["role"]), str(s["task_type"]),
        action, SEVERITY.get(action, 0), int(flagged),
        int("veto_reward" in actions), int("drop_sample" in actions),
        int("quarantine_task" in actions), int("halt" in actions),
        float(s.get("reward") or 0.0), None if solve_rate is None else float(solve_rate),
        int(bool(s.get("valid", True))), str(runs[0].get("status")) if runs else None, violation,
        _top_score(verdicts), ",".join(map(str, d.get("rule_ids") or [])), ",".join(categories), _excerpt(s, verdicts),
    )  # fmt: skip


def _flag_rows(seq: int, verdicts: list[dict]) -> list[tuple]:
    rows = []
    for v in verdicts:
        scores = v.get("scores") or {}
        for category in v.get("labels") or []:
            rows.append((seq, str(v.get("monitor")), str(category), float(scores.get(category, 0.0))))
        if v.get("flagged") and not v.get("labels"):
            rows.append((seq, str(v.get("monitor")), UNCATEGORIZED, float(max(scores.values(), default=0.0))))
    return rows


def _top_score(verdicts: list[dict]) -> float:
    labelled = [(v.get("scores") or {}).get(c, 0.0) for v in verdicts for c in v.get("labels") or []]
    every = [max((v.get("scores") or {}).values(), default=0.0) for v in verdicts]
    return float(max(labelled or every or [0.0]))


def _excerpt(s: dict, verdicts: list[dict]) -> str:
    """A short text for the list: the first evidence span in context, else the trace's start."""
    texts = {f: str(s.get(f) or "") for f in ("reasoning", "answer", "program")}
    for v in verdicts:
        for span in v.get("spans") or []:
            text, start, end = texts.get(span.get("field"), ""), span.get("start", -1), span.get("end", -1)
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
                lo = max(0, start - 40)
                space = text.find(" ", lo, start)  # start the context on a word boundary
                lo = space + 1 if lo and space >= 0 else lo
                return _squash(("…" if lo else "") + text[lo : start + _EXCERPT_CHARS - 40])
    first = texts["reasoning"] or texts["answer"] or texts["program"]
    return _squash(first[: 2 * _EXCERPT_CHARS])[:_EXCERPT_CHARS]


def _event_summary(record: dict) -> str:
    fields = _EVENT_FIELDS.get(str(record.get("event")), ())
    return "; ".join(f"{k}: {record[k]}" for k in fields if record.get(k) not in (None, ""))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
