"""Compose an evaluation from the project's parts: the jail first, then the model and generator."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from azr_safe.evaluation.jailed import open_jail
from azr_safe.evaluation.records import EvalReport
from azr_safe.evaluation.runner import EvalSettings, run_eval


def build_generator(model: str, *, seed: int) -> Any:
    """The transformers backend over an embedded model ('default', 'gemma3-270m', 'smollm2-135m') or a folder."""
    import torch

    from azr_safe.generation.hf import HFGenerator
    from azr_safe.models import load_policy_model

    torch.manual_seed(seed)  # sampled completions (--samples K) are reproducible
    policy = load_policy_model(model)
    return HFGenerator(policy.model, policy.tokenizer)


def evaluate_model(*, unsafe_no_jail: bool, console: Console | None = None, **options: Any) -> EvalReport:
    """Run one benchmark end to end with a progress bar; the jail starts before torch loads the model."""
    settings = EvalSettings(**options)
    console = console or Console()
    if unsafe_no_jail:
        console.print("[bold red]warning[/bold red]: --unsafe-no-jail: model-written code runs WITHOUT the jail")
    with open_jail(unsafe_no_jail=unsafe_no_jail) as jail:
        generator = build_generator(settings.model, seed=settings.seed)
        columns = (TextColumn("generating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("generate", total=None)
            report = run_eval(
                settings,
                generator,
                jail,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                jailed=not unsafe_no_jail,
            )
    return report
