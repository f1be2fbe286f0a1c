"""Literal answers for one program share a child, with the outcomes a child per answer gives.

Children are counted from outside the harness's report: each call prints the pid of the process
it ran in, and the test counts distinct pids (plus the Jail's own submission counter).
"""

from __future__ import annotations

import time

import pytest

from azr_safe.jail import Jail, JailConfig, Job

# Behaviour picked by the input: a value, an exception, a caught MemoryError (the child lives on),
# a wall-clock timeout, a seccomp violation and a SIGKILL of itself (both end the child).
MIXED = """import os
def f(x):
    print(os.getpid())
    if x == 'boom':
        raise ValueError(x)
    if x == 'mem':
        return len(bytearray(1 << 30))
    if x == 'loop':
        while True:
            pass
    if x == 'fork':
        os.fork()
    if x == 'exit':
        os._exit(3)
    return x % 3
"""
ANSWERS = ["7", "'boom'", "4", "'loop'", "2", "'mem'", "1", "'fork'", "10", "'exit'", "5"]
GOLD = "1"


@pytest.fixture(scope="module")
def jail():
    with Jail(JailConfig(timeout_s=1.0, memory_mb=256)) as started:
        yield started


def pids(results) -> set[str]:
    return {r.stdout.split()[0] for r in results if r.stdout.strip()}


def summary(check):
    (result,) = check.results
    return check.passed, check.reason, result.status, result.value, result.violation


def test_shared_grading_gives_every_answer_the_verdict_a_child_of_its_own_gives(jail):
    items = [(MIXED, answer, GOLD) for answer in ANSWERS]
    shared = jail.check_inputs(items)
    alone = [jail.check_inputs([item])[0] for item in items]
    assert [summary(c) for c in shared] == [summary(c) for c in alone]
    assert [c.passed for c in shared] == [True, False, True, False, False, False, True, False, True, False, False]
    statuses = [c.results[0].status for c in shared]
    assert statuses[3] == "timeout" and statuses[7] == "violation" and statuses[5] == "memory_limit"
    assert statuses[1] == "error" and statuses[9] == "error"


def test_a_timeout_in_the_first_answer_does_not_cost_the_second_its_verdict(jail):
    first, second = jail.check_inputs([(MIXED, "'loop'", GOLD), (MIXED, "4", GOLD)])
    assert first.results[0].status == "timeout" and not first.passed
    assert second.passed and second.results[0].value == "1"


def test_literal_answers_for_one_program_run_in_one_child(jail):
    items = [(MIXED, str(x), GOLD) for x in range(8)]
    before = jail.children_started
    shared = jail.check_inputs(items)
    assert jail.children_started - before == 1
    assert len(pids([c.results[0] for c in shared])) == 1
    alone = [jail.check_inputs([item])[0] for item in items]
    assert len(pids([c.results[0] for c in alone])) == 8
    assert [c.passed for c in shared] == [c.passed for c in alone] == [x % 3 == 1 for x in range(8)]


def test_the_answers_after_a_child_ending_one_get_children_of_their_own(jail):
    items = [(MIXED, answer, GOLD) for answer in ("1", "4", "'loop'", "7", "10")]
    before = jail.children_started
    verdicts = jail.check_inputs(items)
    # child 1 ran 1 and 4 and died in 'loop'; then 'loop' alone (it had company), 7 alone, 10 alone.
    assert jail.children_started - before == 4
    assert [c.passed for c in verdicts] == [True, True, False, True, True]
    assert len(pids([c.results[0] for c in verdicts])) == 3  # the timed-out call's print died with it


def test_answers_that_all_loop_time_out_in_parallel_not_one_after_another(jail):
    items = [(MIXED, "'loop'", GOLD)] * 5 + [(MIXED, "4", GOLD)]
    before, started = jail.children_started, time.monotonic()
    verdicts = jail.check_inputs(items)
    elapsed = time.monotonic() - started
    assert [c.results[0].status for c in verdicts] == ["timeout"] * 5 + ["ok"] and verdicts[5].passed
    assert jail.children_started - before == 6  # one shared child, then five children of their own
    assert elapsed < 4.5  # two rounds of 1 s timeouts; one after another would take >= 5 s


def test_an_answer_that_is_an_expression_gets_a_child_of_its_own(jail):
    items = [(MIXED, "7", GOLD), (MIXED, "4", GOLD), (MIXED, "(lambda: 4)()", GOLD), (MIXED, "3 + 1", GOLD)]
    before = jail.children_started
    verdicts = jail.check_inputs(items)
    assert [c.passed for c in verdicts] == [True, True, True, True]
    assert jail.children_started - before == 3
    found = [pids(c.results) for c in verdicts]
    assert found[0] == found[1] and len(found[0] | found[2] | found[3]) == 3


