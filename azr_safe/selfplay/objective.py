"""The PPO-clipped policy-gradient objective AZR optimizes (paper §3.3.5), as pure torch functions.

    ratio_t  = exp(log π_θ(y_t) − log π_θ_old(y_t))
    L_clip   = −min(ratio_t · A, clip(ratio_t, 1 − ε_low, 1 + ε_high) · A)
    loss     = Σ_t mask_t · L_clip_t / Σ_t mask_t  −  c_H · Σ_t mask_t · H_t / Σ_t mask_t

The normalizer Σ mask counts every kept token of the whole batch (DAPO's token-level loss), so
long and short responses weigh per token. Dropped samples have mask 0: they add nothing to the sum
and nothing to the normalizer. There is no KL term by default (AZR uses none, and no reference model).
"""

from __future__ import annotations

import torch
from pydantic import BaseModel, ConfigDict, Field


class ObjectiveConfig(BaseModel):
    """Settings of the clipped policy-gradient loss. Defaults are the paper's."""

    model_config = ConfigDict(extra="forbid")

    clip_eps_low: float = Field(default=0.2, ge=0, description="ε: lower clip of the ratio, 1 − ε.")
    clip_eps_high: float = Field(default=0.2, ge=0, description="Upper clip, 1 + ε (DAPO's clip-higher if larger).")
    entropy_coef: float = Field(default=0.0, ge=0, description="c_H; the paper lists 0.001, 0 turns it off.")
    kl_coef: float = Field(default=0.0, ge=0, description="β for a k3 KL penalty to a reference; AZR uses 0.")


def token_logprobs(logits: torch.Tensor, token_ids: torch.Tensor) -> torch.Tensor:
    """log π(y_t) of the chosen tokens: logits (B, T, V), token_ids (B, T) -> (B, T).

    >>> logits = torch.log(torch.tensor([[[0.25, 0.75]]]))
    >>> round(token_logprobs(logits, torch.tensor([[1]])).exp().item(), 4)
    0.75
    """
    logprobs = torch.log_softmax(logits.float(), dim=-1)  # (B, T, V)
    return logprobs.gather(-1, token_ids.unsqueeze(-1)).squeeze(-1)  # (B, T)


def entropy_from_logits(logits: torch.Tensor) -> torch.Tensor:
    """H_t = −Σ_v p_v log p_v per position: (B, T, V) -> (B, T)."""
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    return -(logprobs.exp() * logprobs).sum(-1)


def policy_loss(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    config: ObjectiveConfig | None = None,
    entropy: torch.Tensor | None = None,
    ref_logprobs: torch.Tensor | None = None,
    normalizer: float | torch.Tensor | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """PPO-clipped loss with a DAPO token normalizer. Returns (loss, stats).

    Args:
        logprobs: (B, T) log π_θ of the completion tokens (requires grad).
        old_logprobs: (B, T) behaviour-policy log-probs from generation (no grad).
        advantages: (B,) TRR++ advantages, broadcast over tokens; vetoed samples carry 0.
        mask: (B, T) 1 for completion tokens to train on; rows of dropped samples are all 0.
        config: clip range, entropy and KL coefficients (paper defaults).
        entropy: (B, T) H_t, needed when `entropy_coef > 0`.
        ref_logprobs: (B, T) reference log-probs, needed when `kl_coef > 0`.
        normalizer: Σ mask over the *whole* batch when the batch is split into micro-batches
            for gradient accumulation; defaults to this call's Σ mask.

    >>> lp = torch.zeros(1, 2, requires_grad=True)
    >>> loss, stats = policy_loss(lp, torch.zeros(1, 2), torch.tensor([1.0]), torch.ones(1, 2))
    >>> loss.item(), stats["clip_frac"]
    (-1.0, 0.0)
    """
    config = config or ObjectiveConfig()
    mask = mask.to(logprobs.dtype)
    denom = mask.sum() if normalizer is None else torch.as_tensor(normalizer, dtype=logprobs.dtype)
    if float(denom) == 0.0:
        # Nothing to train on (every sample dropped): a zero that keeps the graph valid.
        return (logprobs * 0.0).sum(), {"clip_frac": 0.0, "approx_kl": 0.0, "ratio_mean": 1.0, "entropy": 0.0}

    A = advantages.to(logprobs.dtype).unsqueeze(-1)  # (B, 1)
    log_ratio = logprobs - old_logprobs.detach()  # (B, T)
    ratio = torch.exp(log_ratio)
    pg_loss1 = -A * ratio
    pg_loss2 = -A * torch.clamp(ratio, 1.0 - config.clip_eps_low, 1.0 + config.clip_eps_high)
    pg_loss = torch.max(pg_loss1, pg_loss2)  # (B, T)
    loss = (pg_loss * mask).sum() / denom

    if config.entropy_coef > 0:
        if entropy is None:
            raise ValueError("entropy_coef > 0 needs the per-token entropy")
        loss = loss - config.entropy_coef * (entropy * mask).sum() / denom
    if config.kl_coef > 0:
        if ref_logprobs is None:
            raise ValueError("kl_coef > 0 needs reference log-probs")
        loss = loss + config.kl_coef * (_k3_kl(logprobs, ref_logprobs) * mask).sum() / denom

    with torch.no_grad():
        n_tokens = mask.sum().clamp(min=1)
        stats = {
            "clip_frac": float(((pg_loss2 > pg_loss1).to(mask.dtype) * mask).sum() / n_tokens),
            # k3 estimator of KL(π_old || π_θ), http://joschu.net/blog/kl-approx.html
            "approx_kl": float(((torch.exp(-log_ratio) - 1 + log_ratio) * mask).sum() / n_tokens),
            "ratio_mean": float((ratio * mask).sum() / n_tokens),
            "entropy": float((entropy * mask).sum() / n_tokens) if entropy is not None else 0.0,
        }
    return loss, stats


def _k3_kl(logprobs: torch.Tensor, ref_logprobs: torch.Tensor) -> torch.Tensor:
    """Per-token k3 estimate of KL(π_θ || π_ref)."""
    log_ratio = ref_logprobs.detach() - logprobs
    return torch.exp(log_ratio) - log_ratio - 1
