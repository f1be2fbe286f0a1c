"""One self-play step's data flow (AZR paper Algorithm 1, lines 3–13), independent of the optimizer.

    for each task type:  propose (K references from the buffer) -> parse -> validate in the jail
                         s̄ from n solver rollouts on each valid proposal -> r_propose
                         solve a batch of buffer tasks -> grade in the jail -> r_solve
    -> Samples (+ the token data the learner needs) and candidate triplets

Generation is batched into two calls per step: all proposals, then all solver rollouts (learnability
and training) together. Buffers are read, never written: the learner screens the samples and only
then inserts the candidates that were not quarantined.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, model_validator

from azr_safe.generation.base import Generation, GenerationRequest, Generator
from azr_safe.selfplay.buffers import TaskBuffers
from azr_safe.selfplay.grading import GradeResult, grade_solutions
from azr_safe.selfplay.prompts import build_propose_prompt, build_solve_prompt
from azr_safe.selfplay.rewards import RewardConfig, proposer_reward, solve_rate, solver_composite_reward
from azr_safe.selfplay.sample import TASK_TYPES, Sample, TaskType, Triplet
from azr_safe.selfplay.validation import (
    ProposalResponse,
    SelfPlayJail,
    ValidationConfig,
    ValidationResult,
    validate_proposals,
)


class RolloutConfig(BaseModel):
    """Sizes of one self-play step. Paper values in the descriptions; defaults are CPU-sized."""

    model_config = ConfigDict(extra="forbid")

    task_types: list[TaskType] = Field(default_factory=lambda: list(TASK_TYPES), description="Task types to run.")
    propose_batch_size: int = Field(default=2, ge=0, description="Proposals per task type per step (paper: 64).")
    solve_batch_size: int = Field(default=2, ge=0, description="Solver tasks per task type per step (paper: 64).")
    n_learnability: int = Field(default=4, ge=1, description="n: solver rollouts per valid proposal for s̄ (paper: 8).")
    k_references: int = Field(default=3, ge=0, description="K: reference triplets in a proposal prompt (paper: 6).")
    induction_num_inputs: int = Field(default=6, ge=2, description="Inputs asked of an induction proposer (paper: 10).")
    max_new_tokens_propose: int = Field(default=256, ge=1, description="Token budget of a proposal.")
    max_new_tokens_solve: int = Field(default=192, ge=1, description="Token budget of a solution.")
    temperature: float = Field(default=1.0, ge=0.0, description="Sampling temperature (paper: 1.0).")
    structured: bool = Field(
        default=True, description="Ask the backend to force <think> and the role's answer blocks (request.fmt)."
    )
    validation: ValidationConfig = Field(default_factory=ValidationConfig)
    rewards: RewardConfig = Field(default_factory=RewardConfig)

    @model_validator(mode="after")
    def _check(self) -> RolloutConfig:
        need = self.validation.induction_min_inputs
        if "induction" in self.task_types and self.induction_num_inputs < need:
            raise ValueError(
                f"induction_num_inputs ({self.induction_num_inputs}) is below validation.induction_min_inputs "
                f"({need}), so every induction proposal would be rejected; ask for at least {need} inputs"
            )
        if len(set(self.task_types)) != len(self.task_types) or not self.task_types:
            raise ValueError(f"task_types must list distinct task types, got {self.task_types}")
        return self


@dataclass
class RolloutItem:
    """One generated response: its `Sample` and, for trainable samples, the token data of the loss.

    Learnability rollouts (`sample.purpose == "learnability"`) only score a proposal: they carry no
    token data (empty `completion_ids`), so the learner screens and audits them but never trains on them.
    """

    sample: Sample
    generation: Generation | None = None

    @property
    def prompt_ids(self) -> list[int]:
        return self.generation.prompt_ids if self.generation else []

    @property
    def completion_ids(self) -> list[int]:
        return self.generation.completion_ids if self.generation else []

    @property
    def logprobs(self) -> list[float]:
        """Behaviour-policy log-probs, one per completion token."""
        return self.generation.logprobs if self.generation else []

    @property
    def triplet(self) -> Triplet | None:
        """The candidate task of a valid proposal (to insert into the buffers unless quarantined)."""
        s = self.sample
        return s.triplet if s.role == "propose" and s.valid and s.purpose == "train" else None


@dataclass
class RolloutResult:
    """What one step produced: every response as an item (trainable first, then learnability) and metrics."""

    items: list[RolloutItem]
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def samples(self) -> list[Sample]:
        """Every sample of the step, learnability rollouts included: what the screening hook sees."""
        return [item.sample for item in self.items]

    @property
    def train_items(self) -> list[RolloutItem]:
        return [item for item in self.items if item.sample.purpose == "train"]

    @property
    def candidates(self) -> list[tuple[str, Triplet]]:
        """(proposing sample_id, triplet) for every valid proposal, not yet in any buffer."""
        return [(item.sample.sample_id, item.triplet) for item in self.items if item.triplet is not None]


@dataclass
class _Proposal:
    task_type: TaskType
    prompt: str
    program: str | None  # induction: the buffer program the proposer wrote inputs for
    index: int  # position within its task type's proposals, used in sample ids
    generation: Generation | None = None
    validation: ValidationResult | None = None


def rollout_step(
    step: int,
    generator: Generator,
    jail: SelfPlayJail,
    buffers: TaskBuffers,
    rng: random.Random,
    config: RolloutConfig | None = None,
) -> RolloutResult:
    """Run one self-play step's propose/validate/solve/grade flow. Stable contract for the learner.

    Args:
        step: the step number, used in every `sample_id` ('<step>-<task>-<role>-<index>').
        generator: any `azr_safe.generation.Generator`; called twice (proposals, then all solver rollouts).
        jail: an `azr_safe.jail.Jail` (or anything with its self-play methods, see `SelfPlayJail`).
        buffers: read only (references, induction programs, solver batches; marks tasks as served).
        rng: the caller's `random.Random`; all sampling here draws from it, so checkpoint its state.
        config: batch sizes, n, K, token budgets, temperature, validation bounds and rewards.

    Returns:
        `RolloutResult.items`: proposals, then training solves (each with its `Generation`), then the
        learnability rollouts (no token data). `Sample.reward` holds the composite R(y) before screening.
    """
    config = config or RolloutConfig()
    timings: Counter[str] = Counter()

    # 1) PROPOSE: K uniform references per prompt; induction gets a program from the other buffers.
    proposals = _proposal_prompts(buffers, rng, config)
    t0 = time.perf_counter()
    generations = _generate(generator, [_propose_request(p, config) for p in proposals])
    timings["generation_s"] += time.perf_counter() - t0
    for proposal, gens in zip(proposals, generations, strict=True):
        proposal.generation = gens[0]

    # 2) VALIDATE in the jail: parse, has f, runs, deterministic across processes, size bound.
    t0 = time.perf_counter()
    responses = [ProposalResponse(p.generation.text, p.task_type, p.program) for p in proposals if p.generation]
    for p, validation in zip(proposals, validate_proposals(responses, jail, config=config.validation), strict=True):
        p.validation = validation
    timings["execution_s"] += time.perf_counter() - t0
    valid = [p for p in proposals if p.validation and p.validation.triplet is not None]

    # 3) SOLVE: n learnability rollouts per valid proposal, plus one training batch per task type.
    learn_tasks = [p.validation.triplet for p in valid if p.validation and p.validation.triplet]
    solve_tasks = [t for tt in config.task_types for t in buffers[tt].solver_batch(config.solve_batch_size, rng)]
    requests = [_solve_request(t, config, n=config.n_learnability) for t in learn_tasks]
    requests += [_solve_request(t, config, n=1) for t in solve_tasks]
    t0 = time.perf_counter()
    solved = _generate(generator, requests)
    timings["generation_s"] += time.perf_counter() - t0
    learn_gens, solve_gens = solved[: len(learn_tasks)], solved[len(learn_tasks) :]

    # 4) GRADE every solver response in the jail, one batched call per task type.
    flat = [(t, g.text) for t, gens in zip(learn_tasks, learn_gens, strict=True) for g in gens]
    flat += [(t, gens[0].text) for t, gens in zip(solve_tasks, solve_gens, strict=True)]
    t0 = time.perf_counter()
    grades = grade_solutions(flat, jail, config=config.validation)
    timings["execution_s"] += time.perf_counter() - t0
    learn_grades, solve_grades = grades[: len(flat) - len(solve_tasks)], grades[len(flat) - len(solve_tasks) :]

    # 5) REWARDS: r_propose = 1 − s̄ (0 at s̄ ∈ {0,1}); r_solve; the format-aware composite R(y).
    learnability_samples, solve_rates = _learnability_samples(step, valid, learn_gens, learn_grades, config)
    propose_samples = [_propose_sample(step, p, solve_rates.get(id(p)), config) for p in proposals]
    per_type: Counter[str] = Counter()
    solve_samples = []
    for t, gens, grade in zip(solve_tasks, solve_gens, solve_grades, strict=True):
        solve_samples.append(_solve_sample(step, per_type[t.task_type], t, gens[0], grade, config))
        per_type[t.task_type] += 1
    items = [RolloutItem(s, p.generation) for s, p in zip(propose_samples, proposals, strict=True)]
    items += [RolloutItem(s, gens[0]) for s, gens in zip(solve_samples, solve_gens, strict=True)]
    items += [RolloutItem(s) for s in learnability_samples]
    metrics = rollout_metrics(propose_samples + solve_samples, learnability_samples) | dict(timings)
    return RolloutResult(items, metrics)


def _proposal_prompts(buffers: TaskBuffers, rng: random.Random, config: RolloutConfig) -> list[_Proposal]:
    proposals = []
    for task_type in config.task_types:
        for index in range(config.propose_batch_size):
            program = buffers.induction_program(rng) if task_type == "induction" else None
            references = buffers[task_type].sample_references(config.k_references, rng)
            prompt = build_propose_prompt(
                task_type, references, program=program, num_inputs=config.induction_num_inputs
            )
            proposals.append(_Proposal(task_type, prompt, program, index))
    return proposals


def _propose_request(p: _Proposal, config: RolloutConfig) -> GenerationRequest:
    return GenerationRequest(
        prompt=p.prompt,
        n=1,
        fmt=(p.task_type, "propose") if config.structured else None,
        max_new_tokens=config.max_new_tokens_propose,
        temperature=config.temperature,
    )


def _solve_request(task: Triplet, config: RolloutConfig, *, n: int) -> GenerationRequest:
    return GenerationRequest(
        prompt=build_solve_prompt(task),
        n=n,
        fmt=(task.task_type, "solve") if config.structured else None,
        max_new_tokens=config.max_new_tokens_solve,
        temperature=config.temperature,
    )


def _generate(generator: Generator, requests: list[GenerationRequest]) -> list[list[Generation]]:
    if not requests:
        return []
    out = generator.generate(requests)
    if len(out) != len(requests) or any(len(g) != r.n for g, r in zip(out, requests, strict=False)):
        raise RuntimeError("the generator must return exactly `n` completions for each request")
    return out


def _learnability_samples(
    step: int,
    valid: list[_Proposal],
    learn_gens: list[list[Generation]],
    learn_grades: list[GradeResult],
    config: RolloutConfig,
) -> tuple[list[Sample], dict[int, float]]:
    """Samples for the n solver rollouts of each valid proposal, and s̄ keyed by proposal identity."""
    samples: list[Sample] = []
    rates: dict[int, float] = {}
    grades = iter(learn_grades)
    for p, gens in zip(valid, learn_gens, strict=True):
        assert p.validation is not None and p.validation.triplet is not None
        task = p.validation.triplet
        outcomes = []
        for j, gen in enumerate(gens):
            grade = next(grades)
            sample = _solve_sample(step, p.index, task, gen, grade, config, purpose_index=j)
            samples.append(sample)
            outcomes.append(grade.correct)
        rates[id(p)] = solve_rate(outcomes)
    return samples, rates


def _propose_sample(step: int, p: _Proposal, s_bar: float | None, config: RolloutConfig) -> Sample:
    v = p.validation
    assert v is not None and p.generation is not None
    program = v.proposal.program if v.proposal else (p.program or v.parsed.first("code") or None)
    return Sample(
        sample_id=f"{step}-{p.task_type}-propose-{p.index}",
        step=step,
        task_type=p.task_type,
        role="propose",
        prompt=p.prompt,
        reasoning=v.parsed.reasoning,
        answer=v.parsed.answer,
        program=program,
        executions=v.executions,
        valid=v.valid,
        reject_reason=v.reject_reason,
        reward=proposer_reward(
            well_formed=v.well_formed, valid=v.valid, solve_rate=s_bar, config=config.rewards
        ),
        solve_rate=s_bar,
        triplet=v.triplet,
    )


def _solve_sample(
    step: int,
    index: int,
    task: Triplet,
    gen: Generation,
    grade: GradeResult,
    config: RolloutConfig,
    purpose_index: int | None = None,
) -> Sample:
    learnability = purpose_index is not None
    # Learnability rollouts are numbered '<proposal>.<rollout>' under the proposal's index.
    label = f"p{index}.{purpose_index}" if learnability else str(index)
    written = grade.answer if task.task_type == "induction" else None
    return Sample(
        sample_id=f"{step}-{task.task_type}-solve-{label}",
        step=step,
        task_type=task.task_type,
        role="solve",
        prompt=build_solve_prompt(task),
        reasoning=grade.parsed.reasoning,
        answer=grade.parsed.answer,
        program=written or task.program,
        executions=grade.executions,
        valid=grade.well_formed,
        reject_reason=grade.reject_reason,
        reward=solver_composite_reward(
            well_formed=grade.well_formed, correct=grade.correct, config=config.rewards
        ),
        correct=grade.correct,
        triplet=task,
        purpose="learnability" if learnability else "train",
    )


def rollout_metrics(samples: list[Sample], learnability_samples: list[Sample]) -> dict[str, float]:
    """Flat metrics for the JSONL log and the run summary: counts, rates and mean rewards."""
    metrics: dict[str, float] = {}
    by_group: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_group[f"{s.task_type}/{s.role}"].append(s)
    for group, members in by_group.items():
        metrics[f"{group}/count"] = len(members)
        metrics[f"{group}/reward_mean"] = sum(s.reward for s in members) / len(members)
        metrics[f"{group}/format_ok"] = sum(s.reject_reason != "format" for s in members) / len(members)
        if group.endswith("/solve"):
            metrics[f"{group}/solve_rate"] = sum(bool(s.correct) for s in members) / len(members)
        else:
            metrics[f"{group}/valid"] = sum(s.valid for s in members) / len(members)
            for reason, count in Counter(s.reject_reason for s in members if s.reject_reason).items():
                metrics[f"{group}/invalid/{reason}"] = count
    if learnability_samples:
        metrics["learnability/solve_rate"] = sum(bool(s.correct) for s in learnability_samples) / len(
            learnability_samples
        )
    return metrics
