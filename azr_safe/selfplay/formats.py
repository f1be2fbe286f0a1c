"""The answer blocks each (task type, role) must produce, shared by prompts, parsing and the grammar.

Every response is `<think>reasoning</think>` followed by these tagged blocks, in this order.
`input*` means one or more <input> blocks (induction proposals give several inputs).
"""

from __future__ import annotations

from azr_safe.selfplay.sample import Role, TaskType

THINK_TAG = "think"

ANSWER_BLOCKS: dict[tuple[TaskType, Role], tuple[str, ...]] = {
    ("deduction", "propose"): ("code", "input"),
    ("abduction", "propose"): ("code", "input"),
    ("induction", "propose"): ("input*", "message"),  # the program comes from the buffers
    ("deduction", "solve"): ("output",),
    ("abduction", "solve"): ("input",),
    ("induction", "solve"): ("code",),
}
