"""`azr-safe run`: the main job, a self-play training run.

Order matters: read the config (torch-free), start the jail, and only then import the learner
(which imports torch), so that jail workers never come from a process that has loaded torch/CUDA.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

DEFAULT_CONFIG = Path("training/cpu-demo.yaml")
_REPO_ROOT = Path(__file__).resolve().parents[2]


def run(
    config: Annotated[Path, typer.Option("--config", help="Run config YAML.")] = DEFAULT_CONFIG,
    policy: Annotated[Path | None, typer.Option("--policy", help="Policy YAML (default: the config's).")] = None,
    steps: Annotated[int | None, typer.Option("--steps", min=1, help="Total steps (default: the config's).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder (default: the config's).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue from the newest checkpoint in --out.")] = False,
    ack_halt: Annotated[str | None, typer.Option("--ack-halt", help="Reason for resuming a halted run.")] = None,
    unsafe_no_jail: Annotated[bool, typer.Option("--unsafe-no-jail",
                                                 help="Run model code WITHOUT the jail. Never on real runs.")] = False,
) -> None:
    """Train the model by monitored self-play (default: a short CPU run of the embedded Gemma-3-270M)."""
    from azr_safe.learner.yamlfile import read_mapping

    # Before torch loads: idle OpenMP threads must sleep, not spin. On a shared CPU, spinning threads
    # made the tiny model's update ~70x slower here (docs/learner.md, "Threads").
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

    console = Console()
    path = _resolve_config(config)
    data = read_mapping(path)
    overrides = {"policy": str(policy) if policy else None, "steps": steps, "out_dir": str(out) if out else None}
    data.update({k: v for k, v in overrides.items() if v is not None})
    _resolve_paths(data)
    if resume:
        _check_resumable(Path(data.get("out_dir", "audit_logs/cpu-demo")))
    with _start_jail(data, unsafe_no_jail, console) as jail:
        from azr_safe.learner.components import build_components
        from azr_safe.learner.config import config_from_mapping
        from azr_safe.learner.trainer import Trainer

        cfg = config_from_mapping(data, source=str(path))
        console.print(f"[bold]azr-safe run[/bold] {cfg.name}: {cfg.steps} steps -> {cfg.out_dir}")
        trainer = Trainer(cfg, build_components(cfg, jail), resume=resume, ack_halt=ack_halt)
        records = _run_with_progress(trainer, console)
    _print_summary(records, console)
    console.print(f"metrics: {cfg.out_dir}/metrics.jsonl  audit log: {cfg.out_dir}/audit")
    if trainer.state.halted is not None:
        h = trainer.state.halted
        console.print(f"[red]HALTED[/red] at step {h.step} by rule(s) {', '.join(h.rule_ids)} on sample "
                      f"{h.sample_id}: {h.message}\nA checkpoint was saved; resume with --resume --ack-halt \"<reason>\".")
        raise typer.Exit(4)


def _resolve_config(config: Path) -> Path:
    if config == DEFAULT_CONFIG and not config.exists():
        return _REPO_ROOT / DEFAULT_CONFIG
    return config


def _repo_path(value: Any) -> Any:
    """A relative path missing from the working directory but present in the repo (the shipped
    policies, profiles and scripts) resolves to the repo's copy, so `azr-safe run` works from anywhere."""
    if not isinstance(value, str) or Path(value).is_absolute() or Path(value).exists():
        return value
    return str(_REPO_ROOT / value) if (_REPO_ROOT / value).exists() else value


def _resolve_paths(data: dict[str, Any]) -> None:
    for key in ("jail_profile", "policy"):
        if key in data:
            data[key] = _repo_path(data[key])
    generation = data.get("generation")
    if isinstance(generation, dict) and "scripted_file" in generation:
        generation["scripted_file"] = _repo_path(generation["scripted_file"])


def _check_resumable(out_dir: Path) -> None:
    """Fail before the jail and the model start when there is nothing to resume."""
    from azr_safe.learner.errors import CheckpointError

    ckpts = out_dir / "checkpoints"
    if not ckpts.is_dir() or not any(p.name.startswith("step-") for p in ckpts.iterdir()):
        raise CheckpointError(f"no checkpoint under {str(ckpts)!r} to resume from",
                              hint="run without --resume to start a new run")


def _start_jail(data: dict[str, Any], unsafe_no_jail: bool, console: Console) -> Any:
    from azr_safe.jail import Jail, load_profile

    jail_config = load_profile(_repo_path(data.get("jail_profile", "sandbox/default.yaml")))
    if unsafe_no_jail:
        console.print("[red]WARNING[/red] --unsafe-no-jail: model-written code runs without the jail's layers.")
        jail_config = jail_config.model_copy(update={"unsafe_no_jail": True})
    return Jail(jail_config)


def _run_with_progress(trainer: Any, console: Console) -> list[dict[str, Any]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("[bold]self-play"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("", total=trainer.config.steps, completed=trainer.state.step)

        def on_step(record: dict[str, Any]) -> None:
            progress.update(task, completed=record["step"] + 1, description=_step_line(record))

        return trainer.run(on_step)


def _step_line(record: dict[str, Any]) -> str:
    solve = [r for k, r in record.get("by_key", {}).items() if k.endswith("/solve") and r["n"]]
    rate = sum(r["success"] for r in solve) / max(1, sum(r["n"] for r in solve))
    loss = record.get("loss")
    return f"solve {rate:.2f}  loss {loss:.4f}  {record.get('step_s', 0):.1f}s" if loss is not None \
        else f"solve {rate:.2f}  {record.get('step_s', 0):.1f}s"


def _print_summary(records: list[dict[str, Any]], console: Console) -> None:
    from azr_safe.learner.metrics import summarize

    total = summarize(records)
    proposals = Table(title=f"Proposals ({total['steps']} steps)")
    for col in ("task type", "valid", "invalid", "invalid by reason"):
        proposals.add_column(col)
    for task in ("deduction", "abduction", "induction"):
        reasons = {k.split(":", 1)[1]: v for k, v in total["proposals_invalid"].items() if k.startswith(task + ":")}
        proposals.add_row(task, str(total["proposals_valid"].get(task, 0)), str(sum(reasons.values())),
                          ", ".join(f"{r}={n}" for r, n in sorted(reasons.items())) or "-")
    roles = Table(title="Rewards and solve rates")
    for col in ("task/role", "samples", "mean reward", "success rate"):
        roles.add_column(col)
    for key, row in sorted(total["by_key"].items()):
        n = max(1, row["n"])
        roles.add_row(key, str(row["n"]), f"{row['reward_sum'] / n:+.3f}", f"{row['success'] / n:.2f}")
    screening = Table(title="Screening")
    for col in ("flagged samples", "flags", "vetoes", "drops", "quarantines", "halts"):
        screening.add_column(col)
    a = total["actions"]
    screening.add_row(str(total["flagged_samples"]), str(a.get("flag", 0)), str(a.get("veto_reward", 0)),
                      str(a.get("drop_sample", 0)), str(a.get("quarantine_task", 0)), str(a.get("halt", 0)))
    for table in (proposals, roles, screening):
        console.print(table)
