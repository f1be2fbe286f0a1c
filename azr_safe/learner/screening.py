"""The screening hook: every sample of a step passes through it before rewards are applied.

Monitors judge each sample (verdicts); the policy turns the verdicts into one `Decision` per sample.
The trainer applies the decisions (see `azr_safe/learner/trainer.py`):
    veto_reward     -> the sample's advantage is 0
    drop_sample     -> the sample leaves the loss and its token normalizer
    quarantine_task -> the proposed triplet never enters the buffers
    halt            -> checkpoint, then stop within the step
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from azr_safe.monitors.verdict import Verdict
from azr_safe.policy.decision import Decision
from azr_safe.selfplay.sample import Sample

NO_POLICY_HASH = "none"


class ScreeningHook(Protocol):
    """The contract in design/interfaces.md."""

    def screen(self, samples: list[Sample]) -> list[Decision]: ...


class Screened(NamedTuple):
    """One sample's monitor verdicts and the decision taken on them."""

    verdicts: list[Verdict]
    decision: Decision


def allow(sample: Sample, message: str = "") -> Decision:
    """The decision of a run without a policy."""
    return Decision(sample_id=sample.sample_id, action="allow", actions=["allow"], policy_hash=NO_POLICY_HASH,
                    message=message)


class PolicyScreeningHook:
    """Runs the monitor suite on a batch, then asks the policy engine about each sample.

    `monitor_suite` may be None (no monitors: every verdict list is empty) and `policy_engine` may be
    None (every sample is allowed; the verdicts are still recorded so a reviewer sees the flags).
    """

    def __init__(self, monitor_suite: Any | None = None, policy_engine: Any | None = None) -> None:
        self.monitor_suite = monitor_suite
        self.policy_engine = policy_engine

    def review(self, samples: list[Sample]) -> list[Screened]:
        verdicts = self._verdicts(samples)
        return [Screened(v, self._decide(s, v)) for s, v in zip(samples, verdicts, strict=True)]

    def screen(self, samples: list[Sample]) -> list[Decision]:
        return [screened.decision for screened in self.review(samples)]

    def _verdicts(self, samples: list[Sample]) -> list[list[Verdict]]:
        if self.monitor_suite is None or not samples:
            return [[] for _ in samples]
        verdicts = self.monitor_suite.check_batch(samples)
        if len(verdicts) != len(samples):
            raise RuntimeError(f"monitor suite returned {len(verdicts)} verdict lists for {len(samples)} samples")
        return verdicts

    def _decide(self, sample: Sample, verdicts: list[Verdict]) -> Decision:
        if self.policy_engine is None:
            return allow(sample)
        return self.policy_engine.decide(sample, verdicts)


def review_batch(hook: ScreeningHook, samples: list[Sample]) -> list[Screened]:
    """Screen `samples` with any hook; hooks that only return decisions get empty verdict lists."""
    if isinstance(hook, PolicyScreeningHook):
        screened = hook.review(samples)
    else:
        screened = [Screened([], d) for d in hook.screen(samples)]
    if len(screened) != len(samples):
        raise RuntimeError(f"screening hook returned {len(screened)} decisions for {len(samples)} samples")
    for sample, item in zip(samples, screened, strict=True):
        if item.decision.sample_id != sample.sample_id:
            raise RuntimeError(f"decision for {item.decision.sample_id!r} returned in the slot of {sample.sample_id!r}")
    return screened
