"""Per-task-type task buffers (AZR paper §3.3.1, §3.3.3).

- Seeded from the zero triplet: `def f(a): return a` with input "Hello world".
- Proposal prompts show K references sampled *uniformly* from the buffer (recency sampling collapsed).
- Solver batches take the newest unserved tasks first, then fill up uniformly from the whole buffer.
- Deduplicated on (canonical program, inputs): re-proposing a task never grows the buffer.
- `state_dict()` is plain JSON-able data, saved with every checkpoint.

Randomness comes from the caller's `random.Random`, whose state the learner checkpoints.
"""

from __future__ import annotations

import ast
import random
from typing import Any

from azr_safe.errors import UserFacingError
from azr_safe.selfplay.sample import TASK_TYPES, TaskType, Triplet

ZERO_PROGRAM = "def f(a):\n    return a"
ZERO_INPUT = "'Hello world'"

# The induction seed needs ≥ 6 pairs for the identity; these are trivial strings around the seed.
_ZERO_INDUCTION_INPUTS = ("'Hello world'", "'Hello'", "'world'", "''", "'Hello world!'", "'dlrow olleH'")

STATE_VERSION = 1


class BufferStateError(UserFacingError):
    """A checkpoint's task-buffer state cannot be restored."""

    code = "AZR020"


def zero_triplet(task_type: TaskType) -> Triplet:
    """The identity seed triplet for one task type."""
    inputs = list(_ZERO_INDUCTION_INPUTS) if task_type == "induction" else [ZERO_INPUT]
    message = "The function returns its argument unchanged." if task_type == "induction" else ""
    return Triplet(program=ZERO_PROGRAM, inputs=inputs, outputs=list(inputs), message=message, task_type=task_type)


def dedup_key(triplet: Triplet) -> tuple[str, tuple[str, ...]]:
    """Canonical program text (formatting and comments ignored) plus the inputs."""
    try:
        program = ast.unparse(ast.parse(triplet.program))
    except (SyntaxError, ValueError, RecursionError):
        program = triplet.program.strip()
    return program, tuple(triplet.inputs)


class TaskBuffer:
    """The triplets of one task type, in insertion order, deduplicated."""

    def __init__(self, task_type: TaskType) -> None:
        self.task_type = task_type
        self._triplets: list[Triplet] = []
        self._keys: set[tuple[str, tuple[str, ...]]] = set()
        self._unserved: list[int] = []  # indices not yet given to a solver batch, oldest first

    def __len__(self) -> int:
        return len(self._triplets)

    @property
    def triplets(self) -> list[Triplet]:
        return list(self._triplets)

    def add(self, triplet: Triplet) -> bool:
        """Insert unless a duplicate; returns whether it was added."""
        if triplet.task_type != self.task_type:
            raise ValueError(f"a {triplet.task_type} triplet cannot enter the {self.task_type} buffer")
        key = dedup_key(triplet)
        if key in self._keys:
            return False
        self._keys.add(key)
        self._unserved.append(len(self._triplets))
        self._triplets.append(triplet)
        return True

    def sample_references(self, k: int, rng: random.Random) -> list[Triplet]:
        """K references drawn uniformly without replacement (all of them when fewer than K)."""
        return rng.sample(self._triplets, min(k, len(self._triplets)))

    def solver_batch(self, size: int, rng: random.Random) -> list[Triplet]:
        """Newest unserved tasks first, then a uniform fill (with replacement) from the whole buffer."""
        if not self._triplets or size <= 0:
            return []
        newest = list(reversed(self._unserved))[:size]
        served = set(newest)
        self._unserved = [i for i in self._unserved if i not in served]
        fill = [rng.randrange(len(self._triplets)) for _ in range(size - len(newest))]
        return [self._triplets[i] for i in newest + fill]

    def state_dict(self) -> dict[str, Any]:
        return {"triplets": [t.model_dump() for t in self._triplets], "unserved": list(self._unserved)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._triplets, self._keys, self._unserved = [], set(), []
        for data in state["triplets"]:
            self.add(Triplet.model_validate(data))
        self._unserved = [int(i) for i in state["unserved"] if 0 <= int(i) < len(self._triplets)]


class TaskBuffers:
    """One `TaskBuffer` per task type, each seeded with the zero triplet."""

    def __init__(self, *, seed: bool = True) -> None:
        self.buffers: dict[TaskType, TaskBuffer] = {t: TaskBuffer(t) for t in TASK_TYPES}
        if seed:
            for task_type, buffer in self.buffers.items():
                buffer.add(zero_triplet(task_type))

    def __getitem__(self, task_type: TaskType) -> TaskBuffer:
        return self.buffers[task_type]

    def add(self, triplet: Triplet) -> bool:
        return self.buffers[triplet.task_type].add(triplet)

    def sizes(self) -> dict[str, int]:
        return {t: len(b) for t, b in self.buffers.items()}

    def induction_program(self, rng: random.Random) -> str:
        """A program for an induction proposal: uniform over the deduction and abduction buffers."""
        pool = self.buffers["deduction"].triplets + self.buffers["abduction"].triplets
        if not pool:
            return ZERO_PROGRAM
        return rng.choice(pool).program

    def state_dict(self) -> dict[str, Any]:
        """Plain JSON-able data for checkpoints."""
        return {"version": STATE_VERSION, "buffers": {t: b.state_dict() for t, b in self.buffers.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore from `state_dict()` output; a corrupt or foreign state raises `BufferStateError`."""
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            found = state.get("version") if isinstance(state, dict) else type(state).__name__
            raise BufferStateError(f"unsupported task-buffer state version {found!r}, expected {STATE_VERSION}")
        try:
            for task_type in TASK_TYPES:
                self.buffers[task_type].load_state_dict(state["buffers"][task_type])
        except (KeyError, TypeError, ValueError) as err:  # pydantic's ValidationError is a ValueError
            raise BufferStateError(f"corrupt task-buffer state: {err}".splitlines()[0]) from err