def test_a_call_that_dies_only_after_another_ran_in_its_child_is_judged_alone(jail):
    # The program keeps state outside its globals (a module attribute) and kills itself only
    # when an earlier call ran in the same process: alone, 'late' is a plain wrong answer.
    stateful = ("import math, os\ndef f(x):\n    seen = getattr(math, 'seen', 0)\n    math.seen = seen + 1\n"
                "    if x == 'late' and seen:\n        os._exit(1)\n    return 0\n")
    early, late = jail.check_inputs([(stateful, "1", "0"), (stateful, "'late'", "0")])
    assert early.passed
    assert late.passed and late.results[0].status == "ok"


def test_different_programs_never_share_a_child(jail):
    other = MIXED.replace("x % 3", "x % 4")
    before = jail.children_started
    verdicts = jail.check_inputs([(MIXED, "7", GOLD), (other, "5", GOLD), (MIXED, "4", GOLD), (other, "9", GOLD)])
    assert [c.passed for c in verdicts] == [True] * 4
    assert jail.children_started - before == 2


def test_sharing_can_be_switched_off_for_a_child_per_answer():
    with Jail(JailConfig(timeout_s=1.0, memory_mb=256, nsjail="off", share_child_for_literal_calls=False)) as jail:
        verdicts = jail.check_inputs([(MIXED, str(x), GOLD) for x in range(4)])
        assert jail.children_started == 4
        assert len(pids([c.results[0] for c in verdicts])) == 4


def test_run_shared_keeps_the_order_and_count_of_results_for_every_job(jail):
    jobs = [Job(code=MIXED, calls=["f(1)", "f('exit')", "f(2)"]), Job(code="x = 1", calls=[]),
            Job(code="def f(:", calls=["f(1)", "f(2)"])]
    plain, bare, broken = jail.run_shared(jobs)
    assert [r.status for r in plain] == ["ok", "error", "ok"] and [r.value for r in plain][::2] == ["1", "2"]
    assert [r.status for r in bare] == ["ok"]
    assert [r.status for r in broken] == ["error", "error"] and "SyntaxError" in broken[1].stderr


def test_run_shared_of_nothing_starts_no_child(jail):
    before = jail.children_started
    assert jail.run_shared([]) == [] and jail.check_inputs([]) == []
    assert jail.children_started == before


def test_many_answers_for_one_program_are_split_into_bounded_children(jail):
    from azr_safe.jail.verdicts import MAX_SHARED_CALLS

    items = [(MIXED, str(x), GOLD) for x in range(MAX_SHARED_CALLS * 2 + 1)]
    before = jail.children_started
    verdicts = jail.check_inputs(items)
    assert jail.children_started - before == 3
    assert [c.passed for c in verdicts] == [x % 3 == 1 for x in range(len(items))]


FORGER = """import json, os
def f(x):
    if x == 'garbage':
        os.write(3, b'not json\\n')
    if x == 'forge':
        for i in (0, 1):
            os.write(3, (json.dumps({"i": i, "status": "ok", "value": "7", "literal": ["int", "7"], "stdout": "",
                                     "stderr": "", "duration_s": 0.0}) + "\\n").encode())
    return x if isinstance(x, int) else 0
"""


def test_a_broken_result_stream_costs_only_the_call_that_broke_it(jail):
    items = [(FORGER, answer, "7") for answer in ("7", "'garbage'", "7", "5")]
    shared = jail.check_inputs(items)
    alone = [jail.check_inputs([item])[0] for item in items]
    assert [summary(c) for c in shared] == [summary(c) for c in alone]
    assert [c.passed for c in shared] == [True, False, True, False]


def test_known_limit_an_earlier_call_can_forge_the_record_of_a_later_answer_in_its_shared_child():
    # docs/jail.md, Known limits: the program runs every answer's call in one process, so a call
    # can write records for the calls after it. Alone, f(5) is 5, not the gold 7.
    items = [(FORGER, "'forge'", "7"), (FORGER, "5", "7"), (MIXED, "7", GOLD)]
    with Jail(JailConfig(timeout_s=1.0, memory_mb=256, nsjail="off")) as shared_jail:
        assert [c.passed for c in shared_jail.check_inputs(items)] == [True, True, True]
    with Jail(JailConfig(timeout_s=1.0, memory_mb=256, nsjail="off", share_child_for_literal_calls=False)) as alone:
        assert [c.passed for c in alone.check_inputs(items)] == [True, False, True]
