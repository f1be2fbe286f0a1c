"""The held-out self-play set: deduction, abduction and induction tasks that no run trains on.

Built once by `python -m azr_safe.evaluation.build heldout` from hand-written templates
(`heldout_templates.py`), with every output computed in the jail (twice, two hash seeds), and
stored as `data/selfplay-heldout-<version>.jsonl` with its sha256 pinned in `datasets.PINNED_SHA256`.
The trainer never loads it: only `azr_safe.evaluation` refers to the file (a test enforces this),
and a test checks that the buffers' seed triplets are not in it.

No task may be solved by the training seed, the identity `def f(a): return a`: a draw whose
output equals its input (deduction, abduction), or whose hidden induction pairs all do, is redrawn.
"""

from __future__ import annotations

import random
from typing import Any

from azr_safe.evaluation.heldout_templates import TEMPLATES, Template
from azr_safe.evaluation.records import Problem
from azr_safe.selfplay.parsing import is_literal_repr
from azr_safe.selfplay.sample import TASK_TYPES, TaskType

HELDOUT_VERSION = "v2"  # v1 let the identity seed solve a few tasks
HELDOUT_FILE = f"selfplay-heldout-{HELDOUT_VERSION}.jsonl"
INDUCTION_PAIRS = 10  # the solver sees the first half, and is graded on the second half
MAX_DRAWS = 40
MAX_ATTEMPTS = 8  # redraws of a task that the identity seed would solve


def _draw_inputs(template: Template, rng: random.Random, count: int) -> list[str]:
    inputs: list[str] = []
    for _ in range(MAX_DRAWS):
        candidate = template.draw_input(rng)
        if candidate not in inputs:
            inputs.append(candidate)
        if len(inputs) == count:
            break
    return inputs


def _deterministic_outputs(first: list[Any], second: list[Any]) -> list[str] | None:
    """Output reprs when every run is ok, literal, and identical across the two processes."""
    outputs = []
    for a, b in zip(first, second, strict=True):
        if not (a.status == b.status == "ok" and a.value == b.value and a.value and is_literal_repr(a.value)):
            return None
        outputs.append(a.value)
    return outputs


def _draft(task: TaskType, index: int, attempt: int = 0) -> Problem:
    """A task without outputs, from template `index`, seeded by its own id (and attempt) only."""
    problem_id = f"heldout-{HELDOUT_VERSION}/{task}/{index:03d}"
    template = TEMPLATES[index % len(TEMPLATES)]
    rng = random.Random(problem_id if attempt == 0 else f"{problem_id}#{attempt}")
    program = template.source.format(**template.params(rng))
    count = INDUCTION_PAIRS if task == "induction" else 1
    inputs = _draw_inputs(template, rng, count)
    if len(inputs) != count:
        raise RuntimeError(f"{problem_id}: template {template.name} gave {len(inputs)} distinct inputs, not {count}")
    message = template.message if task == "induction" else ""
    return Problem(problem_id=problem_id, task=task, program=program, inputs=inputs, message=message)


def solved_by_identity(problem: Problem) -> bool:
    """Whether the seed program's behaviour (output == input) answers the task."""
    pairs = list(zip(problem.inputs, problem.outputs, strict=True))
    graded = pairs[len(pairs) // 2 :] if problem.task == "induction" else pairs
    return all(given == output for given, output in graded)


def build_heldout(jail: Any, per_task: int = len(TEMPLATES)) -> list[Problem]:
    """The whole set: `per_task` tasks per task type, interleaved (so `--limit 3k` takes k of each).

    Every output is computed in the jail, twice (two processes, two hash seeds)."""
    slots = [(task, index) for index in range(per_task) for task in TASK_TYPES]
    done: dict[tuple[TaskType, int], Problem] = {}
    for attempt in range(MAX_ATTEMPTS):
        drafts = [_draft(task, index, attempt) for task, index in slots if (task, index) not in done]
        if not drafts:
            break
        runs = jail.evaluate_twice_many([(d.program, d.inputs) for d in drafts])
        for draft, (first, second) in zip(drafts, runs, strict=True):
            outputs = _deterministic_outputs(first, second)
            if outputs is None:
                raise RuntimeError(f"{draft.problem_id}: outputs are not deterministic literals: {first}")
            problem = draft.model_copy(update={"outputs": outputs})
            if not solved_by_identity(problem):
                done[(problem.task, int(problem.problem_id.rsplit("/", 1)[1]))] = problem
    if len(done) != len(slots):
        raise RuntimeError(f"{len(slots) - len(done)} held-out tasks stayed solvable by the identity seed")
    return [done[slot] for slot in slots]
