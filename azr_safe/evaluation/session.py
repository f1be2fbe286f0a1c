"""Compose an evaluation from the project's parts: the jail first, then the model and generator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from azr_safe.errors import ModelNotFoundError
from azr_safe.evaluation.jailed import open_jail
from azr_safe.evaluation.records import EvalReport
from azr_safe.evaluation.runner import EvalSettings, run_eval

EMBEDDED = ("gemma3-270m", "smollm2-135m", "tiny-random")
CHECKPOINT_WEIGHTS = "model.safetensors"


def model_spec(model: str) -> dict[str, Any]:
    """'default' -> the embedded default; an embedded name; otherwise a local folder or .gguf file."""
    if model == "default":
        return {}
    if model in EMBEDDED:
        return {"name": model}
    return {"path": model}


def is_learner_checkpoint(model: str) -> bool:
    """A `checkpoints/step-*` folder of `azr-safe run`: weights only, no config.json."""
    folder = Path(model)
    return folder.is_dir() and (folder / CHECKPOINT_WEIGHTS).is_file() and not (folder / "config.json").is_file()


def load_model(model: str, base_model: str) -> tuple[Any, Any]:
    """The model and tokenizer; a learner checkpoint's weights go into its base model's architecture."""
    from azr_safe.models import load_policy_model

    if not is_learner_checkpoint(model):
        return load_policy_model(model_spec(model))
    from safetensors.torch import load_file

    policy, tokenizer = load_policy_model(model_spec(base_model))
    state = load_file(str(Path(model) / CHECKPOINT_WEIGHTS))
    try:
        policy.load_state_dict(state, strict=True)
    except RuntimeError as err:
        raise ModelNotFoundError(
            f"the checkpoint {model} does not fit the base model {base_model!r}: {str(err).splitlines()[0]}",
            hint="pass --base-model with the model the run was trained from",
        ) from None
    return policy.eval(), tokenizer


def build_generator(model: str, *, base_model: str, seed: int) -> Any:
    """The transformers backend, grammar-forced for self-play formats, over the loaded model."""
    import torch

    from azr_safe.generation.hf import HFGenerator

    torch.manual_seed(seed)  # sampled completions (--samples K) are reproducible
    policy, tokenizer = load_model(model, base_model)
    return HFGenerator(policy, tokenizer)


def evaluate_model(
    *, unsafe_no_jail: bool, base_model: str = "default", console: Console | None = None, **options: Any
) -> EvalReport:
    """Run one benchmark end to end with a progress bar; the jail starts before torch loads the model."""
    settings = EvalSettings(**options)
    console = console or Console()
    if unsafe_no_jail:
        console.print("[bold red]warning[/bold red]: --unsafe-no-jail: model-written code runs WITHOUT the jail")
    with open_jail(unsafe_no_jail=unsafe_no_jail) as jail:
        generator = build_generator(settings.model, base_model=base_model, seed=settings.seed)
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
