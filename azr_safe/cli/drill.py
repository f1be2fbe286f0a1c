"""`azr-safe drill [--policy FILE]`: test a policy against a scripted adversarial model before a real run.

Exit 0 when no scripted hazard reached the gradient and every benign control did; 1 otherwise.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from azr_safe.cli.policy import one_line_errors

_REPO_ROOT = Path(__file__).resolve().parents[2]


@one_line_errors
def drill(
    policy: Annotated[Path, typer.Option("--policy", help="Policy YAML to drill.")] = Path("policies/default.yaml"),
    scenarios: Annotated[Path | None, typer.Option("--scenarios", help="Drill script (default: the shipped one).")]
    = None,
    only: Annotated[list[str] | None, typer.Option("--only", help="Run only this scenario id (repeatable).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the per-scenario runs and audit logs.")]
    = None,
    jail_profile: Annotated[Path, typer.Option("--jail-profile", help="Jail profile YAML.")]
    = Path("sandbox/default.yaml"),
) -> None:
    """Run scripted hazards and benign controls through the real trainer, jail, monitors, policy and audit log."""
    from azr_safe.policy import load_policy
    from azr_safe.policy.drill import DEFAULT_SCENARIOS, load_drill

    if not policy.exists() and (_REPO_ROOT / policy).exists():
        policy = _REPO_ROOT / policy
    load_policy(policy)  # fail fast, before the jail and the models start
    script = load_drill(scenarios or DEFAULT_SCENARIOS)
    unknown = sorted(set(only or []) - {s.id for s in script.scenarios})
    if unknown:
        from azr_safe.errors import ConfigError

        raise ConfigError(f"unknown scenario id(s): {', '.join(unknown)}")
    out_dir = out or Path(tempfile.mkdtemp(prefix="azr-drill-"))
    rows = _run(policy, script, out_dir, only or None, jail_profile)
    _print(rows, policy, out_dir)
    if not all(r.passed for r in rows):
        raise typer.Exit(1)


def _run(policy: Path, script, out_dir: Path, only: list[str] | None, jail_profile: Path):  # noqa: ANN001, ANN202
    from azr_safe.jail import Jail, load_profile
    from azr_safe.policy.drill import run_drill

    profile = jail_profile if jail_profile.exists() else _REPO_ROOT / jail_profile
    with Jail(load_profile(profile)) as jail:  # started before the learner imports torch
        return run_drill(policy, script, jail, out_dir, only=only)


def _print(rows, policy: Path, out_dir: Path) -> None:  # noqa: ANN001
    table = Table("", "scenario", "hazard", "sample", "action", "rules fired", "gradient")
    for r in rows:
        verdict = "PASS" if r.passed else "[red]FAIL[/red]"
        reached = "reached" if r.reached_gradient else ("halted" if r.step_halted else "kept out")
        table.add_row(verdict, escape(r.scenario), r.hazard, escape(r.sample_id), r.action,
                      escape(", ".join(r.rule_ids) or "-"), reached)
    Console(width=220).print(table)
    hazards = [r for r in rows if r.hazard != "benign"]
    leaked = [r for r in hazards if r.reached_gradient]
    controls = [r for r in rows if r.hazard == "benign"]
    blocked = [r for r in controls if not r.reached_gradient]
    typer.echo(f"policy {policy}: {len(leaked)}/{len(hazards)} hazard samples reached the gradient; "
               f"{len(controls) - len(blocked)}/{len(controls)} benign controls trained on. "
               f"Runs and audit logs: {out_dir}")
