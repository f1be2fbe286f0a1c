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
CREATE TABLE labels (seq INTEGER PRIMARY KEY, sample_id TEXT, label TEXT, note TEXT, reviewer TEXT, ts TEXT);
CREATE TABLE current_label (sample_id TEXT PRIMARY KEY, label TEXT, seq INTEGER);
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
CREATE INDEX labels_sample ON labels(sample_id, seq);
"""
_EXCERPT_CHARS = 160
UNCATEGORIZED = "uncategorized"


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
        self._distinct: dict[tuple[str, str], tuple[int, list[str]]] = {}
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
            records, self.position = source.read_new_records(self.segments, self.position)
            if records:
                self._ingest(records)
                self.generation += 1
            return len(records)

    def _ingest(self, records: list[RawRecord]) -> None:
        sample_rows, flag_rows, label_rows = [], [], []
        for raw in records:
            seq = self.records_seen
            self.records_seen += 1
            event = source.event_of(raw.record)
            try:
                if event == "sample":
                    view = source.sample_view(raw.record)
                    sample_rows.append(_sample_row(seq, raw, view))
                    flag_rows.extend(_flag_rows(seq, view))
                elif event == "review_label":
                    lab = source.label_view(raw.record)
                    label_rows.append((seq, lab.sample_id, lab.label, lab.note, lab.reviewer, lab.timestamp))
                elif event == "_unreadable":
                    self.unreadable += 1
            except (ValidationError, KeyError, TypeError):
                self.unreadable += 1
        with self.db:
            self.db.executemany(f"INSERT INTO samples VALUES ({','.join('?' * 25)})", sample_rows)
            self.db.executemany("INSERT INTO flags VALUES (?,?,?,?)", flag_rows)
            self.db.executemany("INSERT INTO labels VALUES (?,?,?,?,?,?)", label_rows)
            self.db.executemany(
                "INSERT INTO current_label VALUES (?,?,?) ON CONFLICT(sample_id) DO UPDATE "
                "SET label = excluded.label, seq = excluded.seq WHERE excluded.seq > current_label.seq",
                [(r[1], r[2], r[0]) for r in label_rows],
            )

    # ---- reading --------------------------------------------------------------------------
    def rows(self, sql: str, args: list[Any] | tuple = ()) -> list[sqlite3.Row]:
        """Run one read query under the lock."""
        with self.lock:
            cur = self.db.execute(sql, args)
            cur.row_factory = sqlite3.Row
            return cur.fetchall()

    def load_sample(self, sample_id: str) -> tuple[sqlite3.Row, SampleView] | None:
        """The index row and the full record of one sample, read from its address."""
        found = self.rows("SELECT * FROM samples WHERE sample_id = ? ORDER BY seq DESC LIMIT 1", [sample_id])
        if not found:
            return None
        row = found[0]
        record = source.read_record_at(self.segments, row["segment"], row["offset"], row["length"])
        return row, source.sample_view(record)

    def labels_for(self, sample_id: str) -> list[sqlite3.Row]:
        """Every review label of a sample, oldest first (labels are appended, never replaced)."""
        return self.rows("SELECT * FROM labels WHERE sample_id = ? ORDER BY seq", [sample_id])

    def distinct(self, column: str, table: str = "samples") -> list[str]:
        """Values present in the run, for filter drop-downs (column names are ours, not users')."""
        key = (column, table)
        with self.lock:
            cached = self._distinct.get(key)
            if cached is None or cached[0] != self.generation:
                values = [r[0] for r in self.rows(f"SELECT DISTINCT {column} FROM {table} ORDER BY 1") if r[0] is not None]
                cached = self._distinct[key] = (self.generation, values)
        return cached[1]


def _sample_row(seq: int, raw: RawRecord, view: SampleView) -> tuple:
    s, d = view.sample, view.decision
    actions = set(d.actions) | {d.action} if d else set()
    action = d.action if d else "allow"
    flagged = action != "allow" or any(v.flagged for v in view.verdicts)
    first = s.executions[0] if s.executions else None
    violation = next((e.violation for e in s.executions if e.violation), None)
    categories = sorted({c for v in view.verdicts for c in v.labels})
    return (
        seq, raw.segment, raw.offset, raw.length, view.audit_seq,
        s.sample_id, s.step, s.role, s.task_type,
        action, SEVERITY.get(action, 0), int(flagged),
        int("veto_reward" in actions), int("drop_sample" in actions),
        int("quarantine_task" in actions), int("halt" in actions),
        s.reward, s.solve_rate, int(s.valid), first.status if first else None, violation,
        _top_score(view), ",".join(d.rule_ids) if d else "", ",".join(categories), _excerpt(view),
    )  # fmt: skip


def _flag_rows(seq: int, view: SampleView) -> list[tuple]:
    rows = []
    for v in view.verdicts:
        for category in v.labels:
            rows.append((seq, v.monitor, category, float(v.scores.get(category, 0.0))))
        if v.flagged and not v.labels:
            rows.append((seq, v.monitor, UNCATEGORIZED, max(v.scores.values(), default=0.0)))
    return rows


def _top_score(view: SampleView) -> float:
    labelled = [v.scores.get(c, 0.0) for v in view.verdicts for c in v.labels]
    return float(max(labelled or [max(v.scores.values(), default=0.0) for v in view.verdicts] or [0.0]))


def _excerpt(view: SampleView) -> str:
    """A short text for the list: the first evidence span in context, else the trace's start."""
    s = view.sample
    texts = {"reasoning": s.reasoning, "answer": s.answer, "program": s.program or ""}
    for v in view.verdicts:
        for span in v.spans:
            text = texts.get(span.field, "")
            if 0 <= span.start < span.end <= len(text):
                lo = max(0, span.start - 40)
                return _squash(("…" if lo else "") + text[lo : span.start + _EXCERPT_CHARS - 40])
    return _squash((s.reasoning or s.answer or s.program or "")[: 2 * _EXCERPT_CHARS])[:_EXCERPT_CHARS]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
