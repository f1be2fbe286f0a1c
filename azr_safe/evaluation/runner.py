"""One evaluation run: load a benchmark, generate greedy (and optionally K sampled) answers, grade
them in the jail, and write an `EvalReport`."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from azr_safe.evaluation.datasets import load_pinned
from azr_safe.evaluation.grading import grade, solve_request
from azr_safe.evaluation.heldout import HELDOUT_FILE
from azr_safe.evaluation.humaneval import load_humaneval
from azr_safe.evaluation.records import BenchmarkName, EvalReport, Problem, ProblemResult
from azr_safe.evaluation.scoring import summarize
from azr_safe.generation.base import GenerationRequest, Generator

CRUXEVAL_FILE = "cruxeval-v1.jsonl"
Progress = Callable[[int, int], None]


class EvalSettings(BaseModel):
    """What `azr-safe eval` was asked to do."""

    model_config = ConfigDict(extra="forbid")

    benchmark: BenchmarkName
    model: str = Field(default="default", description="'default', an embedded model name, or a folder.")
    label: str = Field(default="", description="Name in tables and plots; defaults to `model`.")
    limit: int | None = Field(default=None, ge=1, description="Evaluate only the first N problems.")
    samples: int = Field(default=1, ge=1, description="K sampled completions per problem, besides greedy.")
    temperature: float = Field(default=0.8, gt=0.0, description="Temperature of the K samples.")
    max_new_tokens: int = Field(default=0, ge=0, description="0 = the benchmark's default.")
    batch_size: int = Field(default=8, ge=1, description="Requests per generate() call.")
    seed: int = 0


DEFAULT_MAX_NEW_TOKENS: dict[str, int] = {
    "humaneval": 256,  # a function body
    "cruxeval-o": 192,  # short reasoning, then one block
    "cruxeval-i": 192,
    "selfplay-heldout": 256,  # induction writes a program
}


def load_benchmark(name: BenchmarkName) -> tuple[list[Problem], str]:
    """The problems of a benchmark, in their fixed order, and the sha256 of the set."""
    if name == "humaneval":
        return load_humaneval()
    if name in ("cruxeval-o", "cruxeval-i"):
        items, digest = load_pinned(CRUXEVAL_FILE)
        task = "deduction" if name == "cruxeval-o" else "abduction"
        return [p.model_copy(update={"task": task}) for p in items], digest
    return load_pinned(HELDOUT_FILE)


def _generate(
    generator: Generator, requests: list[GenerationRequest], batch_size: int, progress: Progress | None
) -> list[str]:
    """Texts of every completion, flattened in request order."""
    texts: list[str] = []
    for start in range(0, len(requests), batch_size):
        batch = requests[start : start + batch_size]
        for group in generator.generate(batch):
            texts.extend(g.text for g in group)
        if progress:
            progress(min(start + batch_size, len(requests)), len(requests))
    return texts


def run_eval(
    settings: EvalSettings,
    generator: Generator,
    jail: Any,
    *,
    progress: Progress | None = None,
    jailed: bool = True,
) -> EvalReport:
    """Evaluate `generator` on the benchmark; every program runs in `jail`."""
    started = time.monotonic()
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    problems, digest = load_benchmark(settings.benchmark)
    problems = problems[: settings.limit] if settings.limit else problems
    max_new = settings.max_new_tokens or DEFAULT_MAX_NEW_TOKENS[settings.benchmark]
    requests = [solve_request(p, n=1, temperature=0.0, max_new_tokens=max_new) for p in problems]
    if settings.samples > 1:
        requests += [
            solve_request(p, n=settings.samples, temperature=settings.temperature, max_new_tokens=max_new)
            for p in problems
        ]
    texts = _generate(generator, requests, settings.batch_size, progress)
    owners = list(problems) + [p for p in problems if settings.samples > 1 for _ in range(settings.samples)]
    attempts = grade(jail, list(zip(owners, texts)))
    greedy, sampled = attempts[: len(problems)], attempts[len(problems) :]
    results = [
        ProblemResult(
            problem_id=p.problem_id,
            task=p.task,
            greedy=greedy[i],
            samples=sampled[i * settings.samples : (i + 1) * settings.samples] if settings.samples > 1 else [],
        )
        for i, p in enumerate(problems)
    ]
    return EvalReport(
        benchmark=settings.benchmark,
        benchmark_sha256=digest,
        model=settings.model,
        label=settings.label or settings.model,
        samples=settings.samples,
        temperature=settings.temperature,
        max_new_tokens=max_new,
        seed=settings.seed,
        jailed=jailed,
        jail_layers=_layers(jail),
        started_at=started_at,
        duration_s=round(time.monotonic() - started, 2),
        metrics=summarize(results, samples=settings.samples, seed=settings.seed),
        problems=results,
    )


def _layers(jail: Any) -> dict[str, str]:
    """The jail's probe report as {layer: 'on|off: detail'}, recorded with every result."""
    report = getattr(jail, "layers", None)
    if report is None:
        return {}
    layers = {layer.name: f"{'on' if layer.active else 'off'}: {layer.detail}" for layer in report.layers}
    if report.unsafe_no_jail:
        layers["unsafe_no_jail"] = "on: NO isolation"
    return layers
