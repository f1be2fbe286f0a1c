"""Building the problem sets: HumanEval loading, CRUXEval program/input extraction (no execution)."""

from azr_safe.evaluation.cruxeval import cruxeval_program, extract_test_inputs
from azr_safe.evaluation.humaneval import canonical_solution, grading_program, load_humaneval, truncate_completion

HUMANEVAL_GZ_SHA256 = "b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef"


def _problem(number):
    return load_humaneval()[0][number]


def test_humaneval_loads_all_164_problems_in_task_order_from_the_wheel():
    problems, digest = load_humaneval()
    assert len(problems) == 164
    assert [p.problem_id for p in problems[:3]] == ["HumanEval/0", "HumanEval/1", "HumanEval/2"]
    assert problems[-1].problem_id == "HumanEval/163"
    assert digest == HUMANEVAL_GZ_SHA256


def test_truncation_stops_at_the_first_unindented_line():
    text = "    if x:\n        return 1\n\n    return 2\nprint(f(3))\ndef g(): pass\n"
    assert truncate_completion(text) == "    if x:\n        return 1\n\n    return 2\n"


def test_grading_program_runs_the_tests_against_the_entry_point():
    problem = _problem(2)
    code, call = grading_program(problem, "    return number % 1.0\n")
    assert code.startswith(problem.program + "    return number % 1.0\n")
    assert "def check(candidate):" in code
    assert call == "check(truncate_number)"


def test_cruxeval_program_drops_docstrings_and_renames_the_entry_point_to_f():
    problem = _problem(2)
    program = cruxeval_program(problem.program, canonical_solution(problem), problem.entry_point)
    assert program == "def f(number: float) -> float:\n    return number % 1.0"


def test_cruxeval_program_renames_recursive_and_helper_uses_but_keeps_helpers():
    problem = _problem(38)  # decode_cyclic calls the helper encode_cyclic
    program = cruxeval_program(problem.program, canonical_solution(problem), problem.entry_point)
    assert "def encode_cyclic(s: str):" in program and "def f(s: str):" in program
    assert "decode_cyclic" not in program and '"""' not in program


def test_test_inputs_come_from_literal_candidate_calls_in_top_level_asserts_in_order():
    assert extract_test_inputs(_problem(2).test) == ["3.5", "1.33", "123.456"]
    inputs = extract_test_inputs(_problem(0).test)
    assert inputs[0] == "[1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3" and len(inputs) == 7


def test_asserts_inside_loops_yield_no_inputs():
    test = "def check(candidate):\n    for x in range(3):\n        assert candidate(x) == x\n    assert candidate(y) == 1\n"
    assert extract_test_inputs(test) == []  # loop variables and names are not literals
