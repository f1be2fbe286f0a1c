"""Per-step metrics: counted from the screened samples, written to JSONL (and TensorBoard when installed).

A step's record keeps sums and counts, not only means, so the end-of-run summary can add steps up.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from azr_safe.learner.screening import Screened
from azr_safe.selfplay.sample import Sample

ACTIONS = ("flag", "redact", "veto_reward", "drop_sample", "quarantine_task", "halt")


def key_of(sample: Sample) -> str:
    return f"{sample.task_type}/{sample.role}"


def sample_counts(samples: list[Sample], all_samples: list[Sample], all_screened: list[Screened]) -> dict[str, Any]:
    """Counts for one step. Rewards, solves and proposals count the trained samples; flags and actions
    count every screened sample (learnability rollouts included)."""
    by_key: dict[str, dict[str, float]] = {}
    invalid: Counter[str] = Counter()
    valid: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    flagged = 0
    well_formed = 0
    for sample in samples:
        row = by_key.setdefault(key_of(sample), {"n": 0, "reward_sum": 0.0, "success": 0, "valid": 0})
        row["n"] += 1
        row["reward_sum"] += sample.reward
        row["valid"] += int(sample.valid)
        # solver: verified correct; proposer: a valid task of learnable difficulty (0 < s̄ < 1)
        if sample.role == "solve":
            row["success"] += int(bool(sample.correct))
        else:
            row["success"] += int(sample.valid and sample.solve_rate is not None and 0 < sample.solve_rate < 1)
        well_formed += int(sample.reject_reason not in ("format", "parse"))
        if sample.role == "propose":
            if sample.valid:
                valid[sample.task_type] += 1
            else:
                invalid[f"{sample.task_type}:{sample.reject_reason or 'unknown'}"] += 1
    for item in all_screened:
        flagged += int(any(v.flagged for v in item.verdicts))
        for action in set(item.decision.actions) | {item.decision.action}:
            if action in ACTIONS:
                actions[action] += 1
    return {
        "by_key": by_key,
        "proposals_valid": dict(valid),
        "proposals_invalid": dict(invalid),
        "actions": dict(actions),
        "flagged_samples": flagged,
        "format_adherence": well_formed / len(samples) if samples else 0.0,
        "n_samples": len(all_samples),
    }


def scalars(record: dict[str, Any]) -> dict[str, float]:
    """Flat numeric view of one step record, for TensorBoard and the progress bar."""
    out: dict[str, float] = {}
    for name in ("loss", "grad_norm", "step_s", "format_adherence", "flagged_samples", "n_tokens"):
        if isinstance(record.get(name), (int, float)):
            out[name] = float(record[name])
    for key, row in record.get("by_key", {}).items():
        if row["n"]:
            out[f"reward/{key}"] = row["reward_sum"] / row["n"]
            out[f"success/{key}"] = row["success"] / row["n"]
    for phase, seconds in record.get("time_s", {}).items():
        out[f"time/{phase}"] = float(seconds)
    for action, n in record.get("actions", {}).items():
        out[f"actions/{action}"] = float(n)
    return out


class MetricsWriter:
    """`<out>/metrics.jsonl`, one line per finished step, plus TensorBoard events if available."""

    def __init__(self, out_dir: Path, *, history: list[dict[str, Any]] | None = None, tensorboard: bool = True):
        self.path = out_dir / "metrics.jsonl"
        out_dir.mkdir(parents=True, exist_ok=True)
        if history is not None:
            self._rewrite(history)
        self._tb = _tensorboard(out_dir / "tensorboard", purge_step=len(history or [])) if tensorboard else None

    def _rewrite(self, history: list[dict[str, Any]]) -> None:
        """On resume the checkpoint's history is the truth: steps past it were lost and will run again."""
        tmp = self.path.with_suffix(".jsonl.tmp")
        with open(tmp, "w") as fh:
            for record in history:
                fh.write(json.dumps(record, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def write(self, record: dict[str, Any]) -> None:
        with open(self.path, "a") as fh:
            fh.write(json.dumps(record, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        if self._tb is not None:
            for name, value in scalars(record).items():
                self._tb.add_scalar(name, value, record["step"])
            self._tb.flush()

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()


def _tensorboard(log_dir: Path, purge_step: int) -> Any | None:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # the [tensorboard] extra is optional
        return None
    # purge_step drops events of steps that a resumed run is about to redo
    return SummaryWriter(str(log_dir), purge_step=purge_step)


def summarize(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Add the step records up for the end-of-run table."""
    total: dict[str, Any] = {"steps": 0, "by_key": {}, "proposals_valid": Counter(), "proposals_invalid": Counter(),
                             "actions": Counter(), "flagged_samples": 0, "halted": None}
    for record in records:
        total["steps"] += 1
        for key, row in record.get("by_key", {}).items():
            acc = total["by_key"].setdefault(key, {"n": 0, "reward_sum": 0.0, "success": 0, "valid": 0})
            for field in acc:
                acc[field] += row.get(field, 0)
        total["proposals_valid"].update(record.get("proposals_valid", {}))
        total["proposals_invalid"].update(record.get("proposals_invalid", {}))
        total["actions"].update(record.get("actions", {}))
        total["flagged_samples"] += record.get("flagged_samples", 0)
        if record.get("halted"):
            total["halted"] = record["halted"]
    return total
