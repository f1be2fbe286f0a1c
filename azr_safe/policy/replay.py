"""Replay a recorded run under another policy: what it would have decided, against what was decided.

The policy reads only structure the log keeps verbatim (role, task type, validity, execution
statuses and violation kinds, monitor verdicts), never redacted text, so a replay is exact.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from azr_safe.audit.reader import surviving_samples
from azr_safe.policy.decision import Action
from azr_safe.policy.engine import PolicyEngine
from azr_safe.policy.schema import Policy


class ReplayRow(BaseModel):
    """One sample's recorded and replayed decisions."""

    model_config = ConfigDict(extra="forbid")

    seq: int
    sample_id: str
    step: int
    recorded_action: Action
    recorded_rules: list[str]
    replayed_action: Action
    replayed_rules: list[str]

    @property
    def changed(self) -> bool:
        """The action differs (rule ids alone may differ between policies without mattering)."""
        return self.recorded_action != self.replayed_action


def replay(policy: Policy, run_dir: str | Path) -> list[ReplayRow]:
    """Decide every recorded sample in order with a fresh engine (rate rules see the same stream).

    Samples of attempts abandoned by a resume (see `Resume.superseded_from_seq`) are skipped.
    """
    engine = PolicyEngine(policy)
    rows = []
    for record in surviving_samples(run_dir):
        decision = engine.decide(record.sample, record.verdicts)
        rows.append(ReplayRow(
            seq=record.seq, sample_id=record.sample.sample_id, step=record.step,
            recorded_action=record.decision.action, recorded_rules=record.decision.rule_ids,
            replayed_action=decision.action, replayed_rules=decision.rule_ids,
        ))
    return rows
