"""Token-level helpers shared by the backends: prompt encoding and recomputed per-token logprobs.

Every backend encodes prompts the same way, so a sample's `prompt_ids` mean the same thing whichever
backend produced it, and the learner can recompute logprobs on exactly the tokens that were sampled.
"""

from __future__ import annotations

from typing import Any

import torch


def encode_prompt(tokenizer: Any, prompt: str) -> list[int]:
    """Token ids of `prompt`, with the special tokens (BOS) the tokenizer adds by itself."""
    return list(tokenizer(prompt, add_special_tokens=True)["input_ids"])


def encode_completion(tokenizer: Any, text: str, *, add_eos: bool) -> list[int]:
    """Token ids of a completion's text, ending in EOS when the completion stopped by itself."""
    ids = list(tokenizer(text, add_special_tokens=False)["input_ids"])
    eos = tokenizer.eos_token_id
    if add_eos and eos is not None:
        ids.append(int(eos))
    return ids


def pad_token_id(tokenizer: Any) -> int:
    """The id used to pad batches: the tokenizer's pad token, else its EOS."""
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    if pad is None:
        raise ValueError("the tokenizer has neither a pad token nor an EOS token")
    return int(pad)


@torch.no_grad()
def completion_logprobs(
    model: Any,
    prompt_ids: list[list[int]],
    completion_ids: list[list[int]],
    *,
    temperature: float = 1.0,
    pad_id: int = 0,
    batch_size: int = 8,
) -> list[list[float]]:
    """log π(y_t | x, y_<t) for every completion token, under `model` at `temperature` (0 counts as 1).

    Sequences are right-padded (positions stay 0-based, so no position ids are needed) and run in
    batches of `batch_size` to bound memory.
    """
    scale = temperature if temperature > 0 else 1.0
    device = next(model.parameters()).device
    out: list[list[float]] = []
    for start in range(0, len(prompt_ids), batch_size):
        chunk = list(zip(prompt_ids[start : start + batch_size], completion_ids[start : start + batch_size]))
        seqs = [p + c for p, c in chunk]
        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), pad_id, dtype=torch.long, device=device)
        mask = torch.zeros((len(seqs), width), dtype=torch.long, device=device)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
            mask[i, : len(s)] = 1
        logits = model(input_ids=ids, attention_mask=mask).logits.float() / scale  # (B, T, V)
        logp = torch.log_softmax(logits[:, :-1], dim=-1)  # predicts token t+1 from position t
        targets = ids[:, 1:].unsqueeze(-1)
        token_logp = logp.gather(-1, targets).squeeze(-1)  # (B, T-1)
        for i, (p, c) in enumerate(chunk):
            out.append(token_logp[i, len(p) - 1 : len(p) - 1 + len(c)].tolist())
    return out
