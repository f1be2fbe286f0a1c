"""Leave-one-author-out (LOAO) validation of the reasoning classifier: the model-selection criterion.

An in-distribution split rewards learning one author's wording; what matters is how the head does on
text by someone it never saw. For each author A, a head is trained on the template corpus T plus every
other author, then scored on A with the shipped inference path (gate, window budget, bf16 where native):
recall at FPR <= 0.05 for the classifier alone and with the patterns monitor (a pattern hit ranks above
every classifier score). The held-out benign scores of all authors, pooled, also give the raw threshold
at `threshold_fpr` (the shipped head's threshold: a far better estimate of the FPR on a new author than
the in-distribution split's).

    .venv/bin/python -m azr_safe.monitors.loao                    # head 2.8's three folds over 46 authors
    .venv/bin/python -m azr_safe.monitors.loao --authors V2,V3,B,C,D,E   # one author per fold (~15 min each)
    .venv/bin/python -m azr_safe.monitors.loao --authors V2,B --epochs 2 --json out.json   # a cheaper screen
    .venv/bin/python -m azr_safe.monitors.loao --merge f1.json f2.json --json all.json   # folds run one per process
    .venv/bin/python -m azr_safe.monitors.loao --merge all.json --restack --json new.json  # patterns changed since
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from azr_safe.monitors.base import monitors_dir
from azr_safe.monitors.corpus import LabeledTrace, load_labeled
from azr_safe.monitors.finetune import FinetuneConfig
from azr_safe.monitors.classifier import SHIPPED_SCORING, replay_scores
from azr_safe.monitors.head import TraceScoring
from azr_safe.monitors.train import TrainConfig, author_files, save_head, train_head

PLACEHOLDER_THRESHOLD = 0.5  # LOAO heads are trained on all their traces; scoring reads raw probabilities


# The folds of head 2.9's run (monitors/heads/loao_2.9.json): H and V1 always trained on, every other author
# held out with sixteen or seventeen others, so that 53 authors cost three trainings, not 53. Heads 2.5 to 2.7 used
# four folds; 2.8 moved to three because four (~2 h 15 min) no longer fit a session beside the final training,
# and 2.9 adds V10 and AO to AT to 2.8's folds. Each LOAO head so trains on about two-thirds of the other authors
# instead of three-quarters: figures lean pessimistic. Head 2.9's run (42 min per fold) finished the first two
# folds only; the third (17 authors) is still to run (--authors "<third fold>", then --merge all three).
SHIPPED_FOLDS = ("V3+E+I+L+V4+P+T+A+AD+AE+AI+AL+D+V2+O+V5+AO+AR", "F+B+J+M+Q+U+V7+Y+AB+AF+AJ+AM+S+R+X+AP+AS+V10",
                 "G+C+K+N+V6+W+Z+AC+V8+AG+AN+AA+AH+AK+V9+AQ+AT")


def template_file() -> Path:
    return monitors_dir() / "corpus" / "train.jsonl"


class LoaoConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    authors: list[str] = Field(default_factory=lambda: list(SHIPPED_FOLDS),
                               description="Folds to hold out in turn: keys of author_files(), or "
                                           "several keys joined by '+' held out together.")
    finetune: FinetuneConfig = Field(default_factory=FinetuneConfig, description="Settings of every LOAO head.")
    c: float = Field(default=16.0, gt=0, description="Inverse L2 strength of the gate's logistic regression.")
    max_fpr: float = Field(default=0.05, gt=0, lt=1, description="FPR bound of the recall figure.")
    threshold_fpr: float = Field(default=0.03, gt=0, lt=1,
                                 description="Pooled held-out benign FPR at which the shipped threshold is set.")
    workdir: Path = Field(default=Path("/tmp/azr-loao"), description="Where the LOAO heads are written.")
    scoring: TraceScoring = Field(default_factory=lambda: SHIPPED_SCORING,
                                  description="The trace-scoring rule of the LOAO heads, and so of the threshold.")
    member_seeds: list[int] = Field(default_factory=list, description="Ensemble members of every LOAO head "
                                    "(TrainConfig.member_seeds): each one more fine-tuning per fold.")
    member_finetunes: list[FinetuneConfig] = Field(default_factory=list,
                                                   description="More members with their own settings "
                                                               "(TrainConfig.member_finetunes).")


class AuthorResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    author: str
    traces: int
    concerning: int
    classifier_recall: float = Field(description="Best classifier recall at FPR <= max_fpr on this author.")
    stack_recall: float = Field(description="Same for patterns + classifier.")
    stack_recall_per_category: dict[str, float] = Field(description="Recall per category at that operating point.")
    all_windows_recall: float = Field(description="Classifier recall at FPR <= max_fpr with every window encoded "
                                      "(no gate, no window budget): what the gate and budget cost.")
    seconds: float
    scores: list[float] = Field(description="Raw classifier P(concerning) per trace (file order).")
    pattern_hits: list[bool]
    labels: list[bool]


class LoaoReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    results: list[AuthorResult]
    mean_classifier_recall: float
    worst_classifier_recall: float
    mean_stack_recall: float
    worst_stack_recall: float
    threshold: float = Field(description="Raw threshold at threshold_fpr on the pooled held-out benign traces.")
    recall_at_threshold: dict[str, float] = Field(description="Per author: classifier+patterns recall there.")
    fpr_at_threshold: dict[str, float] = Field(description="Per author: classifier+patterns FPR there.")
    scoring: TraceScoring = Field(default_factory=TraceScoring, description="The LOAO heads' trace-scoring rule: "
                                  "the scores and the threshold hold for it (reports before head 2.9: the max).")
    settings: dict


def recall_at_fpr(scores: np.ndarray, truth: np.ndarray, max_fpr: float) -> tuple[float, float]:
    """Best recall with FPR <= max_fpr over thresholds of `scores`; returns (recall, threshold)."""
    neg = np.sort(scores[~truth])[::-1]
    allowed = int(np.floor(max_fpr * len(neg)))
    threshold = float(np.nextafter(neg[allowed], np.inf)) if allowed < len(neg) else -np.inf
    return float((scores[truth] >= threshold).mean()), threshold


def stack_scores(raw: np.ndarray, hits: np.ndarray) -> np.ndarray:
    """Patterns + classifier as one ranking: a pattern hit outranks every classifier score."""
    return np.where(hits, 2.0, raw)


def _score_author(head_path: Path, traces: list[LabeledTrace],
                  windows_out: Path | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw scores with the shipped inference path, with every window encoded, and pattern flags. With
    windows_out, also save every window's gate and concerning probability there, in the cache format of
    benchmarks/bench_window_budget.py, so that other window budgets can be replayed without encoding."""
    from azr_safe.monitors.classifier import ReasoningClassifier
    from azr_safe.monitors.head import sigmoid

    texts = [t.text for t in traces]
    raw = np.array([s.scores["concerning"] for s in ReasoningClassifier(head_path=head_path).score_texts(texts)])
    every_clf = ReasoningClassifier(head_path=head_path, gate=False)
    every_scores = every_clf.score_texts(texts)
    if windows_out is not None:
        flat = [(i, w) for i, s in enumerate(every_scores) for w in s.windows]
        window_texts = [texts[i][w.start:w.end] for i, w in flat]
        gate = sigmoid(every_clf.head.gate.logits(every_clf.encoder.static(window_texts))[:, 0]) if flat else []
        np.savez(windows_out, trace=np.array([i for i, _ in flat], dtype=int), gate=np.asarray(gate),
                 concerning=np.array([w.concerning for _, w in flat]), gate_threshold=every_clf.head.gate_threshold,
                 labels=np.array([t.label == "concerning" for t in traces]),
                 head_sha256=every_clf.head.weights_sha256)
    every = np.array([s.scores["concerning"] for s in every_scores])
    return raw, every, pattern_flags(traces)


