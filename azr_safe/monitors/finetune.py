"""Fine-tune MiniLM's top transformer layer(s) and the stage-2 head together, reproducibly.

Only the top `tuned_layers` layers learn, so the layers below are run once per unique window and their
output cached (training then costs a forward+backward through the top layers only), and only the tuned
layers ship (`monitors/heads/*.safetensors`, ~7 MB per layer in float32) with their sha256 in the head JSON.

Reproducibility: fixed seed, `torch.use_deterministic_algorithms(True)`, a fixed thread count during
training, batches built by a seeded permutation over length-sorted buckets; weights are rounded to 1e-6
before hashing and saving, so the same corpus gives the same `delta_sha256`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from azr_safe.monitors.encoder import MiniLM, run_layers

TRAIN_THREADS = 2  # fixed: float sums depend on the thread split, and the hash must not


class FinetuneConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Head 2.2 defaults (2 layers, 2 epochs, lr 2e-4), chosen by leave-one-author-out validation (docs/monitors.md).
    tuned_layers: int = Field(default=2, ge=1, le=6, description="Top transformer layers that learn.")
    epochs: int = Field(default=2, ge=1, description="Passes over the unique training windows.")
    lr: float = Field(default=2e-4, gt=0, description="AdamW learning rate of the tuned layers.")
    head_lr: float = Field(default=3e-3, gt=0, description="AdamW learning rate of the linear heads.")
    batch_size: int = Field(default=64, ge=1, description="Windows per step (length-sorted buckets).")
    weight_decay: float = Field(default=0.01, ge=0, description="AdamW weight decay.")
    seed: int = Field(default=0, description="Seed of initialisation and batch order.")
    label_smoothing: float = Field(default=0.0, ge=0, lt=0.5,
                                   description="BCE targets become y(1-s) + s/2 (softer window labels).")
    bag_batch: int = Field(default=8, ge=1, description="Traces per multiple-instance (max-pool) step.")
    bag_weight: float = Field(default=1.0, ge=0, description="Weight of the max-pool loss of traces without "
                              "evidence spans, relative to one positive window.")
    bag_warmup_epochs: int = Field(default=1, ge=0, description="Epochs on evidence windows only before the "
                                   "max-pool loss starts (so a bag's max is already the likeliest window).")


class TunedWeights(BaseModel):
    """The result: the tuned layers' state (name -> array) and the two linear heads."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    layers: dict[str, np.ndarray]
    concerning_w: np.ndarray
    concerning_b: np.ndarray
    category_w: np.ndarray
    category_b: np.ndarray


def cache_lower(encoder: MiniLM, texts: list[str], tuned_layers: int, batch_size: int = 64) -> list[tuple]:
    """Hidden states entering the first tuned layer, per length-sorted batch: (indices, hidden, mask)."""
    torch = encoder.torch
    order = sorted(range(len(texts)), key=lambda i: (len(encoder.token_ids(texts[i])), i))
    out = []
    with torch.no_grad():  # not inference_mode: the cached tensors feed autograd later
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            enc = encoder.batch([texts[i] for i in idx])
            states = encoder.model(**enc, output_hidden_states=True).hidden_states
            out.append((np.array(idx), states[-1 - tuned_layers].clone(), enc["attention_mask"].clone()))
    return out


class Bag(BaseModel):
    """A concerning trace without evidence spans: at least one of its windows is concerning (which one is
    unknown), so it is trained through the max over its windows (multiple-instance learning)."""

    windows: list[int] = Field(description="Indices into the training texts.")
    category: int = Field(description="Category index of the trace.")


