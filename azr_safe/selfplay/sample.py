"""The records that flow through one self-play step, shared by every concern.

A `Sample` is one generated response (one role, one task type) with everything the monitors,
the policy and the audit log need to judge it. The trainer builds it; nobody else mutates it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TaskType = Literal["deduction", "abduction", "induction"]
Role = Literal["propose", "solve"]
TASK_TYPES: tuple[TaskType, ...] = ("deduction", "abduction", "induction")
ROLES: tuple[Role, ...] = ("propose", "solve")


class Triplet(BaseModel):
    """A validated (program, input, output) task. Inputs/outputs are Python literal reprs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    program: str = Field(description="Source defining `f`.")
    inputs: list[str] = Field(description="Argument-list reprs, e.g. '3' or '[1, 2], 4'.")
    outputs: list[str] = Field(description="repr(f(*input)) for each input, from the jail.")
    message: str = Field(default="", description="Induction only: the proposer's hint for the solver.")
    task_type: TaskType


class ExecutionRecord(BaseModel):
    """What the jail reported for one run, as literal data (never unpickled, never eval()ed)."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["ok", "error", "timeout", "memory_limit", "output_limit", "violation"]
    value: str | None = Field(default=None, description="repr of the call's result.")
    stdout: str = ""
    stderr: str = ""
    violation: str | None = Field(default=None, description="Syscall or rule that was violated.")
    duration_s: float = 0.0


class Sample(BaseModel):
    """One generated response and its verified outcome, as screened by monitors and policy."""

    model_config = ConfigDict(extra="forbid")

    sample_id: str = Field(description="Unique within a run: '<step>-<task>-<role>-<index>'.")
    step: int
    task_type: TaskType
    role: Role
    prompt: str = ""
    reasoning: str = Field(default="", description="Text inside <think>...</think>.")
    answer: str = Field(default="", description="Text of the answer block(s), verbatim.")
    program: str | None = Field(default=None, description="Program written or read by this role.")
    executions: list[ExecutionRecord] = Field(default_factory=list)
    valid: bool = Field(default=True, description="Well formed and (for proposals) validated.")
    reject_reason: str | None = Field(default=None, description="format, parse, no_f, timeout, ...")
    reward: float = 0.0
    solve_rate: float | None = Field(default=None, description="Proposer only: mean solver success.")
    correct: bool | None = Field(default=None, description="Solver only: the answer passed the jail's check.")
    triplet: Triplet | None = Field(
        default=None, description="The task this sample proposed (valid proposals) or was asked to solve."
    )
    purpose: Literal["train", "learnability"] = Field(
        default="train",
        description="'learnability': a solver rollout that only scores a proposal (s̄); screened, never trained on.",
    )