def pattern_flags(traces: list[LabeledTrace]) -> np.ndarray:
    """Whether the patterns monitor, as it is now, flags each trace."""
    from azr_safe.monitors.patterns import ReasoningPatternMonitor
    from azr_safe.monitors.scoring import trace_sample

    patterns = ReasoningPatternMonitor()
    return np.array([patterns.check(trace_sample(i, t.text, t.role, t.task_type)).flagged
                     for i, t in enumerate(traces)], dtype=bool)


def hold_out(fold: str, cfg: LoaoConfig, files: dict[str, Path], base: Path | None = None) -> list[AuthorResult]:
    """Train on T + every author outside the fold, score each held-out author with the shipped inference path.
    A fold is one author key or several joined by '+' ("V3+E"): one training then serves several authors."""
    t0 = time.time()
    group = fold.split("+")
    others = [files[a] for a in files if a not in group and files[a].exists()]
    out = cfg.workdir / f"loao-{fold}.json"
    train_cfg = TrainConfig(corpus=base or template_file(), extra_corpora=others, out=out, c=cfg.c,
                            finetune=cfg.finetune, threshold=PLACEHOLDER_THRESHOLD, scoring=cfg.scoring,
                            member_seeds=cfg.member_seeds, member_finetunes=cfg.member_finetunes)
    save_head(train_head(train_cfg), out)
    return [score_held_out(a, out, load_labeled(files[a]), cfg, t0, windows_out=cfg.workdir / f"windows-{a}.npz")
            for a in group]


