"""`HFGenerator`: batched sampling with transformers `generate`, on CPU or GPU.

Behaviour logprobs are taken from the *processed* scores each token was actually sampled from:
grammar mask, then temperature, then top-p, recorded by the last logits processor. They are exactly
log μ(y_t | x, y_<t) of the behaviour policy μ. Under the grammar μ differs from the model's own
π (masked tokens get their mass renormalised), so a learner that wants π's logprobs recomputes them
(`tokens.completion_logprobs`); with no grammar, temperature 1 and top_p 1 the two agree.
Greedy rows (temperature 0) record the logprob under the masked, untempered distribution.

Sampling warpers are applied by our own processors, not by `generate`, because `generate` runs user
processors *before* its warpers and the recorder must see the final distribution. The model's own
generation defaults (Gemma ships top_k=64, top_p=0.95) are therefore overridden explicitly.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import torch
from transformers import LogitsProcessor, LogitsProcessorList, TemperatureLogitsWarper, TopPLogitsWarper

from azr_safe.generation.base import Generation, GenerationRequest
from azr_safe.generation.grammar import GrammarConfig
from azr_safe.generation.grammar_hf import GrammarCompiler, GrammarLogitsProcessor
from azr_safe.generation.tokens import encode_prompt, pad_token_id
from azr_safe.selfplay.formats import THINK_TAG


class _LogprobRecorder(LogitsProcessor):
    """Keeps log-softmax of the final scores; the next call (or `finish`) reads the sampled token's."""

    def __init__(self) -> None:
        self.last: torch.Tensor | None = None
        self.logprobs: list[torch.Tensor] = []  # one (B,) tensor per generated position

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self.last is not None:
            self._record(input_ids[:, -1])
        self.last = torch.log_softmax(scores.float(), dim=-1)
        return scores

    def _record(self, tokens: torch.Tensor) -> None:
        assert self.last is not None
        self.logprobs.append(self.last.gather(-1, tokens.unsqueeze(-1).to(self.last.device)).squeeze(-1).cpu())

    def finish(self, sequences: torch.Tensor) -> torch.Tensor:
        """(B, new_tokens) logprobs of the generated tokens."""
        if self.last is not None:
            self._record(sequences[:, -1])
            self.last = None
        if not self.logprobs:
            return torch.zeros((sequences.shape[0], 0))
        return torch.stack(self.logprobs, dim=1)


class _Row:
    """One completion to produce: a request's prompt repeated once per sample."""

    __slots__ = ("request_index", "prompt_ids", "grammar_key")

    def __init__(self, request_index: int, prompt_ids: list[int], grammar_key: Any) -> None:
        self.request_index = request_index
        self.prompt_ids = prompt_ids
        self.grammar_key = grammar_key


