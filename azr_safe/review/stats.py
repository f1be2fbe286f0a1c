"""Per-step series for the run dashboard, aggregated in SQL over the index."""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from azr_safe.review.index import SampleIndex

Series = dict[str, list[tuple[float, float]]]  # name -> [(step, value)]


class Dashboard(NamedTuple):
    """Every chart of the dashboard, plus run totals."""

    flag_rate: Series
    actions: Series
    reward: Series
    solve_rate: Series
    valid_proposals: Series
    totals: dict[str, int]


_MIN_RECOMPUTE_S = 5.0  # during a live run the index grows every second; charts may lag a little


def dashboard(index: SampleIndex, max_age_s: float = _MIN_RECOMPUTE_S) -> Dashboard:
    """Series for the current index: cached until new records arrive, and then for `max_age_s` more."""
    return index.memo("dashboard", lambda: _dashboard(index), max_age_s=max_age_s)


def _dashboard(index: SampleIndex) -> Dashboard:
    return Dashboard(
        flag_rate=_flag_rate(index),
        actions=_action_counts(index),
        reward=_by_task_and_role(index, "AVG(reward)"),
        # Solver success is reward > 0 (AZR's solver reward is 1 on a verified answer); the
        # proposer's solve rate is the mean solver success it logged for its task.
        solve_rate=_by_task_and_role(index, "AVG(CASE WHEN role = 'solve' THEN reward > 0 ELSE solve_rate END)"),
        valid_proposals=_series(
            index, "SELECT step, AVG(valid) FROM samples WHERE role = 'propose' GROUP BY step ORDER BY step", "valid"
        ),
        totals=_totals(index),
    )


def _series(index: SampleIndex, sql: str, name: str) -> Series:
    return {name: [(r[0], r[1]) for r in index.rows(sql) if r[1] is not None]}


def _flag_rate(index: SampleIndex) -> Series:
    per_step = {r[0]: r[1] for r in index.rows("SELECT step, COUNT(*) FROM samples GROUP BY step")}
    rows = index.rows(
        "SELECT s.step, f.category, COUNT(DISTINCT f.seq) FROM flags f JOIN samples s ON s.seq = f.seq "
        "GROUP BY s.step, f.category ORDER BY s.step"
    )
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for step, category, n in rows:
        counts[category][step] = n
    # Steps with no flag of a category count as 0, so a line drops back to the axis.
    return {
        category: [(step, by_step.get(step, 0) / total) for step, total in sorted(per_step.items())]
        for category, by_step in sorted(counts.items())
    }


def _action_counts(index: SampleIndex) -> Series:
    rows = index.rows(
        "SELECT step, SUM(veto), SUM(dropped), SUM(quarantined), SUM(halted) FROM samples GROUP BY step ORDER BY step"
    )
    names = ("veto_reward", "drop_sample", "quarantine_task", "halt")
    return {name: [(r[0], r[i + 1]) for r in rows] for i, name in enumerate(names)}


def _by_task_and_role(index: SampleIndex, expr: str) -> Series:
    rows = index.rows(f"SELECT step, task_type, role, {expr} FROM samples GROUP BY 1, 2, 3 ORDER BY 1")
    out: Series = defaultdict(list)
    for step, task_type, role, value in rows:
        if value is not None:
            out[f"{task_type}/{role}"].append((step, value))
    return dict(sorted(out.items()))


def _totals(index: SampleIndex) -> dict[str, int]:
    row = index.rows(
        "SELECT COUNT(*), SUM(flagged), SUM(veto), SUM(dropped), SUM(quarantined), SUM(halted), "
        "COUNT(DISTINCT step) FROM samples"
    )[0]
    labelled = index.rows("SELECT COUNT(*) FROM current_label")[0][0]
    keys = ("samples", "flagged", "veto_reward", "drop_sample", "quarantine_task", "halt", "steps")
    return {**{k: int(v or 0) for k, v in zip(keys, row)}, "reviewed": int(labelled)}