def score_held_out(author: str, head_path: Path, traces: list[LabeledTrace], cfg: LoaoConfig,
                   t0: float | None = None, windows_out: Path | None = None) -> AuthorResult:
    """The held-out author's figures for a trained LOAO head (also usable on a saved one); with windows_out,
    every window's numbers are saved there for replays (rescore, benchmarks/bench_window_budget.py)."""
    raw, every, hits = _score_author(head_path, traces, windows_out=windows_out)
    truth = np.array([t.label == "concerning" for t in traces])
    return AuthorResult(author=author, traces=len(traces), concerning=int(truth.sum()),
                        seconds=round(time.time() - (t0 or time.time()), 1), labels=truth.tolist(),
                        **_score_fields(raw, every, hits, truth, traces, cfg))


def _score_fields(raw: np.ndarray, every: np.ndarray, hits: np.ndarray, truth: np.ndarray,
                  traces: list[LabeledTrace], cfg: LoaoConfig) -> dict:
    """An author's figures that follow from the classifier scores (shipped path and every window)."""
    return {"classifier_recall": round(recall_at_fpr(raw, truth, cfg.max_fpr)[0], 4),
            "all_windows_recall": round(recall_at_fpr(every, truth, cfg.max_fpr)[0], 4),
            "scores": [round(float(x), 6) for x in raw], **_stack_fields(raw, hits, truth, traces, cfg)}


def _stack_fields(raw: np.ndarray, hits: np.ndarray, truth: np.ndarray, traces: list[LabeledTrace],
                  cfg: LoaoConfig) -> dict:
    stack = stack_scores(raw, hits)
    stack_recall, stack_threshold = recall_at_fpr(stack, truth, cfg.max_fpr)
    cats = sorted({c for t in traces for c in t.categories})
    per_cat = {c: round(float(np.mean([stack[i] >= stack_threshold for i, t in enumerate(traces)
                                       if c in t.categories])), 3) for c in cats}
    return {"stack_recall": round(stack_recall, 4), "stack_recall_per_category": per_cat,
            "pattern_hits": hits.tolist()}


def restack(report: LoaoReport, files: dict[str, Path] | None = None) -> LoaoReport:
    """The report with the patterns monitor re-run as it is now (its flags are cheap and do not depend on the
    LOAO heads), the stack figures and the threshold summary recomputed; classifier scores are kept."""
    files = files or author_files()
    cfg = LoaoConfig.model_validate(report.settings)
    results = []
    for r in report.results:
        traces = load_labeled(files[r.author])
        if len(traces) != r.traces:
            raise ValueError(f"author {r.author} has {len(traces)} traces now, {r.traces} in the report")
        fields = _stack_fields(np.array(r.scores), pattern_flags(traces), np.array(r.labels), traces, cfg)
        results.append(r.model_copy(update=fields))
    return summarise(results, cfg, report.scoring)


