"""Validation of proposed tasks through the jail (AZR paper §3.3.3, without the reference's defects).

A proposal is valid only if: its response is well formed; the program parses and defines `f`; every
input is a literal; `f` runs on every input inside the jail; two runs in *separate processes with
different hash seeds* agree (`Jail.evaluate_twice`); and each output's repr is a literal within a
size bound. Induction proposals also need enough distinct inputs. Nothing runs in this process:
outputs come back from the jail as reprs and are compared with `ast.literal_eval`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

from pydantic import BaseModel, ConfigDict, Field

from azr_safe.selfplay.parsing import (
    ParsedResponse,
    RejectReason,
    is_literal_repr,
    parse_arguments,
    parse_program,
    parse_response,
)
from azr_safe.selfplay.sample import ExecutionRecord, TaskType, Triplet


class ExecResultLike(Protocol):
    """What self-play reads from one jail run (`azr_safe.jail.ExecResult`)."""

    status: str
    value: str | None
    literal: Any  # the child's strictly typed tree of the value; None unless exact builtin literal data

    def to_record(self) -> ExecutionRecord: ...


class SelfPlayJail(Protocol):
    """The part of `azr_safe.jail.Jail` that self-play uses (design/interfaces.md)."""

    def evaluate_twice_many(self, items: list[tuple[str, list[str]]]) -> list[tuple[list[Any], list[Any]]]: ...

    def check_outputs(self, items: list[tuple[str, str, str, str]]) -> list[Any]: ...

    def check_inputs(self, items: list[tuple[str, str, str]]) -> list[Any]: ...

    def check_programs(self, items: list[tuple[str, list[tuple[str, str]]]]) -> list[Any]: ...


class ValidationConfig(BaseModel):
    """Bounds on proposals. Sizes are in characters of source or repr."""

    model_config = ConfigDict(extra="forbid")

    max_program_chars: int = Field(default=4000, ge=16, description="Longest accepted program source.")
    max_input_chars: int = Field(default=1000, ge=1, description="Longest accepted argument text of one call.")
    max_output_chars: int = Field(default=1000, ge=1, description="Longest accepted output repr.")
    induction_min_inputs: int = Field(
        default=6, ge=2, description="Fewest distinct valid inputs an induction proposal needs (half are hidden)."
    )


class Proposal(BaseModel):
    """A well-formed proposal, parsed but not yet run."""

    model_config = ConfigDict(extra="forbid")

    task_type: TaskType
    program: str
    inputs: list[str] = Field(description="Canonical argument texts, distinct.")
    message: str = ""


class ValidationResult(BaseModel):
    """The outcome of validating one proposal response."""

    model_config = ConfigDict(extra="forbid")

    parsed: ParsedResponse
    proposal: Proposal | None = Field(default=None, description="Set when the response parsed.")
    triplet: Triplet | None = Field(default=None, description="Set when the proposal is valid.")
    reject_reason: RejectReason | None = None
    executions: list[ExecutionRecord] = Field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.triplet is not None

    @property
    def well_formed(self) -> bool:
        return self.parsed.well_formed


_STATUS_REASON: dict[str, RejectReason] = {
    "timeout": "timeout",
    "memory_limit": "memory",
    "output_limit": "too_large",
    "violation": "violation",
    "error": "error",
}


def parse_proposal(
    text: str, task_type: TaskType, *, config: ValidationConfig, program: str | None = None
) -> tuple[ParsedResponse, Proposal | None, RejectReason | None]:
    """Parse a proposer response. Induction takes its `program` from the buffers, not the response."""
    parsed = parse_response(text, (task_type, "propose"))
    if not parsed.well_formed:
        return parsed, None, parsed.reject_reason
    if task_type == "induction":
        if program is None:
            raise ValueError("an induction proposal is validated against the program it was shown")
        source = program
    else:
        source, reason = parse_program(parsed.first("code"), max_chars=config.max_program_chars)
        if source is None:
            return parsed, None, reason
    inputs, reason = _parse_inputs(parsed, task_type, config)
    if reason is not None:
        return parsed, None, reason
    message = parsed.first("message") if task_type == "induction" else ""
    return parsed, Proposal(task_type=task_type, program=source, inputs=inputs, message=message), None


def _parse_inputs(
    parsed: ParsedResponse, task_type: TaskType, config: ValidationConfig
) -> tuple[list[str], RejectReason | None]:
    texts = parsed.blocks.get("input", []) if task_type == "induction" else [parsed.first("input")]
    inputs: list[str] = []
    first_reason: RejectReason | None = None
    for text in texts:
        canonical, reason = parse_arguments(text, max_chars=config.max_input_chars)
        if canonical is None:
            first_reason = first_reason or reason
        elif canonical not in inputs:
            inputs.append(canonical)
    if task_type != "induction":
        return inputs, first_reason
    # Induction keeps the valid distinct inputs; it fails only if too few remain.
    if len(inputs) < config.induction_min_inputs:
        return inputs, "too_few_inputs"
    return inputs, None


class ProposalResponse(NamedTuple):
    """One proposer response to validate; induction responses carry the program they were shown."""

    text: str
    task_type: TaskType
    program: str | None = None


def validate_proposals(
    responses: Sequence[ProposalResponse], jail: SelfPlayJail, *, config: ValidationConfig
) -> list[ValidationResult]:
    """Parse every response, run all that parse in ONE batched `evaluate_twice_many`, check outputs."""
    parsed = [parse_proposal(r.text, r.task_type, config=config, program=r.program) for r in responses]
    runnable = [i for i, (_, proposal, _) in enumerate(parsed) if proposal is not None]
    runs = jail.evaluate_twice_many([(parsed[i][1].program, parsed[i][1].inputs) for i in runnable]) if runnable else []
    if len(runs) != len(runnable):
        raise RuntimeError(f"the jail returned {len(runs)} results for {len(runnable)} programs")
    outcome = dict(zip(runnable, runs, strict=True))
    results = []
    for i, (response, (parsed_response, proposal, reason)) in enumerate(zip(responses, parsed, strict=True)):
        if proposal is None:
            results.append(ValidationResult(parsed=parsed_response, reject_reason=reason))
            continue
        first, second = outcome[i]
        results.append(_judge_runs(parsed_response, proposal, first, second, response.task_type, config))
    return results


def validate_proposal(
    text: str, task_type: TaskType, jail: SelfPlayJail, *, config: ValidationConfig, program: str | None = None
) -> ValidationResult:
    """Validate one proposer response (see `validate_proposals`)."""
    return validate_proposals([ProposalResponse(text, task_type, program)], jail, config=config)[0]


def _judge_runs(
    parsed: ParsedResponse,
    proposal: Proposal,
    first: Sequence[ExecResultLike],
    second: Sequence[ExecResultLike],
    task_type: TaskType,
    config: ValidationConfig,
) -> ValidationResult:
    executions = [r.to_record() for r in (*first, *second)]
    outputs, reason = check_two_runs(first, second, config=config)
    if outputs is None:
        return ValidationResult(parsed=parsed, proposal=proposal, reject_reason=reason, executions=executions)
    triplet = Triplet(
        program=proposal.program,
        inputs=proposal.inputs,
        outputs=outputs,
        message=proposal.message,
        task_type=task_type,
    )
    return ValidationResult(parsed=parsed, proposal=proposal, triplet=triplet, executions=executions)


def check_two_runs(
    first: Sequence[ExecResultLike], second: Sequence[ExecResultLike], *, config: ValidationConfig
) -> tuple[list[str] | None, RejectReason | None]:
    """Outputs of two independent runs -> (output reprs, None) or (None, reason). Pure logic."""
    if len(first) != len(second) or not first:
        raise ValueError("evaluate_twice must return one result per input for each run")
    outputs: list[str] = []
    for a, b in zip(first, second, strict=True):
        for run in (a, b):
            if run.status != "ok":
                return None, _STATUS_REASON.get(run.status, "error")
        if a.value is None or b.value is None:
            return None, "error"
        if max(len(a.value), len(b.value)) > config.max_output_chars:
            return None, "too_large"
        # Representable: exact builtin literal data (the jail's typed tree; an object whose __repr__
        # imitates a literal has none) whose repr reads back with ast.literal_eval (no inf/nan).
        if a.literal is None or b.literal is None or not is_literal_repr(a.value):
            return None, "unrepresentable"
        # Compare the typed trees, not the reprs: a set's repr order may follow the hash seed.
        if a.literal != b.literal:
            return None, "nondeterministic"
        outputs.append(a.value)
    return outputs, None
