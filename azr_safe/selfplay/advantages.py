"""Task-Relative REINFORCE++ (TRR++, AZR paper §3.3.5, Eq. 8).

    A_norm(task, role) = (r − μ_(task, role)) / σ_(task, role)

μ and σ are taken separately over each of the six (task type, role) sub-batches. Two settings:

- `whitening="sample"` (default): μ, σ over the sub-batch's samples, population σ, plus ε.
  This is the paper's formula as written.
- `whitening="token"`: what the reference code computes. veRL's REINFORCE++ puts the outcome
  reward on every response token (γ = 1) and whitens over tokens, so μ and σ are token-weighted
  and σ² is Bessel-corrected over the tokens: A = (r − μ_tok) · rsqrt(σ²_tok + 1e-8).

Samples removed by the policy (`keep=False`, "drop") and vetoed samples (`vetoed=True`) do not
enter μ and σ. A vetoed sample's reward is the very thing the policy distrusts, so it must not
shift its peers' baseline; it gets A = 0 (it stays in the loss normalizer, contributing no
gradient). Dropped samples get A = 0 as well and the objective masks them out entirely.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Literal

import torch
from pydantic import BaseModel, ConfigDict, Field

Whitening = Literal["sample", "token"]


class AdvantageConfig(BaseModel):
    """How TRR++ normalizes rewards within each (task type, role) sub-batch."""

    model_config = ConfigDict(extra="forbid")

    whitening: Whitening = Field(
        default="sample",
        description="'sample': paper formula over samples; 'token': the reference's token-weighted whitening.",
    )
    eps: float = Field(default=1e-6, gt=0, description="ε added to σ in 'sample' whitening.")


def trr_plus_plus_advantages(
    rewards: torch.Tensor | Sequence[float],
    groups: Sequence[Hashable],
    *,
    keep: torch.Tensor | Sequence[bool] | None = None,
    vetoed: torch.Tensor | Sequence[bool] | None = None,
    lengths: torch.Tensor | Sequence[int] | None = None,
    whitening: Whitening = "sample",
    eps: float = 1e-6,
) -> torch.Tensor:
    """Per-sample TRR++ advantages, shape (B,); the learner broadcasts them over each sample's tokens.

    Args:
        rewards: (B,) composite rewards R(y).
        groups: B hashable keys, normally `(task_type, role)`; each key is normalized on its own.
        keep: (B,) False for samples dropped by the policy (default: all kept).
        vetoed: (B,) True for samples whose reward the policy vetoed (default: none).
        lengths: (B,) completion token counts; required for `whitening="token"`.
        whitening: "sample" (paper) or "token" (reference code).
        eps: ε for "sample" whitening.

    >>> trr_plus_plus_advantages([1.0, 0.0, 0.0, 1.0, 0.5], ["a", "a", "a", "a", "b"], eps=0.0).tolist()
    [1.0, -1.0, -1.0, 1.0, 0.0]
    """
    r = torch.as_tensor(rewards, dtype=torch.float64)
    batch = r.shape[0]
    if len(groups) != batch:
        raise ValueError(f"got {batch} rewards but {len(groups)} group keys")
    stats_mask = _bool_mask(keep, batch, default=True) & ~_bool_mask(vetoed, batch, default=False)
    if whitening == "token":
        if lengths is None:
            raise ValueError("whitening='token' needs the completion lengths")
        weights = torch.as_tensor(lengths, dtype=torch.float64)
    else:
        weights = torch.ones(batch, dtype=torch.float64)

    advantages = torch.zeros(batch, dtype=torch.float64)
    for key in dict.fromkeys(groups):  # first-seen order, deterministic
        in_group = torch.tensor([g == key for g in groups], dtype=torch.bool)
        members = in_group & stats_mask
        if not members.any():
            continue
        if whitening == "token":
            advantages[members] = _token_weighted_whiten(r[members], weights[members])
        else:
            advantages[members] = _sample_whiten(r[members], eps)
    return advantages.to(torch.float32)


def _sample_whiten(r: torch.Tensor, eps: float) -> torch.Tensor:
    """(r − μ) / (σ + ε) with population σ; equal rewards (or a singleton group) give 0."""
    mu = r.mean()
    sigma = r.std(unbiased=False)
    if sigma == 0:
        return torch.zeros_like(r)
    return (r - mu) / (sigma + eps)


def _token_weighted_whiten(r: torch.Tensor, n_tokens: torch.Tensor) -> torch.Tensor:
    """veRL's masked_whiten over tokens, where each sample's reward repeats on its n_tokens tokens."""
    total = n_tokens.sum()
    if total <= 1:  # veRL would divide by zero here; no spread means no signal
        return torch.zeros_like(r)
    mu_tok = (r * n_tokens).sum() / total
    var_tok = ((r - mu_tok) ** 2 * n_tokens).sum() / (total - 1)  # Bessel-corrected over tokens
    return (r - mu_tok) * torch.rsqrt(var_tok + 1e-8)


def _bool_mask(values: torch.Tensor | Sequence[bool] | None, batch: int, *, default: bool) -> torch.Tensor:
    if values is None:
        return torch.full((batch,), default, dtype=torch.bool)
    mask = torch.as_tensor(values, dtype=torch.bool)
    if mask.shape != (batch,):
        raise ValueError(f"mask has shape {tuple(mask.shape)}, expected ({batch},)")
    return mask
