"""The grammar on transformers: compile per tokenizer, mask per batch row, force closings on budget.

Budget forcing: tiny models ramble, and a response cut off by `max_new_tokens` is malformed. So once
the reasoning has used `think_max_tokens`, or fewer than `answer_reserve_tokens` (at most half the
budget) tokens remain, the processor forces the tokens of "</think>"; once an answer block has used
`block_max_tokens` (`input_max_tokens` for an <input> block), or only its closing tag and EOS still
fit, it forces that block's closing tag. Forced tokens are sampled from a one-token distribution, so their behaviour
logprob is 0. If the grammar forbids the forced token at that point (right after a lone "<", or in a
still-blank block), the model goes on for a token and forcing retries.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import torch
from transformers import LogitsProcessor

from azr_safe.generation.grammar import Fmt, GrammarConfig, build_ebnf
from azr_safe.selfplay.formats import ANSWER_BLOCKS, THINK_TAG

_ALL_TAGS = sorted({spec.rstrip("*") for specs in ANSWER_BLOCKS.values() for spec in specs})
_OPENER = re.compile("<(" + "|".join(_ALL_TAGS) + ")>")


class GrammarCompiler:
    """Compiles and caches the grammar of each (format, think_opened) for one tokenizer."""

    def __init__(self, tokenizer: Any, vocab_size: int, config: GrammarConfig | None = None) -> None:
        import xgrammar as xgr

        self.config = config or GrammarConfig()
        self.tokenizer = tokenizer
        self.vocab_size = vocab_size
        self._info = xgr.TokenizerInfo.from_huggingface(tokenizer, vocab_size=vocab_size)
        self._compiler = xgr.GrammarCompiler(self._info)
        self._compiled: dict[tuple[Fmt, bool], Any] = {}
        self._closing_ids: dict[str, list[int]] = {}

    @property
    def stop_token_ids(self) -> list[int]:
        """Tokens the grammar ends on (the tokenizer's end-of-sequence tokens, as xgrammar found them)."""
        return [int(t) for t in self._info.stop_token_ids]

    def compiled(self, fmt: Fmt, think_opened: bool = False) -> Any:
        key = (fmt, think_opened)
        if key not in self._compiled:
            self._compiled[key] = self._compiler.compile_grammar(
                build_ebnf(fmt, self.config, think_opened=think_opened)
            )
        return self._compiled[key]

    def closing_ids(self, tag: str) -> list[int]:
        """Token ids of `</tag>`."""
        if tag not in self._closing_ids:
            self._closing_ids[tag] = list(self.tokenizer(f"</{tag}>", add_special_tokens=False)["input_ids"])
        return self._closing_ids[tag]


def open_region(text: str) -> tuple[str, int] | None:
    """The region a partial response is in: (THINK_TAG, 0) inside the reasoning, (tag, start offset)
    inside an answer block, None between blocks."""
    close = f"</{THINK_TAG}>"
    think_end = text.find(close)
    if think_end == -1:
        return THINK_TAG, 0
    last = None
    for match in _OPENER.finditer(text, think_end + len(close)):
        last = match
    if last is None or f"</{last.group(1)}>" in text[last.end() :]:
        return None
    return last.group(1), last.end()


class GrammarLogitsProcessor(LogitsProcessor):
    """Masks each row's logits to what its grammar allows, and forces closing tags when a budget runs
    out. Rows with no grammar (`None`) pass through. Use one instance per `generate` call."""

    def __init__(
        self,
        compiler: GrammarCompiler,
        row_formats: Sequence[tuple[Fmt, bool] | None],
        *,
        max_new_tokens: int,
    ) -> None:
        import xgrammar as xgr

        self._xgr = xgr
        self.compiler = compiler
        self.max_new_tokens = max_new_tokens
        self.matchers = [None if f is None else xgr.GrammarMatcher(compiler.compiled(*f)) for f in row_formats]
        self.bitmask = xgr.allocate_token_bitmask(len(row_formats), compiler.vocab_size)
        self.prompt_len: int | None = None
        self.forcing: list[list[int]] = [[] for _ in row_formats]
        self.region_start: list[tuple[Any, int]] = [(None, 0) for _ in row_formats]  # (region, first step)
        self.forced_closings = 0  # how many closing tags were forced in this call (for metrics)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self.prompt_len is None:
            self.prompt_len = input_ids.shape[1]
        else:
            self._accept_last(input_ids)
        step = input_ids.shape[1] - self.prompt_len
        active = [i for i, m in enumerate(self.matchers) if m is not None and not m.is_terminated()]
        if not active:
            return scores
        for i in active:
            self.matchers[i].fill_next_token_bitmask(self.bitmask, i)
        rows = torch.tensor(active, dtype=torch.long)
        sub = scores[rows].to("cpu", torch.float32)
        self._xgr.apply_token_bitmask_inplace(sub, self.bitmask[rows])
        for j, i in enumerate(active):
            self._force_if_over_budget(i, sub[j], input_ids[i], step)
        scores = scores.clone()
        scores[rows.to(scores.device)] = sub.to(scores.device, scores.dtype)
        return scores

    def _accept_last(self, input_ids: torch.LongTensor) -> None:
        for i, matcher in enumerate(self.matchers):
            if matcher is None or matcher.is_terminated():
                continue
            token = int(input_ids[i, -1])
            if not matcher.accept_token(token):  # cannot happen when the mask was applied
                raise RuntimeError(f"row {i}: sampled token {token} that the grammar forbids")
            if self.forcing[i] and self.forcing[i][0] == token:
                self.forcing[i].pop(0)

    def _force_if_over_budget(self, i: int, row_scores: torch.Tensor, ids: torch.LongTensor, step: int) -> None:
        if not self.forcing[i]:
            self.forcing[i] = self._closing_due(i, ids, step)
            if self.forcing[i]:
                self.forced_closings += 1
        if not self.forcing[i]:
            return
        token = self.forcing[i][0]
        if not torch.isfinite(row_scores[token]):  # the grammar forbids it here: let the model go on
            self.forcing[i] = []
            return
        keep = row_scores[token].clone()
        row_scores.fill_(float("-inf"))
        row_scores[token] = keep

    def _closing_due(self, i: int, ids: torch.LongTensor, step: int) -> list[int]:
        cfg = self.compiler.config
        text = self.compiler.tokenizer.decode(ids[self.prompt_len :].tolist(), skip_special_tokens=True)
        region = open_region(text)
        if region is None:
            return []
        if region != self.region_start[i][0]:
            self.region_start[i] = (region, step)
        used = step - self.region_start[i][1]
        closing = self.compiler.closing_ids(region[0])
        remaining = self.max_new_tokens - step
        if region[0] == THINK_TAG:
            # The reserve never takes more than half the budget: a short solve budget keeps its reasoning.
            reserve = min(cfg.answer_reserve_tokens, self.max_new_tokens // 2)
            due = step >= cfg.think_max_tokens or remaining <= reserve
        else:  # or when only the closing tag and EOS still fit: the last block then always ends
            budget = cfg.input_max_tokens if region[0] == "input" else cfg.block_max_tokens
            due = used >= budget or remaining <= len(closing) + 1
        return list(closing) if due else []
