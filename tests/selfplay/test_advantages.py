"""Task-Relative REINFORCE++ against hand-computed values."""

import math

import pytest
import torch

from azr_safe.selfplay.advantages import AdvantageConfig, trr_plus_plus_advantages

DED_S = ("deduction", "solve")
ABD_P = ("abduction", "propose")


def test_rewards_1_0_0_1_in_one_group_and_a_lone_half_in_another():
    # group A: μ = 0.5, population σ = 0.5 -> ±1 / (1 + 2ε); group B alone: r − μ = 0 -> 0
    adv = trr_plus_plus_advantages([1, 0, 0, 1, 0.5], [DED_S] * 4 + [ABD_P], eps=1e-6)
    expected = [1 / (1 + 2e-6), -1 / (1 + 2e-6), -1 / (1 + 2e-6), 1 / (1 + 2e-6), 0.0]
    assert adv.tolist() == pytest.approx(expected, abs=1e-7)


def test_each_task_role_group_is_normalized_separately():
    # Same rewards, but group A is shifted by +10: per-group whitening removes the shift.
    adv = trr_plus_plus_advantages([1, 2, 3, 11, 12, 13], ["a"] * 3 + ["b"] * 3, eps=0.0)
    sigma = math.sqrt(2 / 3)
    assert adv[:3].tolist() == pytest.approx([-1 / sigma, 0, 1 / sigma], abs=1e-6)
    assert adv[:3].tolist() == pytest.approx(adv[3:].tolist(), abs=1e-6)


def test_dropped_samples_do_not_enter_the_statistics_and_get_zero():
    # Without the dropped 100, group = [1, 0] -> μ = 0.5, σ = 0.5 -> [1, -1]
    adv = trr_plus_plus_advantages([1, 0, 100], ["g"] * 3, keep=[True, True, False], eps=0.0)
    assert adv.tolist() == pytest.approx([1.0, -1.0, 0.0])


def test_vetoed_samples_get_zero_and_do_not_shift_their_peers_baseline():
    kept_only = trr_plus_plus_advantages([0.0, 0.5, 1.0], ["g"] * 3, eps=0.0)
    with_veto = trr_plus_plus_advantages([0.0, 0.5, 1.0, 1.0], ["g"] * 4, vetoed=[False, False, False, True], eps=0.0)
    assert with_veto[3].item() == 0.0
    assert with_veto[:3].tolist() == pytest.approx(kept_only.tolist())


def test_equal_rewards_give_zero_advantage_not_nan():
    adv = trr_plus_plus_advantages([-1.0, -1.0, -1.0], ["g"] * 3, eps=0.0)
    assert adv.tolist() == [0.0, 0.0, 0.0]


def test_token_weighted_whitening_matches_the_reference_formula():
    # Sample 1 (r=1) has 3 tokens, sample 2 (r=0) has 1 token: tokens = [1,1,1,0]
    # μ_tok = 0.75, Bessel var over 4 tokens = (3·0.0625 + 0.5625) / 3 = 0.25
    adv = trr_plus_plus_advantages([1.0, 0.0], ["g", "g"], lengths=[3, 1], whitening="token")
    assert adv.tolist() == pytest.approx([0.25 / math.sqrt(0.25 + 1e-8), -0.75 / math.sqrt(0.25 + 1e-8)], abs=1e-6)


def test_token_weighted_equals_sample_whitening_when_lengths_are_equal_up_to_bessel():
    r = [1.0, 0.0, 0.0, 1.0]
    token = trr_plus_plus_advantages(r, ["g"] * 4, lengths=[5] * 4, whitening="token")
    # 20 tokens: var = 20·0.25/19 -> A = ±0.5 / sqrt(5/19)
    assert token.tolist() == pytest.approx([0.5 / math.sqrt(5 / 19)] * 1 + [-0.5 / math.sqrt(5 / 19)] * 2
                                           + [0.5 / math.sqrt(5 / 19)], abs=1e-5)


def test_token_whitening_without_lengths_is_an_error():
    with pytest.raises(ValueError, match="lengths"):
        trr_plus_plus_advantages([1.0, 0.0], ["g", "g"], whitening="token")


def test_mismatched_mask_shape_is_an_error():
    with pytest.raises(ValueError):
        trr_plus_plus_advantages([1.0, 0.0], ["g", "g"], keep=[True])
    with pytest.raises(ValueError):
        trr_plus_plus_advantages([1.0, 0.0], ["g"])


def test_advantage_config_defaults_to_the_paper_formula():
    cfg = AdvantageConfig()
    assert cfg.whitening == "sample"
    with pytest.raises(ValueError):
        AdvantageConfig(whitening="batch")


def test_output_is_a_float_tensor_with_one_value_per_sample():
    adv = trr_plus_plus_advantages(torch.tensor([0.2, 0.4]), ["g", "g"])
    assert adv.dtype == torch.float32 and adv.shape == (2,)
