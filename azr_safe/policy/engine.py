"""Decide what happens to each sample: per-sample rules first, then rate rules over the stream.

Precedence: the most severe action that fired wins (SEVERITY in decision.py); every rule that fired
is recorded, in file order, with `actions[i]` the action of `rule_ids[i]`.
"""

from __future__ import annotations

from collections import deque
from fnmatch import fnmatchcase
from typing import Any

from azr_safe.monitors.verdict import Verdict
from azr_safe.policy.decision import SEVERITY, Action, Decision
from azr_safe.policy.schema import (
    FlaggedShareRule,
    MonitorMatch,
    Policy,
    SandboxMatch,
    ViolationCountRule,
    When,
)
from azr_safe.selfplay.sample import Sample


def most_severe(actions: list[Action]) -> Action:
    """The winning action; `allow` when nothing fired."""
    return max(actions, key=SEVERITY.__getitem__, default="allow")


def monitor_matches(match: MonitorMatch, verdicts: list[Verdict]) -> bool:
    """True when some verdict from the named monitor passes every test of `match`."""
    return any(_verdict_matches(match, v) for v in verdicts if fnmatchcase(v.monitor, match.name))


def _verdict_matches(match: MonitorMatch, verdict: Verdict) -> bool:
    if match.flagged is not None and verdict.flagged != match.flagged:
        return False
    if match.label is not None and not any(fnmatchcase(label, match.label) for label in verdict.labels):
        return False
    if match.category is None:
        return True
    if match.min_score is None and match.max_score is None:
        return any(fnmatchcase(label, match.category) for label in verdict.labels)
    scores = [s for cat, s in verdict.scores.items() if fnmatchcase(cat, match.category)]
    return any(_in_range(score, match.min_score, match.max_score) for score in scores)


def _in_range(score: float, low: float | None, high: float | None) -> bool:
    return (low is None or score >= low) and (high is None or score <= high)


def violation_kinds(sample: Sample, patterns: list[str]) -> list[str]:
    """Violation kinds of the sample's executions that match any glob in `patterns`."""
    kinds = [e.violation or "unknown" for e in sample.executions if e.status == "violation" or e.violation]
    return [k for k in kinds if any(fnmatchcase(k, p) for p in patterns)]


def sandbox_matches(match: SandboxMatch, sample: Sample) -> bool:
    """True when any execution has a listed status, or a violation kind matching a listed glob."""
    if any(e.status in match.status for e in sample.executions):
        return True
    return bool(match.violation) and bool(violation_kinds(sample, match.violation))


def when_matches(when: When, sample: Sample, verdicts: list[Verdict]) -> bool:
    """All given conditions hold."""
    checks = (
        when.role is None or sample.role in when.role,
        when.task_type is None or sample.task_type in when.task_type,
        when.valid is None or sample.valid == when.valid,
        when.monitor is None or monitor_matches(when.monitor, verdicts),
        when.sandbox is None or sandbox_matches(when.sandbox, sample),
    )
    return all(checks)


class PolicyEngine:
    """Stateful decider: rate rules see every sample passed to `decide`, in order."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._flagged: dict[str, deque[bool]] = {}
        self._violations: dict[str, deque[int]] = {}
        self._violation_totals: dict[str, int] = {}
        self.reset()

    def reset(self) -> None:
        """Forget the stream (a fresh run)."""
        for rule in self.policy.rate_rules:
            if isinstance(rule, FlaggedShareRule):
                self._flagged[rule.id] = deque(maxlen=rule.window)
            else:
                self._violations[rule.id] = deque(maxlen=rule.window)
                self._violation_totals[rule.id] = 0

    def decide(self, sample: Sample, verdicts: list[Verdict]) -> Decision:
        """The decision for one sample; updates the rate-rule state."""
        fired: list[tuple[str, Action]] = [
            (rule.id, rule.action) for rule in self.policy.rules if when_matches(rule.when, sample, verdicts)
        ]
        rule_action = most_severe([action for _, action in fired])
        for rate_rule in self.policy.rate_rules:
            if self._rate_rule_fires(rate_rule, sample, rule_action):
                fired.append((rate_rule.id, rate_rule.action))
        actions = [action for _, action in fired]
        action = most_severe(actions)
        return Decision(
            sample_id=sample.sample_id,
            action=action,
            actions=actions,
            rule_ids=[rule_id for rule_id, _ in fired],
            policy_hash=self.policy.sha256,
            message=_message(sample, fired, action),
        )

    def decide_batch(self, samples: list[Sample], verdicts: list[list[Verdict]]) -> list[Decision]:
        """`decide` for each sample, in order."""
        if len(samples) != len(verdicts):
            raise ValueError(f"{len(samples)} samples but {len(verdicts)} verdict lists")
        return [self.decide(s, v) for s, v in zip(samples, verdicts, strict=True)]

    def _rate_rule_fires(
        self, rule: FlaggedShareRule | ViolationCountRule, sample: Sample, rule_action: Action
    ) -> bool:
        if isinstance(rule, FlaggedShareRule):
            window = self._flagged[rule.id]
            window.append(SEVERITY[rule_action] >= SEVERITY[rule.min_action])
            # Only judge a full window: 1 flagged of the first 1 sample is not a 100% rate.
            return len(window) == rule.window and sum(window) / rule.window > rule.threshold
        seen = len(violation_kinds(sample, rule.violation))
        if rule.window is None:
            self._violation_totals[rule.id] += seen
            total = self._violation_totals[rule.id]
        else:
            self._violations[rule.id].append(seen)
            total = sum(self._violations[rule.id])
        return seen > 0 and total >= rule.count

    def state_dict(self) -> dict[str, Any]:
        """Rate-rule state, JSON-serialisable, for checkpoints (resume continues the same windows)."""
        return {
            "policy_hash": self.policy.sha256,
            "flagged": {k: list(v) for k, v in self._flagged.items()},
            "violations": {k: list(v) for k, v in self._violations.items()},
            "violation_totals": dict(self._violation_totals),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore `state_dict()`; rules absent from the state start empty."""
        self.reset()
        for rule_id, values in state.get("flagged", {}).items():
            if rule_id in self._flagged:
                self._flagged[rule_id].extend(bool(v) for v in values)
        for rule_id, values in state.get("violations", {}).items():
            if rule_id in self._violations:
                self._violations[rule_id].extend(int(v) for v in values)
        for rule_id, total in state.get("violation_totals", {}).items():
            if rule_id in self._violation_totals:
                self._violation_totals[rule_id] = int(total)


def _message(sample: Sample, fired: list[tuple[str, Action]], action: Action) -> str:
    if not fired:
        return ""
    deciding = next(rule_id for rule_id, a in fired if a == action)
    return f"{action}: rule {deciding!r} fired on sample {sample.sample_id!r}"
