"""The PPO-clipped objective: clipping, token masking, the DAPO normalizer and zero-gradient samples."""

import pytest
import torch

from azr_safe.selfplay.objective import ObjectiveConfig, entropy_from_logits, policy_loss, token_logprobs


def test_on_policy_loss_is_minus_mean_advantage_over_kept_tokens():
    lp = torch.zeros(2, 3, requires_grad=True)
    mask = torch.tensor([[1, 1, 0], [1, 0, 0]])
    loss, _ = policy_loss(lp, torch.zeros(2, 3), torch.tensor([1.0, -2.0]), mask)
    # tokens: A = 1, 1, -2 -> −(1 + 1 − 2) / 3 = 0
    assert loss.item() == pytest.approx(0.0)
    loss.backward()
    # d/dlp of −A·ratio at ratio 1 is −A / Σmask
    assert lp.grad.flatten().tolist() == pytest.approx([-1 / 3, -1 / 3, 0.0, 2 / 3, 0.0, 0.0])


def test_ratio_is_clipped_at_one_plus_epsilon_for_positive_advantages():
    old = torch.zeros(1, 1)
    lp = torch.full((1, 1), 0.5, requires_grad=True)  # ratio = e^0.5 ≈ 1.65 > 1.2
    loss, stats = policy_loss(lp, old, torch.tensor([1.0]), torch.ones(1, 1))
    assert loss.item() == pytest.approx(-1.2)
    assert stats["clip_frac"] == 1.0
    loss.backward()
    assert lp.grad.item() == 0.0  # clipped: no gradient pushes the ratio further


def test_negative_advantage_is_not_clipped_when_ratio_grows():
    lp = torch.full((1, 1), 0.5, requires_grad=True)
    loss, _ = policy_loss(lp, torch.zeros(1, 1), torch.tensor([-1.0]), torch.ones(1, 1))
    assert loss.item() == pytest.approx(torch.exp(torch.tensor(0.5)).item())  # max(−A·r, −A·clip) = r


def test_vetoed_sample_contributes_zero_gradient_but_counts_in_the_normalizer():
    lp = torch.zeros(2, 2, requires_grad=True)
    loss, _ = policy_loss(lp, torch.zeros(2, 2), torch.tensor([1.0, 0.0]), torch.ones(2, 2))
    loss.backward()
    assert lp.grad[1].tolist() == [0.0, 0.0]
    assert lp.grad[0].tolist() == pytest.approx([-0.25, -0.25])  # normalizer is 4 tokens


def test_dropped_sample_adds_nothing_to_the_loss_or_the_normalizer():
    lp = torch.zeros(2, 2, requires_grad=True)
    mask = torch.tensor([[1, 1], [0, 0]])  # second sample dropped
    loss, _ = policy_loss(lp, torch.zeros(2, 2), torch.tensor([1.0, 5.0]), mask)
    loss.backward()
    assert lp.grad[1].tolist() == [0.0, 0.0]
    assert lp.grad[0].tolist() == pytest.approx([-0.5, -0.5])


def test_explicit_normalizer_makes_micro_batches_sum_to_the_full_batch_loss():
    torch.manual_seed(0)
    lp, old = torch.randn(4, 5), torch.randn(4, 5)
    adv, mask = torch.randn(4), (torch.rand(4, 5) > 0.3).int()
    full, _ = policy_loss(lp, old, adv, mask)
    n = mask.sum()
    parts = [policy_loss(lp[i : i + 2], old[i : i + 2], adv[i : i + 2], mask[i : i + 2], normalizer=n)[0]
             for i in (0, 2)]
    assert (parts[0] + parts[1]).item() == pytest.approx(full.item(), abs=1e-6)


def test_everything_dropped_gives_a_differentiable_zero():
    lp = torch.zeros(1, 2, requires_grad=True)
    loss, _ = policy_loss(lp, torch.zeros(1, 2), torch.tensor([1.0]), torch.zeros(1, 2))
    loss.backward()
    assert loss.item() == 0.0 and lp.grad.abs().sum().item() == 0.0


def test_entropy_bonus_lowers_the_loss_and_needs_the_entropy():
    lp = torch.zeros(1, 2, requires_grad=True)
    cfg = ObjectiveConfig(entropy_coef=0.1)
    loss, _ = policy_loss(lp, torch.zeros(1, 2), torch.tensor([0.0]), torch.ones(1, 2), config=cfg,
                          entropy=torch.full((1, 2), 2.0))
    assert loss.item() == pytest.approx(-0.2)
    with pytest.raises(ValueError, match="entropy"):
        policy_loss(lp, torch.zeros(1, 2), torch.tensor([0.0]), torch.ones(1, 2), config=cfg)


def test_no_kl_by_default_and_kl_needs_reference_logprobs():
    assert ObjectiveConfig().kl_coef == 0.0
    with pytest.raises(ValueError, match="reference"):
        policy_loss(torch.zeros(1, 1), torch.zeros(1, 1), torch.tensor([1.0]), torch.ones(1, 1),
                    config=ObjectiveConfig(kl_coef=0.1))


def test_token_logprobs_and_entropy_of_a_uniform_distribution():
    logits = torch.zeros(1, 1, 4)
    assert token_logprobs(logits, torch.tensor([[2]])).item() == pytest.approx(-torch.log(torch.tensor(4.0)).item())
    assert entropy_from_logits(logits).item() == pytest.approx(torch.log(torch.tensor(4.0)).item())
