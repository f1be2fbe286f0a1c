"""From completions to verdicts, in the jail.

Triplet tasks (CRUXEval-style and held-out self-play) are graded by self-play's own solver grader
(`azr_safe.selfplay.grading.grade_solutions`), with the self-play prompts and answer blocks, so an
evaluation measures exactly the skills self-play trains. HumanEval completions run with their
tests as one program per completion via `jail.run_many`.
"""

from __future__ import annotations

from typing import Any

from azr_safe.evaluation.humaneval import HUMANEVAL_TIMEOUT_S, grading_program, truncate_completion
from azr_safe.evaluation.records import Attempt, Problem
from azr_safe.generation.base import GenerationRequest
from azr_safe.selfplay.grading import grade_solutions
from azr_safe.selfplay.prompts import build_solve_prompt
from azr_safe.selfplay.sample import Triplet
from azr_safe.selfplay.validation import ValidationConfig

MAX_KEPT_TEXT = 4000  # characters of each raw completion kept in the report


def as_triplet(problem: Problem) -> Triplet:
    if problem.task == "humaneval":
        raise ValueError(f"{problem.problem_id} is a HumanEval problem, not a self-play task")
    return Triplet(
        program=problem.program,
        inputs=problem.inputs,
        outputs=problem.outputs,
        message=problem.message,
        task_type=problem.task,
    )


def solve_request(problem: Problem, *, n: int, temperature: float, max_new_tokens: int) -> GenerationRequest:
    """HumanEval: continue the prompt as code. Triplet tasks: the self-play solver prompt and format."""
    if problem.task == "humaneval":
        return GenerationRequest(prompt=problem.program, n=n, temperature=temperature, max_new_tokens=max_new_tokens)
    return GenerationRequest(
        prompt=build_solve_prompt(as_triplet(problem)),
        n=n,
        fmt=(problem.task, "solve"),
        temperature=temperature,
        max_new_tokens=max_new_tokens,
    )


def _grade_humaneval(jail: Any, items: list[tuple[Problem, str]]) -> list[Attempt]:
    from azr_safe.jail import Job

    completions = [truncate_completion(text) for _, text in items]
    jobs = []
    for (problem, _), completion in zip(items, completions):
        code, call = grading_program(problem, completion)
        jobs.append(Job(code=code, calls=[call], timeout_s=HUMANEVAL_TIMEOUT_S))
    runs = jail.run_many(jobs)
    attempts = []
    for (_, text), completion, run in zip(items, completions, runs, strict=True):
        attempts.append(
            Attempt(text=text[:MAX_KEPT_TEXT], answer=completion, passed=run.status == "ok", reason=run.status)
        )
    return attempts


def _grade_triplets(jail: Any, items: list[tuple[Problem, str]]) -> list[Attempt]:
    graded = grade_solutions([(as_triplet(p), text) for p, text in items], jail, config=ValidationConfig())
    return [
        Attempt(
            text=text[:MAX_KEPT_TEXT],
            answer=g.answer if g.well_formed else None,
            passed=g.correct,
            reason="ok" if g.correct else (g.reject_reason or g.check_reason or "wrong"),
        )
        for (_, text), g in zip(items, graded)
    ]


def grade(jail: Any, items: list[tuple[Problem, str]]) -> list[Attempt]:
    """Grade every (problem, completion text); returns attempts in the same order."""
    attempts: list[Attempt | None] = [None] * len(items)
    humaneval = [i for i, (p, _) in enumerate(items) if p.task == "humaneval"]
    triplets = [i for i, (p, _) in enumerate(items) if p.task != "humaneval"]
    for indices, grader in ((humaneval, _grade_humaneval), (triplets, _grade_triplets)):
        if indices:
            for i, attempt in zip(indices, grader(jail, [items[i] for i in indices]), strict=True):
                attempts[i] = attempt
    return [a for a in attempts if a is not None]
