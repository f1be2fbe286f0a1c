import math

import numpy as np
import pytest

from azr_safe.evaluation.metrics import (
    bootstrap_mean,
    mean_pass_at_k,
    paired_bootstrap_diff,
    pass_at_k,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (5, 0, 1, 0.0),
        (5, 5, 1, 1.0),
        (10, 3, 1, 0.3),
        (10, 3, 2, 24 / 45),  # 1 - C(7,2)/C(10,2) = 1 - 21/45
        (4, 1, 2, 0.5),  # 1 - C(3,2)/C(4,2) = 1 - 3/6
        (10, 3, 8, 1.0),  # n - c < k: every 8-subset holds a correct sample
        (1, 1, 1, 1.0),
    ],
)
def test_pass_at_k_matches_hand_computed_cases(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


def test_pass_at_k_product_form_agrees_with_exact_binomials_at_large_n():
    for n, c, k in [(200, 10, 100), (200, 1, 10), (100, 37, 5)]:
        exact = 1 - math.comb(n - c, k) / math.comb(n, k)
        assert pass_at_k(n, c, k) == pytest.approx(exact, rel=1e-9)


def test_mean_pass_at_k_averages_over_problems():
    assert mean_pass_at_k([(10, 3), (4, 1)], 2) == pytest.approx((24 / 45 + 0.5) / 2)


@pytest.mark.parametrize(("n", "c", "k"), [(5, 6, 1), (5, -1, 1), (5, 2, 0), (5, 2, 6)])
def test_pass_at_k_rejects_impossible_counts(n, c, k):
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)


def test_wilson_interval_matches_hand_computed_eight_of_ten():
    # p=0.8, z^2=3.8415: centre 0.99207/1.38415, half 1.96*sqrt(0.016+0.0096037)/1.38415
    est = wilson_interval(8, 10)
    assert est.estimate == 0.8
    assert est.low == pytest.approx(0.4902, abs=1e-4)
    assert est.high == pytest.approx(0.9433, abs=1e-4)


def test_wilson_interval_at_zero_successes_is_not_degenerate():
    est = wilson_interval(0, 10)
    assert est.low == 0.0
    assert est.high == pytest.approx(0.2775, abs=1e-4)


def test_wilson_interval_rejects_empty_trials():
    with pytest.raises(ValueError):
        wilson_interval(0, 0)


def test_bootstrap_of_constant_scores_has_zero_width():
    assert tuple(bootstrap_mean([1.0] * 7)) == (1.0, 1.0, 1.0)


def test_bootstrap_of_a_large_binary_sample_agrees_with_the_normal_interval():
    scores = [1.0] * 300 + [0.0] * 700
    est = bootstrap_mean(scores, seed=1)
    half = 1.96 * math.sqrt(0.3 * 0.7 / 1000)
    assert est.low == pytest.approx(0.3 - half, abs=0.01)
    assert est.high == pytest.approx(0.3 + half, abs=0.01)


def test_paired_bootstrap_matches_the_enumerated_distribution_of_a_small_case():
    # per-problem differences are [1, 0, 0, 0]; a resampled mean is (#ones)/4 with #ones ~ Bin(4, 1/4):
    # P(0) = 0.316 > 2.5%, so the low end is 0; P(>=3) = 0.051 > 2.5% > P(4) = 0.004, so the high end is 0.75
    est = paired_bootstrap_diff([0, 0, 1, 1], [1, 0, 1, 1], resamples=20_000, seed=3)
    assert est.estimate == pytest.approx(0.25)
    assert (est.low, est.high) == (0.0, 0.75)


def test_paired_bootstrap_of_a_uniform_shift_is_exact():
    before = np.linspace(0, 0.5, 20)
    est = paired_bootstrap_diff(before, before + 0.25)
    assert est.low == pytest.approx(0.25) and est.high == pytest.approx(0.25)


def test_paired_bootstrap_rejects_unequal_lengths():
    with pytest.raises(ValueError):
        paired_bootstrap_diff([1, 0], [1])
