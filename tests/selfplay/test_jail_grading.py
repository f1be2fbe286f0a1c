"""Grading of solver responses through the real jail."""

from azr_safe.selfplay.grading import grade_solutions
from azr_safe.selfplay.sample import Triplet
from azr_safe.selfplay.validation import ValidationConfig

CFG = ValidationConfig()
MOD3 = Triplet(program="def f(a):\n    return a % 3", inputs=["7"], outputs=["1"], task_type="abduction")
SQUARES = Triplet(
    program="def f(a):\n    return a * a",
    inputs=[str(i) for i in (1, 2, 3, 4, 5, 6)],
    outputs=[str(i * i) for i in (1, 2, 3, 4, 5, 6)],
    message="grows fast",
    task_type="induction",
)


def answer(tag: str, body: str) -> str:
    return f"<think>working</think>\n<{tag}>{body}</{tag}>"


def test_deduction_is_graded_by_value_equality(jail):
    task = Triplet(program="def f(a):\n    return (a, [a])", inputs=["2"], outputs=["(2, [2])"], task_type="deduction")
    grades = grade_solutions(
        [(task, answer("output", "(2,[2])")), (task, answer("output", "(2, [3])")), (task, answer("output", "oops"))],
        jail, config=CFG)
    assert [g.correct for g in grades] == [True, False, False]
    assert [g.well_formed for g in grades] == [True, True, False]
    assert grades[2].reject_reason == "not_literal"


def test_abduction_accepts_any_input_that_gives_the_output(jail):
    grades = grade_solutions([(MOD3, answer("input", x)) for x in ("7", "4", "1", "-2", "2", "'a'")], jail, config=CFG)
    assert [g.correct for g in grades] == [True, True, True, True, False, False]
    assert grades[5].well_formed  # a wrong (raising) input is well formed, just wrong
    assert grades[0].executions and grades[0].executions[0].value == "1"


def test_induction_is_graded_on_the_hidden_half_only(jail):
    right = "def f(a):\n    return a ** 2"
    visible_only = "def f(a):\n    return {1: 1, 2: 4, 3: 9}.get(a, 0)"  # memorizes the shown pairs
    grades = grade_solutions([(SQUARES, answer("code", right)), (SQUARES, answer("code", visible_only)),
                              (SQUARES, answer("code", "def g(a): return a"))], jail, config=CFG)
    assert [g.correct for g in grades] == [True, False, False]
    assert grades[2].reject_reason == "no_f"
    assert len(grades[0].executions) == 3  # one run per hidden pair


def test_a_solution_that_loops_forever_is_wrong_not_fatal(jail):
    grades = grade_solutions([(SQUARES, answer("code", "def f(a):\n    while True:\n        pass"))], jail, config=CFG)
    assert not grades[0].correct and grades[0].well_formed
    assert "timeout" in grades[0].check_reason


def test_an_object_claiming_equality_with_everything_does_not_pass(jail):
    cheat = "class Eq:\n    def __eq__(self, other):\n        return True\n    def __repr__(self):\n        return '1'\n" \
            "def f(a):\n    return Eq()"
    grades = grade_solutions([(SQUARES, answer("code", cheat))], jail, config=CFG)
    assert not grades[0].correct


def test_mixed_task_types_are_graded_in_order(jail):
    ded = Triplet(program="def f(a):\n    return a + 1", inputs=["1"], outputs=["2"], task_type="deduction")
    grades = grade_solutions([(MOD3, answer("input", "4")), (ded, answer("output", "2")),
                              (SQUARES, "malformed"), (ded, answer("output", "3"))], jail, config=CFG)
    assert [g.correct for g in grades] == [True, True, False, False]
    assert grades[2].reject_reason == "format"
