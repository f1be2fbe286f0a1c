"""`azr-safe policy validate|test|replay`: check a policy file before a run, and against a past run."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from azr_safe.errors import UserFacingError

app = typer.Typer(help="Validate, test and replay declarative policy files.", no_args_is_help=True)
F = TypeVar("F", bound=Callable[..., Any])


def one_line_errors(fn: F) -> F:
    """Print a UserFacingError as one unwrapped line on stderr and exit with its code (no traceback)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except UserFacingError as err:
            message = " ".join(str(err).split())
            print(f"error {err.code}: {message}", file=sys.stderr)
            raise typer.Exit(err.exit_code) from None

    return wrapper  # type: ignore[return-value]


@app.command()
@one_line_errors
def validate(file: Annotated[Path, typer.Argument(help="Policy YAML file.")]) -> None:
    """Exit 0 if FILE is a valid policy; otherwise exit 2 with a one-line error."""
    from azr_safe.policy import load_policy

    policy = load_policy(file)
    typer.echo(
        f"OK: {file}: policy {policy.name!r} (version {policy.version}), {len(policy.rules)} rules, "
        f"{len(policy.rate_rules)} rate rules, sha256 {policy.sha256}"
    )


@app.command("test")
@one_line_errors
def test_cases(
    file: Annotated[Path, typer.Argument(help="Policy YAML file.")],
    cases: Annotated[Path, typer.Argument(help="Cases YAML file (see docs/policy.md).")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per case.")] = False,
) -> None:
    """Run table-driven CASES against FILE; exit 1 if any case fails (an empty table is an error)."""
    from azr_safe.policy import load_policy
    from azr_safe.policy.cases import load_cases, run_cases

    policy = load_policy(file)
    results = run_cases(policy, load_cases(cases))
    failed = [r for r in results if not r.passed]
    if as_json:
        for result in results:
            typer.echo(result.model_dump_json())
    else:
        table = Table("", "case", "want", "got", "rules fired")
        for r in results:
            table.add_row("PASS" if r.passed else "[red]FAIL[/red]", escape(r.note), r.want_action, r.got_action,
                          ", ".join(r.got_rules) or "-")
        Console(width=200).print(table)
        typer.echo(f"{len(results) - len(failed)}/{len(results)} cases pass for policy {policy.name!r}")
    if failed:
        raise typer.Exit(1)


@app.command()
@one_line_errors
def replay(
    file: Annotated[Path, typer.Argument(help="Policy YAML file to replay.")],
    log: Annotated[Path, typer.Option("--log", help="Audit folder of a recorded run.")],
    show_all: Annotated[bool, typer.Option("--all", help="Show unchanged samples too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per shown sample.")] = False,
) -> None:
    """What FILE would have decided on a recorded run, as a diff table against what was decided."""
    from azr_safe.policy import load_policy
    from azr_safe.policy.replay import replay as replay_run

    policy = load_policy(file)
    rows = replay_run(policy, log)
    shown = [r for r in rows if show_all or r.changed]
    if as_json:
        for row in shown:
            typer.echo(json.dumps({**row.model_dump(), "changed": row.changed}))
        return
    table = Table("seq", "sample", "recorded", "replayed", "recorded rules", "replayed rules")
    for r in shown:
        mark = "[yellow]" if r.changed else ""
        table.add_row(str(r.seq), escape(r.sample_id), r.recorded_action, f"{mark}{r.replayed_action}",
                      ", ".join(r.recorded_rules) or "-", ", ".join(r.replayed_rules) or "-")
    if shown:
        Console(width=200).print(table)
    changed = sum(r.changed for r in rows)
    typer.echo(f"{len(rows)} samples replayed under {policy.name!r}: {changed} decisions would change")