def rescore(report: LoaoReport, workdir: Path, scoring: TraceScoring,
            files: dict[str, Path] | None = None) -> LoaoReport:
    """The report under another trace-scoring rule, replayed from the windows its run saved in `workdir` (no
    encoding): classifier and every-window figures, stack figures and the threshold recomputed for `scoring`."""
    files = files or author_files()
    cfg = LoaoConfig.model_validate({**report.settings, "scoring": scoring.model_dump()})
    results = []
    for r in report.results:
        saved = workdir / f"windows-{r.author}.npz"
        if not saved.exists():
            raise ValueError(f"{saved}: no saved windows for author {r.author} (LOAO runs save them from head 2.9 on)")
        w = np.load(saved)
        truth = np.array(r.labels)
        if w["labels"].tolist() != r.labels:
            raise ValueError(f"{saved}: its labels are not the report's for author {r.author}")
        args = (w["trace"], w["gate"], w["concerning"], float(w["gate_threshold"]), r.traces, scoring)
        raw, every = replay_scores(*args)[0], replay_scores(*args, use_gate=False)[0]
        results.append(r.model_copy(update=_score_fields(raw, every, np.array(r.pattern_hits), truth,
                                                         load_labeled(files[r.author]), cfg)))
    return summarise(results, cfg, scoring)


def loao(cfg: LoaoConfig, files: dict[str, Path] | None = None, base: Path | None = None) -> LoaoReport:
    """`files` (author -> JSONL) and `base` (the always-trained corpus) default to the shipped data."""
    files = files or author_files()
    unknown = [a for fold in cfg.authors for a in fold.split("+") if a not in files or not files[a].exists()]
    if unknown:
        from azr_safe.monitors.corpus import InputFileError

        raise InputFileError(f"unknown or missing author(s) {unknown}; known: {sorted(files)}")
    results = [r for fold in cfg.authors for r in hold_out(fold, cfg, files, base)]
    return summarise(results, cfg, cfg.scoring)  # hold_out trains every fold head with cfg.scoring


def summarise(results: list[AuthorResult], cfg: LoaoConfig, scoring: TraceScoring) -> LoaoReport:
    """Mean and worst author, and the threshold at threshold_fpr over all held-out benign traces pooled."""
    benign = np.concatenate([np.array(r.scores)[~np.array(r.labels)] for r in results])
    threshold = float(np.round(recall_at_fpr(np.r_[benign, 1.0], np.r_[np.zeros(len(benign), bool), True],
                                             cfg.threshold_fpr)[1], 6))
    at, fpr = {}, {}
    for r in results:
        truth, s = np.array(r.labels), stack_scores(np.array(r.scores), np.array(r.pattern_hits))
        at[r.author] = round(float((s[truth] >= threshold).mean()), 4)
        fpr[r.author] = round(float((s[~truth] >= threshold).mean()), 4)
    clf, stack = [r.classifier_recall for r in results], [r.stack_recall for r in results]
    return LoaoReport(results=results, mean_classifier_recall=round(float(np.mean(clf)), 4),
                      worst_classifier_recall=min(clf), mean_stack_recall=round(float(np.mean(stack)), 4),
                      worst_stack_recall=min(stack), threshold=threshold, recall_at_threshold=at,
                      fpr_at_threshold=fpr, scoring=scoring, settings=cfg.model_dump(mode="json"))


