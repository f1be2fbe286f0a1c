"""Grading of solver responses through the jail (AZR paper §3.3.4, answer verification; r_solve).

- deduction: the predicted output equals the gold output (value equality, decided in the jail);
- abduction: f(predicted input) equals the gold output: *any* input that gives it counts;
- induction: the written program reproduces every hidden pair.

Responses are parsed here; only well-formed answers reach the jail, in one batched call per task type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from azr_safe.selfplay.parsing import (
    ParsedResponse,
    RejectReason,
    parse_arguments,
    parse_literal,
    parse_program,
    parse_response,
)
from azr_safe.selfplay.prompts import induction_split
from azr_safe.selfplay.sample import ExecutionRecord, TaskType, Triplet
from azr_safe.selfplay.validation import SelfPlayJail, ValidationConfig


class GradeResult(BaseModel):
    """The verified outcome of one solver response."""

    model_config = ConfigDict(extra="forbid")

    parsed: ParsedResponse
    answer: str | None = Field(default=None, description="Canonical answer that was checked (None if malformed).")
    reject_reason: RejectReason | None = Field(default=None, description="Why the answer was malformed.")
    correct: bool = False
    check_reason: str = Field(default="", description="The jail's reason for the verdict.")
    executions: list[ExecutionRecord] = Field(default_factory=list)

    @property
    def well_formed(self) -> bool:
        return self.reject_reason is None


def parse_solution(text: str, task_type: TaskType, *, config: ValidationConfig) -> GradeResult:
    """Parse a solver response into the canonical answer the jail will check."""
    parsed = parse_response(text, (task_type, "solve"))
    if not parsed.well_formed:
        return GradeResult(parsed=parsed, reject_reason=parsed.reject_reason)
    if task_type == "deduction":
        answer, reason = parse_literal(parsed.first("output"), max_chars=config.max_output_chars)
    elif task_type == "abduction":
        answer, reason = parse_arguments(parsed.first("input"), max_chars=config.max_input_chars)
    else:
        answer, reason = parse_program(parsed.first("code"), max_chars=config.max_program_chars)
    return GradeResult(parsed=parsed, answer=answer, reject_reason=reason)


def grade_solutions(
    responses: Sequence[tuple[Triplet, str]], jail: SelfPlayJail, *, config: ValidationConfig
) -> list[GradeResult]:
    """Grade (task, response text) pairs; the jail is called once per task type present."""
    results = [parse_solution(text, task.task_type, config=config) for task, text in responses]
    for task_type in ("deduction", "abduction", "induction"):
        todo = [
            i for i, (task, _) in enumerate(responses) if task.task_type == task_type and results[i].well_formed
        ]
        if not todo:
            continue
        checks = _check(task_type, [(responses[i][0], results[i].answer or "") for i in todo], jail)
        if len(checks) != len(todo):
            raise RuntimeError(f"the jail returned {len(checks)} checks for {len(todo)} {task_type} answers")
        for i, check in zip(todo, checks, strict=True):
            results[i].correct = bool(check.passed)
            results[i].check_reason = str(check.reason)
            results[i].executions = _records(check)
    return results


def _check(task_type: str, items: list[tuple[Triplet, str]], jail: SelfPlayJail) -> list[Any]:
    if task_type == "deduction":
        return jail.check_outputs([(t.program, t.inputs[0], answer, t.outputs[0]) for t, answer in items])
    if task_type == "abduction":
        return jail.check_inputs([(t.program, answer, t.outputs[0]) for t, answer in items])
    return jail.check_programs([(answer, induction_split(t)[1]) for t, answer in items])


def _records(check: Any) -> list[ExecutionRecord]:
    """The jail runs behind a check, as records (CheckResult keeps the ExecResults it used)."""
    return [run.to_record() for run in check.results]
