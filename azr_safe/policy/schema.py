"""The policy file format, version 1: rules that match one sample, rate rules that watch the stream.

A rule fires when *every* condition in its `when` holds (AND). Write two rules for OR. The decision
for a sample is the most severe action among the rules that fired (SEVERITY in decision.py), and
every rule that fired is recorded. See docs/policy.md for the full reference.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from azr_safe.policy.decision import Action
from azr_safe.policy.monitor_names import check_monitor_name
from azr_safe.selfplay.sample import Role, TaskType

ExecStatus = Literal["ok", "error", "timeout", "memory_limit", "output_limit", "violation"]
RULE_ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
Score = Annotated[float, Field(ge=0.0, le=1.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MonitorMatch(_Strict):
    """Matches when the named monitor's verdict satisfies every given test."""

    name: str = Field(description="Registered monitor name, or a glob such as 'reasoning_*' or '*'.")
    category: str | None = Field(default=None, description="Category (glob) to test; alone it means 'in labels'.")
    min_score: Score | None = Field(default=None, description="scores[category] >= min_score.")
    max_score: Score | None = Field(default=None, description="scores[category] <= max_score.")
    label: str | None = Field(default=None, description="This label is among the verdict's labels.")
    flagged: bool | None = Field(default=None, description="The verdict's `flagged` equals this.")

    @field_validator("name")
    @classmethod
    def _known_monitor(cls, name: str) -> str:
        return check_monitor_name(name)

    @model_validator(mode="after")
    def _needs_a_test(self) -> MonitorMatch:
        if (self.min_score is not None or self.max_score is not None) and self.category is None:
            raise ValueError("min_score/max_score need a `category` to compare against")
        if self.min_score is not None and self.max_score is not None and self.min_score > self.max_score:
            raise ValueError(f"min_score ({self.min_score}) is above max_score ({self.max_score})")
        if self.category is None and self.label is None and self.flagged is None:
            raise ValueError("a monitor match needs at least one of category, label, flagged")
        return self


class SandboxMatch(_Strict):
    """Matches when any execution of the sample has a listed status or violation kind."""

    status: list[ExecStatus] = Field(default_factory=list, description="Any execution with one of these.")
    violation: list[str] = Field(
        default_factory=list, description="Glob patterns on the violation kind ('*' for any violation)."
    )

    @model_validator(mode="after")
    def _needs_a_test(self) -> SandboxMatch:
        if not self.status and not self.violation:
            raise ValueError("a sandbox match needs `status` or `violation`")
        return self


class When(_Strict):
    """Conditions on one sample; all given conditions must hold."""

    role: list[Role] | None = Field(default=None, description="Sample role is one of these.")
    task_type: list[TaskType] | None = Field(default=None, description="Sample task type is one of these.")
    valid: bool | None = Field(default=None, description="Sample's `valid` equals this.")
    monitor: MonitorMatch | None = Field(default=None, description="A monitor verdict test.")
    sandbox: SandboxMatch | None = Field(default=None, description="An execution status/violation test.")

    @model_validator(mode="after")
    def _not_empty(self) -> When:
        if self.monitor is None and self.sandbox is None and self.valid is None:
            if self.role is None and self.task_type is None:
                raise ValueError("`when` needs at least one condition (a rule that always fires is a typo)")
        return self


class Rule(_Strict):
    """Per-sample rule: when the conditions hold, this action fires."""

    id: str = Field(pattern=RULE_ID_PATTERN, description="Unique id, recorded in decisions.")
    description: str = Field(default="", description="Why this rule exists.")
    when: When
    action: Action


class FlaggedShareRule(_Strict):
    """Fires while the share of flagged samples over the last `window` samples exceeds `threshold`."""

    id: str = Field(pattern=RULE_ID_PATTERN)
    description: str = ""
    kind: Literal["flagged_share"]
    window: int = Field(ge=1, le=1_000_000, description="Number of most recent samples (N).")
    threshold: Score = Field(description="Fires when flagged/N > threshold (X).")
    min_action: Action = Field(
        default="flag", description="A sample counts as flagged when its rule decision is at least this."
    )
    action: Action = "halt"


class ViolationCountRule(_Strict):
    """Fires on a violating sample once K matching sandbox violations have been seen."""

    id: str = Field(pattern=RULE_ID_PATTERN)
    description: str = ""
    kind: Literal["sandbox_violations"]
    violation: list[str] = Field(default_factory=lambda: ["*"], description="Glob patterns on the kind.")
    count: int = Field(ge=1, le=1_000_000, description="K: fires when this many have been seen.")
    window: int | None = Field(default=None, ge=1, le=1_000_000, description="Last N samples; None = run.")
    action: Action = "halt"


RateRule = Annotated[FlaggedShareRule | ViolationCountRule, Field(discriminator="kind")]


class Policy(_Strict):
    """A versioned policy file."""

    version: Literal[1] = Field(description="Schema version of this file.")
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    rules: list[Rule] = Field(default_factory=list, max_length=10_000)
    rate_rules: list[RateRule] = Field(default_factory=list, max_length=1_000)
    _sha256: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _unique_ids(self) -> Policy:
        seen: set[str] = set()
        for rule in [*self.rules, *self.rate_rules]:
            if rule.id in seen:
                raise ValueError(f"duplicate rule id {rule.id!r}")
            seen.add(rule.id)
        return self

    @property
    def sha256(self) -> str:
        """sha256 of the file's bytes when loaded from a file, else of the canonical JSON."""
        if self._sha256 is None:
            canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
            self._sha256 = hashlib.sha256(canonical.encode()).hexdigest()
        return self._sha256

    def rule_ids(self) -> list[str]:
        """Every rule id, per-sample rules first, in file order."""
        return [rule.id for rule in [*self.rules, *self.rate_rules]]
