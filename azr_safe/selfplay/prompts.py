"""Our prompts for each (task type, role).

Plain text, so base models without a chat template (Gemma-3-270M) read them as a document to
continue. Each prompt states the task in neutral terms (an exercise for a fellow programmer, never
an adversary to outwit), shows two worked *format* examples on fixed programs (not task data; with
one example, Gemma-3-270M copies it), and ends where the response starts. Reasoning goes in <think>, answers in the blocks pinned in
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
    examples = "\n\n".join(
        f"<think>{why}</think>\n<code>\n{program}\n</code>\n<input>{arg}</input>"
        for program, arg, _out, why in _PROPOSAL_EXAMPLES
    )
    return (
        "You design short Python exercises for practicing code reasoning. Write a function named `f` "
        f"and one input for it. {_SOLVER_TASK[task_type]} Aim for an exercise that takes some thought "
        f"but can be worked out by careful reading. {_RULES}\n\n"
        "Think inside <think></think>. Then give the program inside <code></code> and, inside "
        "<input></input>, the arguments of one call: the text between the parentheses of f(...).\n\n"
        f"Two example responses (they only show the format):\n\n{examples}\n\n"
        f"Existing exercises (write one that is different from all of them):\n\n{refs}"
        f"{RESPONSE_CUE}"
    )


def _propose_induction(references: Sequence[Triplet], program: str, num_inputs: int) -> str:
    refs = "\n\n".join(f"Reference {i + 1}:\n{_show_induction_reference(t)}" for i, t in enumerate(references))
    examples = "".join(
        _worked(
            f"Example function:\n<code>\n{example_program}\n</code>",
            f"<think>{why}</think>\n" + "\n".join(f"<input>{arg}</input>" for arg in args) + f"\n<message>{hint}</message>",
        )
        for example_program, args, hint, why in _INDUCTION_EXAMPLES
    )
    return (
        "You design exercises in which a fellow programmer recovers a Python function from examples. "
        f"For a given function, write {num_inputs} different inputs, each inside its own <input></input> "
        "(the arguments of one call, as Python literals), chosen so that together their outputs pin down "
        "what the function does. Then write a one-sentence hint inside <message></message> that helps "
        "without giving the code away. Think first inside <think></think>.\n\n"
        f"{examples}"
        f"Existing exercises (make yours different):\n\n{refs}\n\n"
        f"Task function:\n<code>\n{program}\n</code>"
        f"{RESPONSE_CUE}"
    )


def _show_triplet(t: Triplet) -> str:
    return f"<code>\n{t.program}\n</code>\n<input>{t.inputs[0]}</input>\n<output>{t.outputs[0]}</output>"


def _show_induction_reference(t: Triplet) -> str:
    examples = "\n".join(f"<input>{i}</input>" for i in t.inputs[:3])
    return f"{examples}\n<message>{t.message}</message>"


# ------------------------------------------------------------------------------------------- solvers
# Two worked *format* examples per role, on programs that are not task data (AZR's "zero data" rules
# out human tasks and answers, not a demonstration of the response format). With a single example
# built from the zero triplet, Gemma-3-270M copied its answer ('Hello world') in 38 of 40 solves.
_FORMAT_PROGRAMS = (
    ("def f(a):\n    return a * 3 - 2", "5", "13", "Three times 5 is 15, minus 2 gives 13."),
    ("def f(s):\n    return s[::-1].upper()", "'abc'", "'CBA'", "Reversed, 'abc' is 'cba'; upper case gives 'CBA'."),
)


# Proposals get two worked examples too: with one, Gemma-3-270M tends to copy its program or inputs.
_PROPOSAL_EXAMPLES = (
    (*_FORMAT_PROGRAMS[0][:3], "A multiply and a subtract: quick to trace, but the order of the two matters."),
    (*_FORMAT_PROGRAMS[1][:3], "Reversing, then upper-casing: two steps the solver has to keep track of."),
)
_INDUCTION_EXAMPLES = (
    (
        _FORMAT_PROGRAMS[0][0],
        ("0", "1", "2", "-4", "10", "7"),
        "A straight-line rule on one number.",
        "Zero, small, negative and larger numbers show the slope and the offset.",
    ),
    (
        _FORMAT_PROGRAMS[1][0],
        ("'abc'", "'Hi'", "'x'", "'racecar'", "'Ab1'", "''"),
        "Two string operations: one about order, one about case.",
        "Strings of different lengths and cases show both steps.",
    ),
)


def _worked(task: str, response: str) -> str:
    return f"{task}{RESPONSE_CUE}{response}\n\n"


def _solve_deduction(t: Triplet) -> str:
    examples = "".join(
        _worked(f"Example:\n<code>\n{p}\n</code>\nThe call is f({i}).", f"<think>{why}</think>\n<output>{o}</output>")
        for p, i, o, why in _FORMAT_PROGRAMS
    )
    return (
        "Work out what a Python function returns. Reason step by step inside <think></think>, then give "
        "the returned value as a Python literal inside <output></output>.\n\n"
        f"{examples}"
        f"Task:\n<code>\n{t.program}\n</code>\nThe call is f({t.inputs[0]})."
        f"{RESPONSE_CUE}"
    )


def _solve_abduction(t: Triplet) -> str:
    examples = "".join(
        _worked(
            f"Example:\n<code>\n{p}\n</code>\nThe call must return: {o}",
            f"<think>{why} So the argument {i} works.</think>\n<input>{i}</input>",
        )
        for p, i, o, why in _FORMAT_PROGRAMS
    )
    return (
        "Find an input for a Python function that makes it return a given value. Reason step by step "
        "inside <think></think>, then give the arguments of the call (the text between the parentheses "
        "of f(...), as Python literals) inside <input></input>.\n\n"
        f"{examples}"
        f"Task:\n<code>\n{t.program}\n</code>\nThe call must return: {t.outputs[0]}"
        f"{RESPONSE_CUE}"
    )


def _solve_induction(t: Triplet) -> str:
    visible, _hidden = induction_split(t)
    examples = "\n".join(f"f({i}) == {o}" for i, o in visible)
    worked = _worked(
        "Example:\nHint: arithmetic on one number.\nExamples:\nf(1) == 1\nf(4) == 10\nf(0) == -2",
        "<think>Each output is three times the input minus two.</think>\n<code>\ndef f(a):\n    return a * 3 - 2\n</code>",
    )
    return (
        "Write a Python function `f` that behaves as the examples show. It will be checked on further "
        "inputs you do not see. Reason inside <think></think>, then give the complete function inside "
        "<code></code>.\n\n"
        f"{worked}"
        f"Task:\nHint: {t.message}\nExamples:\n{examples}"
        f"{RESPONSE_CUE}"
    )
