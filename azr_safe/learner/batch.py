"""Token tensors for the update: padding, and the policy's per-token logprobs on sampled completions."""

from __future__ import annotations

from typing import NamedTuple

import torch


class TokenBatch(NamedTuple):
    """Right-padded `prompt + completion` sequences of one micro-batch."""

    input_ids: torch.Tensor  # (B, W)
    attention_mask: torch.Tensor  # (B, W)
    positions: torch.Tensor  # (B, T) index in the sequence of the logits that predict completion token t
    targets: torch.Tensor  # (B, T) completion token ids (pad where masked)
    completion_mask: torch.Tensor  # (B, T) 1.0 on real completion tokens
    old_per_token_logps: torch.Tensor  # (B, T) behaviour policy log π_old(y_t), from generation


def make_batch(prompt_ids: list[list[int]], completion_ids: list[list[int]], behaviour_logps: list[list[float]],
               pad_id: int, device: torch.device | str = "cpu") -> TokenBatch:
    """Pad one micro-batch. Missing behaviour logprobs (a backend that gives none) are left as NaN and
    replaced by the current policy's detached logprobs in `policy_logps`, which makes the ratio 1."""
    b = len(prompt_ids)
    width = max(len(p) + len(c) for p, c in zip(prompt_ids, completion_ids))
    t = max(1, max(len(c) for c in completion_ids))
    input_ids = torch.full((b, width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((b, width), dtype=torch.long)
    positions = torch.zeros((b, t), dtype=torch.long)
    targets = torch.full((b, t), pad_id, dtype=torch.long)
    mask = torch.zeros((b, t))
    old = torch.full((b, t), float("nan"))
    for i, (p, c, lp) in enumerate(zip(prompt_ids, completion_ids, behaviour_logps)):
        if not p:
            raise ValueError("a sample has no prompt tokens; the first completion token cannot be scored")
        seq = p + c
        input_ids[i, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        attention_mask[i, : len(seq)] = 1
        n = len(c)
        positions[i, :n] = torch.arange(len(p) - 1, len(p) - 1 + n)
        targets[i, :n] = torch.tensor(c, dtype=torch.long)
        mask[i, :n] = 1.0
        if len(lp) == n and n:
            old[i, :n] = torch.tensor(lp, dtype=torch.float32)
    return TokenBatch(*(x.to(device) for x in (input_ids, attention_mask, positions, targets, mask, old)))


def policy_logps(model: torch.nn.Module, batch: TokenBatch, temperature: float, with_entropy: bool,
                 old_from: str = "recompute") -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
    """(per_token_logps, per_token_entropy or None, old_per_token_logps), each (B, T).

    Logits are divided by the sampling temperature (0 counts as 1). `old_from="recompute"` takes
    log π_old from this very forward pass (detached), as veRL's actor does: with one update per batch
    π_old = π_θ here, so ρ = 1 and the gradient is A·∇log π. `"behaviour"` uses the generator's
    logprobs, which are log μ of the *grammar-masked* distribution when generation is structured,
    so ρ = π/μ would be biased below 1 wherever the grammar forced a token.
    """
    scale = temperature if temperature > 0 else 1.0
    # Only the positions that predict completion tokens go through the LM head: with a 262k-token
    # vocabulary, logits for every prompt position would cost gigabytes.
    first = int(batch.positions[:, 0].min())
    last = int((batch.positions * (batch.completion_mask > 0)).max())
    keep = torch.arange(first, last + 1, device=batch.input_ids.device)
    logits = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask,
                   logits_to_keep=keep).logits  # (B, last - first + 1, V)
    idx = (batch.positions - first).clamp(min=0, max=last - first).unsqueeze(-1).expand(-1, -1, logits.size(-1))
    logits = torch.gather(logits, 1, idx).float() / scale  # (B, T, V): the rows that predict y_t
    logp_all = torch.log_softmax(logits, dim=-1)
    per_token_logps = logp_all.gather(-1, batch.targets.unsqueeze(-1)).squeeze(-1)  # (B, T)
    entropy = -(logp_all.exp() * logp_all).sum(-1) if with_entropy else None
    old = per_token_logps.detach()
    if old_from == "behaviour":
        old = torch.where(torch.isnan(batch.old_per_token_logps), old, batch.old_per_token_logps)
    return per_token_logps, entropy, old
