"""Reward formulas against hand-computed values, and every doctest of the self-play modules."""

import doctest
import importlib

import pytest

from azr_safe.selfplay.rewards import (
    RewardConfig,
    learnability_reward,
    proposer_reward,
    solve_rate,
    solver_composite_reward,
)


@pytest.mark.parametrize(
    ("successes", "expected"),
    [
        ([True] * 8, 0.0),  # too easy
        ([False] * 8, 0.0),  # too hard
        ([True, False, False, False], 0.75),
        ([True, True, True, False, False, False, False, False], 0.625),
        ([True, False], 0.5),
    ],
)
def test_learnability_is_one_minus_solve_rate_except_at_the_extremes(successes, expected):
    assert learnability_reward(solve_rate(successes)) == pytest.approx(expected)


def test_reference_quirk_switch_gives_minus_half_to_trivial_or_impossible_valid_tasks():
    quirk = RewardConfig(extreme_solve_rate="wrong_penalty")
    paper = RewardConfig()
    for s_bar in (0.0, 1.0):
        assert proposer_reward(well_formed=True, valid=True, solve_rate=s_bar, config=quirk) == -0.5
        assert proposer_reward(well_formed=True, valid=True, solve_rate=s_bar, config=paper) == 0.0
    assert proposer_reward(well_formed=True, valid=True, solve_rate=0.5, config=quirk) == 0.5


def test_invalid_or_malformed_proposals_get_the_malformed_penalty():
    cfg = RewardConfig()
    assert proposer_reward(well_formed=False, valid=False, solve_rate=None, config=cfg) == -1.0
    assert proposer_reward(well_formed=True, valid=False, solve_rate=None, config=cfg) == -1.0


def test_solver_composite_distinguishes_wrong_from_malformed():
    cfg = RewardConfig(wrong_penalty=-0.25, malformed_penalty=-2.0)
    assert solver_composite_reward(well_formed=True, correct=True, config=cfg) == 1.0
    assert solver_composite_reward(well_formed=True, correct=False, config=cfg) == -0.25
    assert solver_composite_reward(well_formed=False, correct=False, config=cfg) == -2.0


def test_solve_rate_of_no_rollouts_is_an_error():
    with pytest.raises(ValueError):
        solve_rate([])
    with pytest.raises(ValueError):
        learnability_reward(1.5)


def test_reward_config_rejects_unknown_fields_and_choices():
    with pytest.raises(ValueError):
        RewardConfig(extreme_solve_rate="minus_half")
    with pytest.raises(ValueError):
        RewardConfig(wrong_penalti=-0.5)


@pytest.mark.parametrize(
    "module", ["parsing", "rewards", "advantages", "objective", "prompts", "buffers", "validation", "grading"]
)
def test_doctests_of_the_selfplay_module_pass(module):
    mod = importlib.import_module(f"azr_safe.selfplay.{module}")
    result = doctest.testmod(mod)
    assert result.failed == 0