def merge(reports: list[LoaoReport]) -> LoaoReport:
    """One report from folds run as separate processes (a crash then costs one fold, not the run): results
    concatenated in the given order, mean, worst and the pooled threshold recomputed over all of them."""
    if not reports:
        raise ValueError("nothing to merge")

    def scoring(r: LoaoReport) -> dict:  # what the scores depend on (not which folds, not where heads went)
        return {k: v for k, v in r.settings.items() if k not in ("authors", "workdir")}

    settings = scoring(reports[0])
    if any(scoring(r) != settings or r.scoring != reports[0].scoring for r in reports):
        raise ValueError("the reports were run with different settings; their scores do not pool")
    cfg = LoaoConfig.model_validate({**reports[0].settings,
                                     "authors": [a for r in reports for a in r.settings["authors"]]})
    return summarise([res for r in reports for res in r.results], cfg, reports[0].scoring)


def format_report(report: LoaoReport) -> str:
    lines = [f"{'author':6s} {'traces':>6s} {'conc':>5s} {'clf R@5%':>9s} {'stack R@5%':>10s} "
             f"{'R@thr':>6s} {'FPR@thr':>7s} {'all-win':>7s} {'s':>6s}  stack recall per category"]
    for r in report.results:
        cats = " ".join(f"{c[:8]}={v:.2f}" for c, v in r.stack_recall_per_category.items())
        lines.append(f"{r.author:6s} {r.traces:6d} {r.concerning:5d} {r.classifier_recall:9.3f} {r.stack_recall:10.3f} "
                     f"{report.recall_at_threshold[r.author]:6.3f} {report.fpr_at_threshold[r.author]:7.3f} "
                     f"{r.all_windows_recall:7.3f} {r.seconds:6.0f}  {cats}")
    lines.append(f"mean   classifier {report.mean_classifier_recall:.3f}  stack {report.mean_stack_recall:.3f}; "
                 f"worst classifier {report.worst_classifier_recall:.3f}  stack {report.worst_stack_recall:.3f}; "
                 f"pooled threshold at FPR {report.settings['threshold_fpr']}: {report.threshold}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    import argparse
    import os

    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    parser = argparse.ArgumentParser(description="Leave-one-author-out validation of the reasoning classifier.")
    parser.add_argument("--authors", default=",".join(SHIPPED_FOLDS),
                        help="comma-separated folds to hold out; a fold is an author or authors joined by '+' (V3+E)")
    parser.add_argument("--json", type=Path, default=None, help="write the full report (incl. scores) here")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/azr-loao"))
    parser.add_argument("--merge", type=Path, nargs="+", default=None,
                        help="combine saved --json reports (one per fold) instead of training")
    parser.add_argument("--restack", action="store_true",
                        help="with --merge: re-run the patterns monitor as it is now and recompute the stack figures")
    parser.add_argument("--rescore", action="store_true",
                        help="with --merge: replay the windows saved in --workdir under the shipped trace-scoring "
                             "rule (classifier.SHIPPED_SCORING) and recompute every figure and the threshold")
    parser.add_argument("--member-seeds", default="", help="comma-separated seeds of further ensemble members")
    parser.add_argument("--member-tuned-layers", default="",
                        help="comma-separated tuned-layer counts of further members (other settings as given)")
    for name, field in FinetuneConfig.model_fields.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(field.default), default=field.default,
                            help=field.description)
    args = parser.parse_args(argv)
    if args.merge:
        report = merge([LoaoReport.model_validate_json(p.read_text()) for p in args.merge])
        report = restack(report) if args.restack else report
        report = rescore(report, args.workdir, SHIPPED_SCORING) if args.rescore else report
    else:
        ft = FinetuneConfig(**{k: getattr(args, k) for k in FinetuneConfig.model_fields})
        extra = [ft.model_copy(update={"tuned_layers": int(n)}) for n in args.member_tuned_layers.split(",") if n]
        report = loao(LoaoConfig(authors=args.authors.split(","), finetune=ft, workdir=args.workdir,
                                 member_seeds=[int(s) for s in args.member_seeds.split(",") if s],
                                 member_finetunes=extra))
    print(format_report(report), flush=True)
    if args.json:
        args.json.write_text(report.model_dump_json(indent=1) + "\n")


if __name__ == "__main__":
    main()
