"""Shared builders for policy tests: samples and verdicts with sensible defaults."""

from __future__ import annotations

from typing import Any

from azr_safe.monitors.verdict import Verdict
from azr_safe.selfplay.sample import ExecutionRecord, Sample


def make_sample(i: int = 0, **fields: Any) -> Sample:
    """A solver deduction sample; override any field."""
    base: dict[str, Any] = {"sample_id": f"0-deduction-solve-{i}", "step": 0, "task_type": "deduction", "role": "solve"}
    return Sample(**{**base, **fields})


def violation(kind: str = "seccomp:socket") -> ExecutionRecord:
    """An execution the jail stopped for a policy violation."""
    return ExecutionRecord(status="violation", violation=kind)


def verdict(monitor: str, category: str = "deception", score: float = 0.9, flagged: bool = True) -> Verdict:
    """One monitor verdict with a single category score."""
    return Verdict(monitor=monitor, scores={category: score}, labels=[category] if flagged else [], flagged=flagged)
