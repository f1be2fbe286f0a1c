"""Self-play's abduction grading (learnability rollouts and training solves) with shared children:
the same rewards as grading every response alone, in fewer children."""

from __future__ import annotations

from azr_safe.selfplay.grading import grade_solutions
from azr_safe.selfplay.rewards import RewardConfig, solve_rate, solver_composite_reward
from azr_safe.selfplay.sample import Triplet
from azr_safe.selfplay.validation import ValidationConfig

CFG = ValidationConfig()
PROGRAM = """import os
def f(a):
    print(os.getpid())
    if a == -1:
        while True:
            pass
    if a == -2:
        os.fork()
    if a == -3:
        raise KeyError(a)
    return a % 3
"""
TASK = Triplet(program=PROGRAM, inputs=["7"], outputs=["1"], task_type="abduction")
OTHER = Triplet(program=PROGRAM.replace("a % 3", "a % 5"), inputs=["6"], outputs=["1"], task_type="abduction")


def response(body: str) -> str:
    return f"<think>try</think>\n<input>{body}</input>"


def rewards(grades) -> list[float]:
    return [solver_composite_reward(well_formed=g.well_formed, correct=g.correct, config=RewardConfig())
            for g in grades]


def test_rollouts_graded_together_earn_exactly_the_rewards_they_earn_alone(jail):
    # correct, wrong, raising, timeout (in the middle), violation, malformed, non-literal, correct
    bodies = ["4", "5", "-3", "-1", "-2", "oops(", "1 + 3", "10"]
    flat = [(TASK, response(b)) for b in bodies] + [(OTHER, response("11")), (OTHER, response("-1"))]
    together = grade_solutions(flat, jail, config=CFG)
    alone = [grade_solutions([pair], jail, config=CFG)[0] for pair in flat]
    assert rewards(together) == rewards(alone) == [1.0, -0.5, -0.5, -0.5, -0.5, -1.0, -1.0, 1.0, 1.0, -0.5]
    assert [g.check_reason for g in together] == [g.check_reason for g in alone]
    assert together[3].check_reason == "timeout" and together[4].check_reason == "violation"
    assert solve_rate([g.correct for g in together[:8]]) == solve_rate([g.correct for g in alone[:8]]) == 0.25


def test_a_timed_out_rollout_does_not_zero_the_rollout_after_it(jail):
    first, second = grade_solutions([(TASK, response("-1")), (TASK, response("7"))], jail, config=CFG)
    assert not first.correct and first.check_reason == "timeout"
    assert second.correct and second.executions[0].value == "1"


def test_n_rollouts_of_one_task_cost_one_child_instead_of_n(jail):
    flat = [(TASK, response(str(x))) for x in range(8)]
    before = jail.children_started
    grades = grade_solutions(flat, jail, config=CFG)
    assert jail.children_started - before == 1
    assert len({g.executions[0].stdout for g in grades}) == 1  # one pid printed by all eight calls
    assert [g.correct for g in grades] == [x % 3 == 1 for x in range(8)]
