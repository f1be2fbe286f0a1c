"""The held-out self-play set: deduction, abduction and induction tasks that no run trains on.

Built once by `python -m azr_safe.evaluation.heldout --jail` from hand-written templates
(`heldout_templates.py`), with every output computed in the jail (twice, two hash seeds), and
stored as `data/selfplay-heldout-v1.jsonl` with its sha256 pinned in `datasets.PINNED_SHA256`.
The trainer never loads it: only `azr_safe.evaluation` refers to the file (a test enforces this),
and a test checks that the buffers' seed triplets are not in it.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Any

from azr_safe.evaluation.heldout_templates import TEMPLATES, Template
from azr_safe.evaluation.records import Problem
from azr_safe.selfplay.parsing import is_literal_repr
from azr_safe.selfplay.sample import TASK_TYPES, TaskType

HELDOUT_VERSION = "v1"
HELDOUT_FILE = f"selfplay-heldout-{HELDOUT_VERSION}.jsonl"
INDUCTION_PAIRS = 10  # the solver sees the first half, and is graded on the second half
MAX_DRAWS = 40


def _draw_inputs(template: Template, rng: random.Random, count: int) -> list[str]:
    inputs: list[str] = []
    for _ in range(MAX_DRAWS):
        candidate = template.draw_input(rng)
        if candidate not in inputs:
            inputs.append(candidate)
        if len(inputs) == count:
            break
    return inputs


def _run_deterministic(jail: Any, program: str, inputs: list[str]) -> list[str] | None:
    first, second = jail.evaluate_twice(program, inputs)
    outputs = []
    for a, b in zip(first, second):
        if not (a.status == b.status == "ok" and a.value == b.value and a.value and is_literal_repr(a.value)):
            return None
        outputs.append(a.value)
    return outputs


def build_task(jail: Any, task: TaskType, index: int) -> Problem:
    """One task, from template `index`, seeded by its own id so tasks do not depend on each other."""
    problem_id = f"heldout-{HELDOUT_VERSION}/{task}/{index:03d}"
    template = TEMPLATES[index % len(TEMPLATES)]
    rng = random.Random(problem_id)
    program = template.source.format(**template.params(rng))
    inputs = _draw_inputs(template, rng, INDUCTION_PAIRS if task == "induction" else 1)
    outputs = _run_deterministic(jail, program, inputs)
    if outputs is None or len(inputs) != (INDUCTION_PAIRS if task == "induction" else 1):
        raise RuntimeError(f"{problem_id}: template {template.name} did not give deterministic literal outputs")
    message = template.message if task == "induction" else ""
    return Problem(problem_id=problem_id, task=task, program=program, inputs=inputs, outputs=outputs, message=message)


def build_heldout(jail: Any, per_task: int = len(TEMPLATES)) -> list[Problem]:
    """The whole set: `per_task` tasks for each task type, in a fixed order."""
    return [build_task(jail, task, index) for task in TASK_TYPES for index in range(per_task)]


def main(argv: list[str] | None = None) -> None:
    """Rebuild the stored set and print its sha256 (to pin in `datasets.PINNED_SHA256`)."""
    from azr_safe.evaluation.datasets import write_problems
    from azr_safe.evaluation.jailed import open_jail

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data" / HELDOUT_FILE)
    args = parser.parse_args(argv)
    with open_jail(unsafe_no_jail=False) as jail:
        problems = build_heldout(jail)
    print(write_problems(args.out, problems), args.out)


if __name__ == "__main__":
    main()
