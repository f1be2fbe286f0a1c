"""Our prompts for each (task type, role).

Plain text, so base models without a chat template (Gemma-3-270M) read them as a document to
continue. Each prompt states the task in neutral terms (an exercise for a fellow programmer, never
an adversary to outwit), shows one *format* example built from the zero triplet (no task data),
and ends where the response starts. Reasoning goes in <think>, answers in the blocks pinned in
`formats.ANSWER_BLOCKS`. Proposal prompts show K reference triplets and ask for something different.
"""

from __future__ import annotations

from collections.abc import Sequence

from azr_safe.selfplay.buffers import ZERO_INPUT, ZERO_PROGRAM
from azr_safe.selfplay.sample import TaskType, Triplet

RESPONSE_CUE = "\n\nResponse:\n"
"""Every prompt ends with this; the response (and a forced <think> skeleton) follows it."""

_RULES = (
    "The program must be deterministic and self-contained: plain Python and the standard library, "
    "no randomness, no clock, no files, no network, no printing. Inputs are Python literals."
)


def induction_split(triplet: Triplet) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(visible, hidden) input/output pairs of an induction task: the first half is shown.

    >>> t = Triplet(program="", inputs=list("123456"), outputs=list("abcdef"), task_type="induction")
    >>> [len(half) for half in induction_split(t)]
    [3, 3]
    """
    pairs = list(zip(triplet.inputs, triplet.outputs, strict=True))
    half = len(pairs) // 2
    return pairs[:half], pairs[half:]


def build_propose_prompt(
    task_type: TaskType,
    references: Sequence[Triplet],
    *,
    program: str | None = None,
    num_inputs: int = 10,
) -> str:
    """The proposer prompt; induction proposals also need the `program` they write inputs for."""
    if task_type == "induction":
        if program is None:
            raise ValueError("an induction proposal needs the program to write inputs for")
        return _propose_induction(references, program, num_inputs)
    return _propose_program(task_type, references)


def build_solve_prompt(triplet: Triplet) -> str:
    """The solver prompt for one task from the buffers (or a fresh proposal)."""
    if triplet.task_type == "deduction":
        return _solve_deduction(triplet)
    if triplet.task_type == "abduction":
        return _solve_abduction(triplet)
    return _solve_induction(triplet)


# ----------------------------------------------------------------------------------------- proposers
_SOLVER_TASK: dict[TaskType, str] = {
    "deduction": "Another model will see the program and the input and will predict the output.",
    "abduction": "Another model will see the program and its output and will find an input that produces it.",
    "induction": "",
}


def _propose_program(task_type: TaskType, references: Sequence[Triplet]) -> str:
    refs = "\n\n".join(f"Reference {i + 1}:\n{_show_triplet(t)}" for i, t in enumerate(references))
    return (
        "You design short Python exercises for practicing code reasoning. Write a function named `f` "
        f"and one input for it. {_SOLVER_TASK[task_type]} Aim for an exercise that takes some thought "
        f"but can be worked out by careful reading. {_RULES}\n\n"
        "Think inside <think></think>. Then give the program inside <code></code> and, inside "
        "<input></input>, the arguments of one call: the text between the parentheses of f(...).\n\n"
        f"Format example:\n<think>The simplest function returns its argument.</think>\n"
        f"<code>\n{ZERO_PROGRAM}\n</code>\n<input>{ZERO_INPUT}</input>\n\n"
        f"Existing exercises (write one that is different from all of them):\n\n{refs}"
        f"{RESPONSE_CUE}"
    )


def _propose_induction(references: Sequence[Triplet], program: str, num_inputs: int) -> str:
    refs = "\n\n".join(f"Reference {i + 1}:\n{_show_induction_reference(t)}" for i, t in enumerate(references))
    return (
        "You design exercises in which a fellow programmer recovers a Python function from examples. "
        f"Here is the function:\n<code>\n{program}\n</code>\n\n"
        f"Write {num_inputs} different inputs for it, each inside its own <input></input> (the arguments "
        "of one call, as Python literals), chosen so that together their outputs pin down what the "
        "function does. Then write a one-sentence hint inside <message></message> that helps without "
        "giving the code away. Think first inside <think></think>.\n\n"
        "Format example:\n<think>Strings of different lengths show the function keeps its input.</think>\n"
        "<input>'Hello world'</input>\n<input>'Hello'</input>\n<input>''</input>\n"
        "<message>Compare each output with its input.</message>\n\n"
        f"Existing exercises (make yours different):\n\n{refs}"
        f"{RESPONSE_CUE}"
    )


def _show_triplet(t: Triplet) -> str:
    return f"<code>\n{t.program}\n</code>\n<input>{t.inputs[0]}</input>\n<output>{t.outputs[0]}</output>"


def _show_induction_reference(t: Triplet) -> str:
    examples = "\n".join(f"<input>{i}</input>" for i in t.inputs[:3])
    return f"{examples}\n<message>{t.message}</message>"


# ------------------------------------------------------------------------------------------- solvers
def _solve_deduction(t: Triplet) -> str:
    return (
        "Work out what a Python function returns.\n\n"
        f"<code>\n{t.program}\n</code>\nThe call is f({t.inputs[0]}).\n\n"
        "Reason step by step inside <think></think>, then give the returned value as a Python literal "
        "inside <output></output>.\n\n"
        "Format example (for a function that returns its argument):\n"
        f"<think>f returns its argument unchanged.</think>\n<output>{ZERO_INPUT}</output>"
        f"{RESPONSE_CUE}"
    )


def _solve_abduction(t: Triplet) -> str:
    return (
        "Find an input for a Python function that makes it return a given value.\n\n"
        f"<code>\n{t.program}\n</code>\nThe call must return: {t.outputs[0]}\n\n"
        "Reason step by step inside <think></think>, then give the arguments of the call (the text "
        "between the parentheses of f(...), as Python literals) inside <input></input>.\n\n"
        "Format example (for a function that returns its argument):\n"
        f"<think>f returns its argument, so the argument must equal the value.</think>\n<input>{ZERO_INPUT}</input>"
        f"{RESPONSE_CUE}"
    )


def _solve_induction(t: Triplet) -> str:
    visible, _hidden = induction_split(t)
    examples = "\n".join(f"f({i}) == {o}" for i, o in visible)
    return (
        "Write a Python function `f` that behaves as these examples show. It will be checked on "
        "further inputs you do not see.\n\n"
        f"Hint: {t.message}\nExamples:\n{examples}\n\n"
        "Reason inside <think></think>, then give the complete function inside <code></code>.\n\n"
        "Format example (for a function that returns its argument):\n"
        f"<think>Every output equals its input.</think>\n<code>\n{ZERO_PROGRAM}\n</code>"
        f"{RESPONSE_CUE}"
    )

