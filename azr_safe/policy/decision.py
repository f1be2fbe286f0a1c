"""A policy decision for one sample, and the order of severity between actions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Action = Literal["allow", "flag", "redact", "veto_reward", "drop_sample", "quarantine_task", "halt"]
# Precedence: the most severe action wins; lower-severity actions that fired are still recorded.
SEVERITY: dict[str, int] = {
    "allow": 0,
    "flag": 1,
    "redact": 2,
    "veto_reward": 3,
    "drop_sample": 4,
    "quarantine_task": 5,
    "halt": 6,
}


class Decision(BaseModel):
    """What the policy decided for one sample."""

    model_config = ConfigDict(extra="forbid")

    sample_id: str
    action: Action = Field(description="The most severe action that fired.")
    actions: list[Action] = Field(default_factory=list, description="Every action that fired.")
    rule_ids: list[str] = Field(default_factory=list, description="Rules that fired, in file order.")
    policy_hash: str = Field(description="sha256 of the policy file's bytes.")
    message: str = ""
