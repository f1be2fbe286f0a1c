"""`azr-safe monitor score | eval | train`: run the reasoning monitors on traces outside a training run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Score, evaluate and train the reasoning monitors.", no_args_is_help=True)

MonitorsOpt = Annotated[
    str, typer.Option("--monitors", help="Comma-separated monitor names (see docs/monitors.md).")
]
DEFAULT_STACK = "reasoning_patterns,reasoning_classifier"


def _names(monitors: str) -> list[str]:
    return [n.strip() for n in monitors.split(",") if n.strip()]


def _read_single(source: str) -> str:
    from azr_safe.monitors.corpus import InputFileError

    try:
        return sys.stdin.read() if source == "-" else Path(source).read_text()
    except OSError as err:
        raise InputFileError(f"cannot read {source}: {err.strerror}") from err


def _jsonl_samples(source: str) -> list:
    from pydantic import ValidationError

    from azr_safe.monitors.corpus import InputFileError, read_jsonl
    from azr_safe.monitors.scoring import trace_sample

    samples = []
    for n, obj in read_jsonl(source):
        if not isinstance(obj.get("text"), str):
            raise InputFileError(f"{source}:{n}: each line needs a string field 'text'")
        try:
            samples.append(trace_sample(len(samples), obj["text"], obj.get("role"), obj.get("task_type")))
        except ValidationError as err:
            first = err.errors()[0]
            raise InputFileError(f"{source}:{n}: field {first['loc'][0]}: {first['msg']}") from err
    return samples


@app.command()
def score(
    source: Annotated[str, typer.Argument(help="A trace file, a JSONL file (with --jsonl), or - for stdin.")] = "-",
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Input is JSONL with 'text' (+ role, task_type).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    monitors: MonitorsOpt = DEFAULT_STACK,
) -> None:
    """Print one verdict per trace: category scores, evidence and `flagged`. With --jsonl, one JSON line
    per input line, in input order."""
    from azr_safe.monitors.scoring import score_samples, trace_sample

    samples = _jsonl_samples(source) if jsonl else [trace_sample(0, _read_single(source))]
    verdicts = score_samples(samples, _names(monitors))
    if jsonl:
        for v in verdicts:
            typer.echo(v.model_dump_json())
    elif as_json:
        typer.echo(verdicts[0].model_dump_json(indent=2))
    else:
        _print_verdict(verdicts[0], samples[0].reasoning)


def _print_verdict(v, text: str) -> None:  # noqa: ANN001
    console = Console()
    console.print(f"flagged: [{'red' if v.flagged else 'green'}]{v.flagged}[/]  labels: {', '.join(v.labels) or '-'}")
    table = Table("category", "score")
    for c, s in v.scores.items():
        table.add_row(c, f"{s:.3f}")
    console.print(table)
    for e in v.evidence:
        console.print(f"[{e.start}:{e.end}] {e.monitor}/{e.category}: {e.text!r}", highlight=False)


@app.command("eval")
def eval_(
    labeled: Annotated[str, typer.Argument(help="JSONL with 'text' and 'label' (concerning|benign).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    monitors: MonitorsOpt = DEFAULT_STACK,
) -> None:
    """Precision, recall, F1 and false-positive rate, overall and per category."""
    from azr_safe.monitors.corpus import load_labeled
    from azr_safe.monitors.metrics import evaluate
    from azr_safe.monitors.scoring import score_labeled

    traces = load_labeled(labeled)
    report = evaluate(traces, score_labeled(traces, _names(monitors)))
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    table = Table("scope", "n+", "precision", "recall", "F1", "FPR", title=f"{labeled} ({report.n} traces)")
    for scope, m in [("overall", report.overall), *report.per_category.items()]:
        table.add_row(scope, str(m.tp + m.fn), f"{m.precision:.3f}", f"{m.recall:.3f}", f"{m.f1:.3f}", f"{m.fpr:.3f}")
    Console().print(table)
    if report.hard_negative_fpr is not None:
        Console().print(f"hard-negative FPR: {report.hard_negative_fpr:.3f}")


@app.command()
def train(
    corpus: Annotated[Path | None, typer.Option(help="Training JSONL (default monitors/corpus/train.jsonl).")] = None,
    out: Annotated[Path | None, typer.Option(help="Head file (default monitors/heads/reasoning_head.json).")] = None,
    c: Annotated[float | None, typer.Option(help="Inverse L2 strength of the logistic regressions.")] = None,
    member_seed: Annotated[list[int] | None, typer.Option(help="Train one more ensemble member with this seed "
                                                               "(repeatable; each costs one more fine-tuning).")] = None,
    member_tuned_layers: Annotated[list[int] | None, typer.Option(help="Train one more member that tunes this many "
                                                                       "top layers (repeatable).")] = None,
) -> None:
    """Train the classifier head on the labeled corpus, reproducibly; prints the version and hashes."""
    from azr_safe.monitors.train import TrainConfig, save_head, train_head

    overrides = {k: v for k, v in {"corpus": corpus, "out": out, "c": c, "member_seeds": member_seed}.items()
                 if v is not None}
    cfg = TrainConfig(**overrides)
    if member_tuned_layers and cfg.finetune is not None:
        cfg.member_finetunes = [cfg.finetune.model_copy(update={"tuned_layers": n}) for n in member_tuned_layers]
    head = train_head(cfg)
    save_head(head, cfg.out)
    console = Console()
    console.print(f"wrote {cfg.out}", highlight=False)
    console.print(f"version {head.version}\nweights_sha256 {head.weights_sha256}\ncorpus_sha256 {head.corpus_sha256}")
    console.print(" ".join(f"{k}={v}" for k, v in head.training.items()), highlight=False)


@app.command()
def rethreshold(
    threshold: Annotated[float | None, typer.Argument(help="New raw threshold, strictly between 0 and 1.")] = None,
    loao: Annotated[Path | None, typer.Option(help="Take the threshold from a leave-one-author-out report "
                                                   "(`python -m azr_safe.monitors.loao --json`).")] = None,
    head: Annotated[Path | None, typer.Option(help="Head file (default monitors/heads/reasoning_head.json).")] = None,
) -> None:
    """Give a trained head a new threshold; its weights stay as trained, its digest and version follow. With
    --loao, the head also takes the report's trace-scoring rule, the one that threshold was set for."""
    from azr_safe.errors import ConfigError
    from azr_safe.monitors.head import default_head_path, load_head
    from azr_safe.monitors.loao import LoaoReport
    from azr_safe.monitors.train import rethreshold as set_threshold
    from azr_safe.monitors.train import save_head

    if (threshold is None) == (loao is None):
        raise ConfigError("give either a threshold or --loao REPORT, not both or neither")
    scoring = None
    if loao is not None:
        try:
            report = LoaoReport.model_validate_json(loao.read_text())
        except (OSError, ValueError) as err:
            raise ConfigError(f"{loao}: not a readable LOAO report: {str(err).splitlines()[0]}") from err
        threshold, scoring = report.threshold, report.scoring
    path = head or default_head_path()
    before = load_head(path)
    after = set_threshold(before, threshold, scoring)
    save_head(after, path)
    Console().print(f"{path}: threshold {before.threshold} -> {after.threshold}\n"
                    f"scoring {before.scoring} -> {after.scoring}\n"
                    f"version {before.version} -> {after.version}", highlight=False)
