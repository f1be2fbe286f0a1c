"""Grading and set construction in the real jail, and the benchmarks end to end with a scripted model."""

import pytest

from azr_safe.evaluation.cruxeval import build_cruxeval
from azr_safe.evaluation.datasets import PINNED_SHA256, load_pinned, sha256_of_problems
from azr_safe.evaluation.grading import grade
from azr_safe.evaluation.heldout import HELDOUT_FILE, build_heldout
from azr_safe.evaluation.humaneval import canonical_solution, load_humaneval
from azr_safe.evaluation.runner import CRUXEVAL_FILE, EvalSettings, load_benchmark, run_eval
from azr_safe.generation import ScriptedGenerator
from azr_safe.selfplay.prompts import induction_split


@pytest.fixture(scope="module")
def humaneval():
    return load_humaneval()[0]


def test_humaneval_canonical_solution_passes_and_a_broken_one_fails_in_the_jail(jail, humaneval):
    p0, p2 = humaneval[0], humaneval[2]
    attempts = grade(
        jail,
        [
            (p0, canonical_solution(p0)),
            (p2, canonical_solution(p2)),
            (p2, "    return number // 1.0\n"),  # the integer part, not the decimals
            (p0, "    while True:\n        pass\n"),  # never returns: the jail's timeout ends it
        ],
    )
    assert [a.passed for a in attempts] == [True, True, False, False]
    assert attempts[2].reason == "error" and attempts[3].reason == "timeout"


def test_humaneval_completion_cannot_write_outside_the_jail(jail, humaneval, tmp_path):
    marker = tmp_path / "escaped"
    p2 = humaneval[2]
    completion = f"    open({str(marker)!r}, 'w').write('x')\n    return number % 1.0\n"
    attempt = grade(jail, [(p2, completion)])[0]
    assert not marker.exists()
    assert not attempt.passed


def test_cruxeval_construction_is_reproducible_and_matches_the_pinned_set(jail):
    first, second = build_cruxeval(jail), build_cruxeval(jail)
    assert sha256_of_problems(first) == sha256_of_problems(second) == PINNED_SHA256[CRUXEVAL_FILE]
    stored, digest = load_pinned(CRUXEVAL_FILE)
    assert stored == first and digest == PINNED_SHA256[CRUXEVAL_FILE]


@pytest.mark.parametrize(
    ("number", "given", "gold"),
    [
        ("2", "3.5", "0.5"),  # truncate_number(3.5): 3.5 % 1.0
        ("0", "[1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3", "True"),  # |3.9 - 4.0| < 0.3
        ("4", "[1.0, 2.0, 3.0]", "0.6666666666666666"),  # mean absolute deviation: (1 + 0 + 1) / 3
        ("12", "[]", "None"),  # longest([]) is None
        ("13", "3, 7", "1"),  # gcd(3, 7)
    ],
)
def test_cruxeval_gold_outputs_are_right_for_hand_checked_problems(number, given, gold):
    items = {p.problem_id: p for p in load_pinned(CRUXEVAL_FILE)[0]}
    item = items[f"cruxeval-v1/{number}"]
    assert (item.inputs, item.outputs) == ([given], [gold])


def test_heldout_construction_is_reproducible_and_matches_the_pinned_set(jail):
    assert sha256_of_problems(build_heldout(jail)) == PINNED_SHA256[HELDOUT_FILE]


def _correct_response(problem):
    if problem.task == "deduction":
        return f"<think>work it out</think>\n<output>{problem.outputs[0]}</output>"
    if problem.task == "abduction":
        return f"<think>work it out</think>\n<input>{problem.inputs[0]}</input>"
    return f"<think>work it out</think>\n<code>\n{problem.program}\n</code>"


def _wrong_response(problem):
    if problem.task == "deduction":
        return "<think>guess</think>\n<output>'surely not this'</output>"
    if problem.task == "abduction":
        return "<think>guess</think>\n<input>'surely not this', 1, 2, 3</input>"
    return "<think>guess</think>\n<code>\ndef f(*args):\n    return 'surely not this'\n</code>"


@pytest.mark.parametrize("benchmark", ["cruxeval-o", "cruxeval-i", "selfplay-heldout"])
def test_triplet_benchmarks_run_end_to_end_with_a_scripted_model(jail, benchmark):
    problems = load_benchmark(benchmark)[0][:6]
    script = [
        {"text": _correct_response(p) if i % 3 else _wrong_response(p), "task_type": p.task, "role": "solve"}
        for i, p in enumerate(problems)
    ]
    report = run_eval(EvalSettings(benchmark=benchmark, limit=6), ScriptedGenerator(script, on_exhausted="raise"), jail)
    assert [r.greedy.passed for r in report.problems] == [False, True, True, False, True, True]
    assert report.metrics["pass@1"].value == pytest.approx(4 / 6)
    assert report.metrics["well_formed"].value == 1.0
    assert report.benchmark_sha256 == load_benchmark(benchmark)[1]


def test_a_malformed_response_counts_as_wrong_and_not_well_formed(jail):
    report = run_eval(
        EvalSettings(benchmark="cruxeval-o", limit=1),
        ScriptedGenerator(["I think the answer is 0.5"], on_exhausted="raise"),
        jail,
    )
    result = report.problems[0]
    assert not result.greedy.passed and result.greedy.answer is None and result.greedy.reason == "format"
    assert report.metrics["well_formed"].value == 0.0


def test_humaneval_runs_end_to_end_with_pass_at_k_over_scripted_samples(jail, humaneval):
    p0, p1 = humaneval[0], humaneval[1]
    broken = "    return None\n"
    # greedy: p0 right, p1 wrong; then 4 samples each: p0 has 2 right, p1 has 1 right
    script = [canonical_solution(p0), broken]
    script += [canonical_solution(p0), broken, canonical_solution(p0), broken]
    script += [broken, broken, canonical_solution(p1), broken]
    report = run_eval(
        EvalSettings(benchmark="humaneval", limit=2, samples=4),
        ScriptedGenerator(script, on_exhausted="raise"),
        jail,
    )
    assert [r.greedy.passed for r in report.problems] == [True, False]
    assert [r.n_correct for r in report.problems] == [2, 1]
    assert report.metrics["pass@1"].value == 0.5
    assert report.metrics["pass@1(T)"].value == pytest.approx((2 / 4 + 1 / 4) / 2)
    # pass@2 = 1 - C(n-c,2)/C(4,2): p0 1 - 1/6, p1 1 - 3/6
    assert report.metrics["pass@2(T)"].value == pytest.approx(((1 - 1 / 6) + (1 - 3 / 6)) / 2)
    assert report.metrics["pass@4(T)"].value == 1.0  # k = n: any correct sample suffices


def test_induction_is_graded_on_the_hidden_half_only(jail):
    problem = next(p for p in load_benchmark("selfplay-heldout")[0] if p.task == "induction")
    from azr_safe.evaluation.grading import as_triplet

    visible, _hidden = induction_split(as_triplet(problem))
    lookup = "\n".join(f"    if args == ({i},):\n        return {o}" for i, o in visible)
    memorizer = f"def f(*args):\n{lookup}\n    return None"
    attempt = grade(jail, [(problem, f"<think>copy</think>\n<code>\n{memorizer}\n</code>")])[0]
    assert attempt.answer is not None and not attempt.passed  # memorizing the visible pairs is not enough


def test_a_humaneval_completion_that_does_not_parse_is_not_well_formed(jail, humaneval):
    attempt = grade(jail, [(humaneval[2], "    return (number %\n")])[0]
    assert (attempt.passed, attempt.answer, attempt.reason) == (False, None, "parse")
