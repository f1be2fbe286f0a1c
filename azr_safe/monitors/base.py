"""Shared plumbing for monitors: where the declarative data lives, and a per-sample base class."""

from __future__ import annotations

import os
from pathlib import Path

from azr_safe.monitors.verdict import Span, Verdict
from azr_safe.selfplay.sample import Sample

REASONING_CATEGORIES: tuple[str, ...] = (
    "contempt_outsmart",
    "deception",
    "sandbox_escape",
    "reward_hacking",
    "power_seeking",
    "sabotage",
)


def monitors_dir() -> Path:
    """The top-level `monitors/` data folder (lexicons, corpus, head weights).

    `AZR_SAFE_MONITORS_DIR` overrides it, so an installed package can point at a checkout.
    """
    override = os.environ.get("AZR_SAFE_MONITORS_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "monitors"


def make_verdict(name: str, scores: dict[str, float], spans: list[Span], threshold: float) -> Verdict:
    """Labels are the categories whose score reaches `threshold`; flagged if any label."""
    labels = sorted(c for c, s in scores.items() if s >= threshold)
    return Verdict(monitor=name, scores=scores, labels=labels, spans=spans, flagged=bool(labels))


class SampleMonitor:
    """A monitor that judges samples one at a time (no batching benefit)."""

    name: str = "abstract"

    def check(self, sample: Sample) -> Verdict:  # pragma: no cover - abstract
        raise NotImplementedError

    def check_batch(self, samples: list[Sample]) -> list[Verdict]:
        return [self.check(s) for s in samples]