def finetune(encoder: MiniLM, texts: list[str], concerning: np.ndarray, category: np.ndarray,
             n_categories: int, cfg: FinetuneConfig, predict: list[str] | None = None,
             bags: list[Bag] | None = None, lower: list[tuple] | None = None) -> tuple[TunedWeights, np.ndarray]:
    """Train the top layers + heads on windows (category = -1 for negatives) with balanced BCE + CE.

    `concerning` is 1, 0, or -1 for a window whose label is unknown (it only appears in `bags`).
    Returns the weights and P(concerning) of the `predict` windows under the tuned model (validation).
    `lower`: `cache_lower(encoder, texts, cfg.tuned_layers, cfg.batch_size)` computed already (ensemble members
    share it: the frozen layers give the same states whatever the seed)."""
    import copy

    torch = encoder.torch
    prev_threads, prev_det = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(TRAIN_THREADS)
    torch.use_deterministic_algorithms(True)
    try:
        torch.manual_seed(cfg.seed)
        cached = lower if lower is not None else cache_lower(encoder, texts, cfg.tuned_layers, cfg.batch_size)
        top = torch.nn.ModuleList([copy.deepcopy(layer) for layer in encoder.layers()[-cfg.tuned_layers:]]).train()
        hidden = encoder.model.config.hidden_size
        conc_head, cat_head = torch.nn.Linear(hidden, 1), torch.nn.Linear(hidden, n_categories)
        opt = torch.optim.AdamW([
            {"params": top.parameters(), "lr": cfg.lr},
            {"params": [*conc_head.parameters(), *cat_head.parameters()], "lr": cfg.head_lr},
        ], weight_decay=cfg.weight_decay)
        y = torch.tensor(concerning, dtype=torch.float32)
        known = y >= 0
        target = y.clamp(min=0) * (1 - cfg.label_smoothing) + cfg.label_smoothing / 2
        cat = torch.tensor(category, dtype=torch.long)
        bags = bags or []
        pos_weight = (known.sum() - (y == 1).sum()) / ((y == 1).sum() + len(bags)).clamp(min=1.0)
        steps = [("windows", b) for b in range(len(cached)) if known[torch.from_numpy(cached[b][0])].any()]
        steps += [("bags", b) for b in range(0, len(bags), cfg.bag_batch)]
        where = {int(i): (b, r) for b, (idx, _, _) in enumerate(cached) for r, i in enumerate(idx)}
        rng = np.random.default_rng(cfg.seed)
        for epoch in range(cfg.epochs):
            for step in rng.permutation(len(steps)):
                kind, b = steps[step]
                if kind == "bags" and epoch < cfg.bag_warmup_epochs:
                    continue
                if kind == "windows":
                    idx, states, mask = cached[b]
                    pooled = _pool(torch, run_layers(top, states, mask), mask)
                    loss = _window_loss(torch, conc_head(pooled)[:, 0], target[idx], known[idx], pos_weight)
                    pos = cat[idx] >= 0
                    if pos.any():
                        loss = loss + torch.nn.functional.cross_entropy(cat_head(pooled[pos]), cat[idx][pos])
                else:
                    bce_sum, ce = _bag_loss(torch, top, conc_head, cat_head, cached, where,
                                            bags[b : b + cfg.bag_batch], 1 - cfg.label_smoothing / 2)
                    # a bag weighs like one positive window of a window batch
                    loss = bce_sum * pos_weight * cfg.bag_weight / cfg.batch_size + ce
                opt.zero_grad()
                loss.backward()
                opt.step()
        p_predict = _predict(encoder, top, conc_head, predict or [], cfg.tuned_layers)
        first = len(encoder.layers()) - cfg.tuned_layers
        layers = {f"encoder.layer.{first + n}.{k}": _r(v) for n, layer in enumerate(top)
                  for k, v in layer.state_dict().items()}
        return TunedWeights(layers=layers, concerning_w=_r(conc_head.weight), concerning_b=_r(conc_head.bias),
                            category_w=_r(cat_head.weight), category_b=_r(cat_head.bias)), p_predict
    finally:
        torch.use_deterministic_algorithms(prev_det)
        torch.set_num_threads(prev_threads)


def _window_loss(torch, logits, target, known, pos_weight):  # noqa: ANN001, ANN202
    """Class-balanced BCE over the windows whose label is known (unknown ones only count through bags)."""
    per_row = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, pos_weight=pos_weight,
                                                                   reduction="none")
    return (per_row * known).sum() / known.sum().clamp(min=1)


def _bag_loss(torch, top, conc_head, cat_head, cached, where, bags: list[Bag], target: float):  # noqa: ANN001, ANN202
    """Max-pool MIL: the highest-scoring window of each evidence-less concerning trace should be concerning
    (BCE on the max logit; summed over bags) and carry the trace's category (cross-entropy; mean)."""
    rows = [where[i] for bag in bags for i in bag.windows]
    lengths = [int(cached[b][2][r].sum()) for b, r in rows]
    width = max(lengths)
    states = torch.zeros((len(rows), width, cached[0][1].shape[-1]))
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for n, ((b, r), length) in enumerate(zip(rows, lengths, strict=True)):
        states[n, :length] = cached[b][1][r, :length]
        mask[n, :length] = 1
    pooled = _pool(torch, run_layers(top, states, mask), mask)
    logits = conc_head(pooled)[:, 0]
    bce, best_rows, first = 0.0, [], 0
    for bag in bags:
        best = first + int(torch.argmax(logits[first : first + len(bag.windows)]))
        bce = bce + torch.nn.functional.binary_cross_entropy_with_logits(logits[best], torch.tensor(target))
        best_rows.append(best)
        first += len(bag.windows)
    ce = torch.nn.functional.cross_entropy(cat_head(pooled[best_rows]), torch.tensor([b.category for b in bags]))
    return bce, ce


def _predict(encoder: MiniLM, top, head, texts: list[str], tuned_layers: int) -> np.ndarray:  # noqa: ANN001
    torch = encoder.torch
    out = np.zeros(len(texts))
    if not texts:
        return out
    top.eval()
    with torch.inference_mode():
        for idx, states, mask in cache_lower(encoder, texts, tuned_layers):
            out[idx] = torch.sigmoid(head(_pool(torch, run_layers(top, states, mask), mask))[:, 0]).numpy()
    return out


def _pool(torch, hidden, mask):  # noqa: ANN001, ANN202
    """Mean-pool over real tokens, L2-normalise (the sentence-transformers embedding)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def _r(t) -> np.ndarray:  # noqa: ANN001
    return np.round(t.detach().numpy().astype(np.float64), 6).astype(np.float32)


def save_delta(layers: dict[str, np.ndarray], path: Path) -> str:
    """Write the tuned layers as safetensors (sorted keys, atomic) and return the file's sha256."""
    from safetensors.numpy import save

    blob = save({k: np.ascontiguousarray(layers[k]) for k in sorted(layers)}, metadata={"format": "np"})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(blob)
    tmp.replace(path)
    return hashlib.sha256(blob).hexdigest()


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
