"""What an evaluation writes: one `EvalReport` JSON per (model, benchmark) run.

The report keeps every per-problem outcome, so two reports on the same benchmark can be compared
problem by problem (paired bootstrap) without re-running anything.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from azr_safe.selfplay.sample import TaskType

BenchmarkName = Literal["humaneval", "cruxeval-o", "cruxeval-i", "selfplay-heldout"]
BENCHMARKS: tuple[BenchmarkName, ...] = ("humaneval", "cruxeval-o", "cruxeval-i", "selfplay-heldout")
REPORT_VERSION = 1


class Problem(BaseModel):
    """One benchmark problem, in the form the model sees and the jail grades."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    problem_id: str = Field(description="Stable id, e.g. 'HumanEval/12' or 'heldout-v2/deduction/007'.")
    task: Literal["humaneval"] | TaskType = Field(description="Skill tested; triplet tasks are solver roles.")
    program: str = Field(description="HumanEval: the prompt (signature + docstring); otherwise source of `f`.")
    inputs: list[str] = Field(default_factory=list, description="Argument-list reprs (triplet tasks).")
    outputs: list[str] = Field(default_factory=list, description="Gold output reprs from the jail.")
    message: str = Field(default="", description="Induction only: the hint shown to the solver.")
    test: str = Field(default="", description="HumanEval only: source of `check(candidate)`.")
    entry_point: str = Field(default="", description="HumanEval only: the function under test.")


class Attempt(BaseModel):
    """One completion of one problem and its verdict from the jail."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The raw completion (truncated to 4000 characters).")
    answer: str | None = Field(description="What was graded; None when the response had no usable answer.")
    passed: bool
    reason: str = Field(description="'ok', 'format', or the jail's reason for a failure.")


class ProblemResult(BaseModel):
    """All attempts at one problem: the greedy one and, with --samples K > 1, K sampled ones."""

    model_config = ConfigDict(extra="forbid")

    problem_id: str
    task: str
    greedy: Attempt
    samples: list[Attempt] = Field(default_factory=list, description="Sampled attempts (empty when K = 1).")

    @property
    def n_correct(self) -> int:
        return sum(a.passed for a in self.samples)


class Metric(BaseModel):
    """A score with a 95% interval and the count it rests on."""

    model_config = ConfigDict(extra="forbid")

    value: float
    low: float
    high: float
    n: int = Field(description="Number of problems behind the value.")
    method: Literal["wilson", "bootstrap"]


class EvalReport(BaseModel):
    """The JSON file `azr-safe eval --out` writes and `azr-safe eval compare` reads."""

    model_config = ConfigDict(extra="forbid")

    version: int = REPORT_VERSION
    benchmark: BenchmarkName
    benchmark_sha256: str = Field(description="sha256 of the problem set, so compared runs saw the same one.")
    model: str = Field(description="What --model named: 'default', an embedded name or a folder.")
    label: str = Field(description="Short name for tables and plots (defaults to the model's).")
    samples: int = Field(description="K sampled completions per problem (1 = greedy only).")
    temperature: float = Field(description="Sampling temperature of the K samples (greedy is always T=0).")
    max_new_tokens: int
    seed: int
    jailed: bool = Field(description="False only when run with --unsafe-no-jail.")
    jail_layers: dict[str, str] = Field(default_factory=dict, description="The jail's probe report.")
    started_at: str = Field(description="UTC, ISO 8601.")
    duration_s: float
    metrics: dict[str, Metric] = Field(description="pass@1 (greedy), pass@k, format rate, per-task scores.")
    problems: list[ProblemResult]
