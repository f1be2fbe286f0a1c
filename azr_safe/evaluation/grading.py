"""From completions to verdicts, in the jail.

Triplet tasks (CRUXEval-style and held-out self-play) are graded by self-play's own solver grader
(`azr_safe.selfplay.grading.grade_solutions`), with the self-play prompts and answer blocks, so an
evaluation measures exactly the skills self-play trains. HumanEval completions run with their
tests as one program per completion via `jail.run_many`.
"""

from __future__ import annotations

import ast
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


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _grade_humaneval(jail: Any, items: list[tuple[Problem, str]]) -> list[Attempt]:
    """A completion that does not even parse is not well formed and is not run."""
    from azr_safe.jail import Job

    completions = [truncate_completion(text) for _, text in items]
    runnable = [i for i, ((p, _), c) in enumerate(zip(items, completions)) if _parses(p.program + c)]
    jobs = []
    for i in runnable:
        code, call = grading_program(items[i][0], completions[i])
        jobs.append(Job(code=code, calls=[call], timeout_s=HUMANEVAL_TIMEOUT_S))
    statuses = dict(zip(runnable, (run.status for run in jail.run_many(jobs)), strict=True))
    return [
        Attempt(
            text=text[:MAX_KEPT_TEXT],
            answer=completion if i in statuses else None,
            passed=statuses.get(i) == "ok",
            reason=statuses.get(i, "parse"),
        )
        for i, ((_, text), completion) in enumerate(zip(items, completions))
    ]


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
