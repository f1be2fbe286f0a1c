"""From completions to verdicts: parse each answer like the self-play solver's, then grade in the jail.

Triplet tasks use the self-play prompts and answer blocks, so an evaluation measures exactly the
skills self-play trains: deduction answers go to `jail.check_outputs`, abduction answers to
`jail.check_inputs`, induction programs to `jail.check_programs` on the hidden pairs. HumanEval
completions run with their tests via `jail.run`.
"""

from __future__ import annotations

from typing import Any

from azr_safe.evaluation.humaneval import HUMANEVAL_TIMEOUT_S, grading_program, truncate_completion
from azr_safe.evaluation.records import Attempt, Problem
from azr_safe.generation.base import GenerationRequest
from azr_safe.selfplay.parsing import parse_arguments, parse_literal, parse_program, parse_response
from azr_safe.selfplay.prompts import build_solve_prompt, induction_split
from azr_safe.selfplay.sample import Triplet

MAX_ANSWER_CHARS = 2000
MAX_KEPT_TEXT = 4000


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


def extract_answer(problem: Problem, text: str) -> tuple[str | None, str]:
    """(answer to grade, reason); the answer is None when the response is unusable."""
    if problem.task == "humaneval":
        return truncate_completion(text), "ok"
    parsed = parse_response(text, (problem.task, "solve"))
    if not parsed.well_formed:
        return None, parsed.reject_reason or "format"
    if problem.task == "deduction":
        answer, reason = parse_literal(parsed.first("output"), max_chars=MAX_ANSWER_CHARS)
    elif problem.task == "abduction":
        answer, reason = parse_arguments(parsed.first("input"), max_chars=MAX_ANSWER_CHARS)
    else:
        answer, reason = parse_program(parsed.first("code"), max_chars=MAX_ANSWER_CHARS)
    return answer, reason or "ok"


def _check_one_kind(jail: Any, task: str, jobs: list[tuple[Problem, str]]) -> list[tuple[bool, str]]:
    if task == "humaneval":
        results = []
        for problem, completion in jobs:
            code, call = grading_program(problem, completion)
            run = jail.run(code, call=call, timeout_s=HUMANEVAL_TIMEOUT_S)
            results.append((run.status == "ok", run.status if run.status != "ok" else "ok"))
        return results
    if task == "deduction":
        checks = jail.check_outputs([(p.program, p.inputs[0], answer, p.outputs[0]) for p, answer in jobs])
    elif task == "abduction":
        checks = jail.check_inputs([(p.program, answer, p.outputs[0]) for p, answer in jobs])
    else:
        checks = jail.check_programs(
            [(answer, induction_split(as_triplet(p))[1]) for p, answer in jobs]
        )
    return [(c.passed, "ok" if c.passed else (c.reason or "wrong")) for c in checks]


def grade(jail: Any, items: list[tuple[Problem, str]]) -> list[Attempt]:
    """Grade every (problem, completion text); returns attempts in the same order."""
    extracted = [extract_answer(problem, text) for problem, text in items]
    verdicts: list[tuple[bool, str] | None] = [None] * len(items)
    by_task: dict[str, list[int]] = {}
    for index, ((problem, _), (answer, _)) in enumerate(zip(items, extracted)):
        if answer is not None:
            by_task.setdefault(problem.task, []).append(index)
    for task, indices in by_task.items():
        jobs = [(items[i][0], extracted[i][0]) for i in indices]
        for i, verdict in zip(indices, _check_one_kind(jail, task, jobs)):  # type: ignore[arg-type]
            verdicts[i] = verdict
    return [
        Attempt(
            text=text[:MAX_KEPT_TEXT],
            answer=answer,
            passed=bool(verdict and verdict[0]),
            reason=verdict[1] if verdict else reason,
        )
        for (_, text), (answer, reason), verdict in zip(items, extracted, verdicts)
    ]
