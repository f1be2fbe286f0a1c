"""Table-driven policy tests (OPA style): YAML cases of sample + verdicts -> expected decision.

Each case runs on a fresh engine. `before` feeds a stream of samples first, so rate rules can be
tested; only the decision on the case's own sample is checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from azr_safe.errors import ConfigError
from azr_safe.monitors.verdict import Verdict
from azr_safe.policy.decision import Action, Decision
from azr_safe.policy.engine import PolicyEngine
from azr_safe.policy.load import validate_loaded
from azr_safe.policy.schema import Policy
from azr_safe.policy._yaml import read_yaml
from azr_safe.selfplay.sample import Sample

_SAMPLE_DEFAULTS: dict[str, Any] = {"step": 0, "task_type": "deduction", "role": "solve"}


class CaseInput(BaseModel):
    """A sample (fields of `Sample`; sample_id, step, task_type, role default) and its verdicts."""

    model_config = ConfigDict(extra="forbid")

    sample: Sample = Field(description="The sample; missing required fields get defaults.")
    verdicts: list[Verdict] = Field(default_factory=list)
    repeat: int = Field(default=1, ge=1, le=100_000, description="Feed this input this many times.")

    @model_validator(mode="before")
    @classmethod
    def _fill_sample(cls, data: Any) -> Any:
        if isinstance(data, dict):
            sample = data.get("sample", {})
            if isinstance(sample, dict):
                data = {**data, "sample": {"sample_id": "case", **_SAMPLE_DEFAULTS, **sample}}
        return data


class PolicyCase(CaseInput):
    """One table row: expected action, and optionally exactly which rules fire."""

    note: str = Field(min_length=1, description="What the case shows, as a sentence.")
    before: list[CaseInput] = Field(default_factory=list, description="Stream fed before the sample.")
    want_action: Action
    want_rules: list[str] | None = Field(default=None, description="Exact rule ids that fire, in order.")


class CaseFile(BaseModel):
    """A cases file."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(default=1, ge=1, le=1)
    policy: str | None = Field(default=None, description="Policy path, relative to this file.")
    cases: list[PolicyCase] = Field(min_length=1, description="At least one case: an empty table fails.")


class CaseResult(BaseModel):
    """Outcome of one case."""

    model_config = ConfigDict(extra="forbid")

    note: str
    passed: bool
    want_action: Action
    got_action: Action
    want_rules: list[str] | None
    got_rules: list[str]


def load_cases(path: str | Path) -> CaseFile:
    """Read and validate a cases file (same limits and errors as policy files)."""
    return validate_loaded(read_yaml(path, what="cases file"), CaseFile)


def case_policy_path(cases_path: str | Path, cases: CaseFile) -> Path | None:
    """The policy a cases file names, resolved relative to the cases file."""
    return (Path(cases_path).parent / cases.policy).resolve() if cases.policy else None


def run_case(policy: Policy, case: PolicyCase) -> CaseResult:
    """Run one case on a fresh engine."""
    engine = PolicyEngine(policy)
    for i, item in enumerate(case.before):
        for j in range(item.repeat):
            sample = item.sample.model_copy(update={"sample_id": f"before-{i}-{j}"})
            engine.decide(sample, item.verdicts)
    decision: Decision | None = None
    for _ in range(case.repeat):
        decision = engine.decide(case.sample, case.verdicts)
    assert decision is not None
    rules_ok = case.want_rules is None or decision.rule_ids == case.want_rules
    return CaseResult(
        note=case.note, passed=decision.action == case.want_action and rules_ok,
        want_action=case.want_action, got_action=decision.action,
        want_rules=case.want_rules, got_rules=decision.rule_ids,
    )


def run_cases(policy: Policy, cases: CaseFile) -> list[CaseResult]:
    """Run every case, in file order. A case naming a rule the policy lacks is a ConfigError."""
    known = set(policy.rule_ids())
    for case in cases.cases:
        unknown = sorted(set(case.want_rules or []) - known)
        if unknown:
            raise ConfigError(f"case {case.note!r}: policy {policy.name!r} has no rule {', '.join(unknown)}")
    return [run_case(policy, case) for case in cases.cases]