class HFGenerator:
    """Samples with `model.generate`. `structured=True` forces each request's `fmt` with the grammar."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        structured: bool = True,
        grammar: GrammarConfig | None = None,
        top_p: float = 1.0,
        batch_size: int = 16,
    ) -> None:
        if not 0.0 < top_p <= 1.0:
            raise ValueError(f"top_p must be in (0, 1], not {top_p}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, not {batch_size}")
        self.model = model
        self.tokenizer = tokenizer
        self.structured = structured
        self.top_p = top_p
        self.batch_size = batch_size
        self.pad_id = pad_token_id(tokenizer)
        vocab_size = model.get_output_embeddings().weight.shape[0]
        self.compiler = GrammarCompiler(tokenizer, vocab_size, grammar) if structured else None
        self.eos_ids = self._eos_ids()
        self.last_forced_closings = 0  # closing tags forced by budget in the last call (a metric)

    def _eos_ids(self) -> list[int]:
        ids = {int(self.tokenizer.eos_token_id)} if self.tokenizer.eos_token_id is not None else set()
        configured = self.model.generation_config.eos_token_id
        ids |= set([configured] if isinstance(configured, int) else configured or [])
        if self.compiler is not None:  # the grammar ends only on these: generate must stop on them too
            ids |= set(self.compiler.stop_token_ids)
        if not ids:
            raise ValueError("neither the tokenizer nor the model defines an end-of-sequence token")
        return sorted(ids)

    def sync_weights(self, model: Any) -> None:
        """Generation runs on the learner's own module, so only a different object needs swapping in."""
        self.model = model

    def generate(self, requests: list[GenerationRequest]) -> list[list[Generation]]:
        """Return, for each request, its `n` completions in order."""
        groups: dict[tuple[float, int], list[_Row]] = defaultdict(list)
        for index, req in enumerate(requests):
            prompt_ids = encode_prompt(self.tokenizer, req.prompt)
            key = None
            if self.structured and req.fmt is not None:
                key = (tuple(req.fmt), req.prompt.rstrip().endswith(f"<{THINK_TAG}>"))
            groups[(req.temperature, req.max_new_tokens)].extend(
                _Row(index, prompt_ids, key) for _ in range(req.n)
            )
        results: list[list[Generation]] = [[] for _ in requests]
        self.last_forced_closings = 0
        was_training = self.model.training
        self.model.eval()  # no dropout while sampling, even when the learner shares this module
        try:
            for (temperature, max_new_tokens), rows in groups.items():
                for start in range(0, len(rows), self.batch_size):
                    chunk = rows[start : start + self.batch_size]
                    for row, generation in zip(chunk, self._generate_batch(chunk, temperature, max_new_tokens)):
                        results[row.request_index].append(generation)
        finally:
            self.model.train(was_training)
        return results

    @torch.no_grad()
    def _generate_batch(self, rows: list[_Row], temperature: float, max_new_tokens: int) -> list[Generation]:
        device = next(self.model.parameters()).device
        width = max(len(r.prompt_ids) for r in rows)
        input_ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):  # left padding, so every row continues at the same position
            input_ids[i, width - len(row.prompt_ids) :] = torch.tensor(row.prompt_ids)
            attention_mask[i, width - len(row.prompt_ids) :] = 1
        processors, grammar, recorder = self._processors(rows, temperature, max_new_tokens)
        sequences = self.model.generate(
            input_ids=input_ids.to(device),
            attention_mask=attention_mask.to(device),
            logits_processor=processors,
            **self._sampling_flags(temperature),
            max_new_tokens=max_new_tokens,
            eos_token_id=self.eos_ids,
            pad_token_id=self.pad_id,
        )
        new_tokens = sequences[:, width:].cpu()
        logprobs = recorder.finish(sequences)
        if grammar is not None:
            self.last_forced_closings += grammar.forced_closings
        return [self._to_generation(row, new_tokens[i], logprobs[i]) for i, row in enumerate(rows)]

    @staticmethod
    def _sampling_flags(temperature: float) -> dict[str, Any]:
        """Switch off generate's own warpers (ours run instead) and the model's shipped defaults."""
        if temperature == 0:
            return {"do_sample": False, "repetition_penalty": 1.0}
        return {"do_sample": True, "temperature": 1.0, "top_k": 0, "top_p": 1.0, "min_p": None,
                "repetition_penalty": 1.0}

    def _processors(
        self, rows: list[_Row], temperature: float, max_new_tokens: int
    ) -> tuple[LogitsProcessorList, GrammarLogitsProcessor | None, _LogprobRecorder]:
        processors = LogitsProcessorList()
        grammar = None
        if self.compiler is not None and any(r.grammar_key is not None for r in rows):
            grammar = GrammarLogitsProcessor(
                self.compiler, [r.grammar_key for r in rows], max_new_tokens=max_new_tokens
            )
            processors.append(grammar)
        if temperature > 0:
            if temperature != 1.0:
                processors.append(TemperatureLogitsWarper(temperature))
            if self.top_p < 1.0:
                processors.append(TopPLogitsWarper(self.top_p))
        recorder = _LogprobRecorder()
        processors.append(recorder)
        return processors, grammar, recorder

    def _to_generation(self, row: _Row, new_tokens: torch.Tensor, logprobs: torch.Tensor) -> Generation:
        tokens = new_tokens.tolist()
        end = next((t for t, tok in enumerate(tokens) if tok in self.eos_ids), None)
        finish_reason = "length" if end is None else "stop"
        completion = tokens if end is None else tokens[: end + 1]  # keep the EOS: the learner trains on it
        text_ids = completion if end is None else completion[:-1]
        return Generation(
            text=self.tokenizer.decode(text_ids, skip_special_tokens=False),
            prompt_ids=row.prompt_ids,
            completion_ids=completion,
            logprobs=logprobs[: len(completion)].tolist(),
            finish_reason=finish_reason,
        )
