"""`azr-safe eval`: benchmark a model (HumanEval, CRUXEval-style, held-out self-play) and compare runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from azr_safe.errors import UserFacingError

evaluate = typer.Typer(
    help="Evaluate a model on a benchmark, in the jail; `eval compare` compares two runs.",
    invoke_without_command=True,
    no_args_is_help=False,
    pretty_exceptions_enable=False,
)
console = Console()


class EvalUsageError(UserFacingError):
    """The eval command was called with missing or contradictory options."""

    code = "AZR703"


@evaluate.callback()
def run(
    ctx: typer.Context,
    model: Annotated[
        str,
        typer.Option(help="'default' (Gemma-3-270M base), gemma3-270m, smollm2-135m, tiny-random, a local HF "
                     "folder, a .gguf file, or a checkpoint folder (checkpoints/step-*) of `azr-safe run`."),
    ] = "default",
    base_model: Annotated[
        str, typer.Option(help="For a checkpoint folder of `azr-safe run`: the model it was trained from.")
    ] = "default",
    benchmark: Annotated[
        Optional[str], typer.Option(help="humaneval, cruxeval-o, cruxeval-i or selfplay-heldout.")
    ] = None,
    limit: Annotated[Optional[int], typer.Option(min=1, help="Evaluate only the first N problems.")] = None,
    samples: Annotated[int, typer.Option(min=1, help="K sampled completions per problem (pass@k); greedy always runs.")] = 1,
    temperature: Annotated[float, typer.Option(help="Temperature of the K samples.")] = 0.8,
    max_new_tokens: Annotated[int, typer.Option(min=0, help="0 = the benchmark's default.")] = 0,
    label: Annotated[str, typer.Option(help="Name of this run in tables and plots.")] = "",
    seed: Annotated[int, typer.Option(help="Sampling and bootstrap seed.")] = 0,
    out: Annotated[Optional[Path], typer.Option(help="Write the JSON report here.")] = None,
    unsafe_no_jail: Annotated[
        bool, typer.Option("--unsafe-no-jail", help="Run model-written code WITHOUT the jail. Never on untrusted models.")
    ] = False,
) -> None:
    """Evaluate MODEL on BENCHMARK; every program runs in the jail."""
    if ctx.invoked_subcommand is not None:
        return
    from azr_safe.evaluation.records import BENCHMARKS
    from azr_safe.evaluation.session import evaluate_model

    if benchmark is None:
        raise EvalUsageError("--benchmark is required", hint=f"one of {', '.join(BENCHMARKS)}")
    if benchmark not in BENCHMARKS:
        raise EvalUsageError(f"unknown benchmark {benchmark!r}", hint=f"one of {', '.join(BENCHMARKS)}")
    if temperature <= 0:
        raise EvalUsageError("--temperature must be > 0 (greedy decoding always runs as well)")
    if out is not None and out.is_dir():
        raise EvalUsageError(f"--out {out} is a folder; give a file name such as {out / (benchmark + '.json')}")
    report = evaluate_model(
        benchmark=benchmark, model=model, limit=limit, samples=samples, temperature=temperature,
        max_new_tokens=max_new_tokens, label=label, seed=seed, unsafe_no_jail=unsafe_no_jail, console=console,
        base_model=base_model,
    )
    _print_report(report)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.model_dump_json(indent=1) + "\n", encoding="utf-8")
        console.print(f"report written to {out}")


def _print_report(report: object) -> None:
    table = Table(title=f"{report.benchmark} — {report.label} ({len(report.problems)} problems)")  # type: ignore[attr-defined]
    for column in ("metric", "value", "95% interval", "n", "interval"):
        table.add_column(column)
    for name, m in report.metrics.items():  # type: ignore[attr-defined]
        table.add_row(name, f"{m.value:.3f}", f"[{m.low:.3f}, {m.high:.3f}]", str(m.n), m.method)
    console.print(table)


@evaluate.command("compare")
def compare(
    before: Annotated[Path, typer.Argument(help="Report (or folder of reports) of the base model / first policy.")],
    after: Annotated[Path, typer.Argument(help="Report (or folder of reports) of the checkpoint / second policy.")],
    plot: Annotated[Optional[Path], typer.Option(help="Write a PNG bar chart here.")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the comparison as JSON here.")] = None,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
) -> None:
    """Before/after table with 95% intervals; differences use a paired bootstrap over shared problems."""
    from azr_safe.evaluation.compare import compare_reports, plot_comparison, write_comparison_json

    comparison = compare_reports(before, after, seed=seed)
    table = Table(title=f"{comparison.before_label} → {comparison.after_label}")
    for column in ("benchmark", "metric", "before", "after", "Δ (paired 95%)", "n"):
        table.add_column(column)
    for r in comparison.rows:
        mark = " *" if r.significant else ""
        table.add_row(
            r.benchmark, r.metric,
            f"{r.before.value:.3f} [{r.before.low:.3f}, {r.before.high:.3f}]",
            f"{r.after.value:.3f} [{r.after.low:.3f}, {r.after.high:.3f}]",
            f"{r.diff:+.3f} [{r.diff_low:+.3f}, {r.diff_high:+.3f}]{mark}", str(r.paired_n),
        )
    console.print(table)
    console.print("* the paired interval excludes 0")
    if plot is not None:
        plot_comparison(comparison, plot)
        console.print(f"plot written to {plot}")
    if json_out is not None:
        write_comparison_json(comparison, json_out)
        console.print(f"comparison written to {json_out}")
