"""The `azr-safe` command. This module only registers command groups; each lives in its own module."""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console
from rich.markup import escape

from azr_safe.errors import UserFacingError

app = typer.Typer(
    name="azr-safe",
    help="Monitored Absolute-Zero self-play: jailed execution, monitors, policy and audit.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# (module, attribute, name): a group is a typer.Typer, a command is a plain function.
_GROUPS = [
    ("azr_safe.cli.sandbox", "app", "sandbox"),
    ("azr_safe.cli.monitor", "app", "monitor"),
    ("azr_safe.cli.policy", "app", "policy"),
    ("azr_safe.cli.audit", "app", "audit"),
]
_COMMANDS = [
    ("azr_safe.cli.run", "run", "run"),
    ("azr_safe.cli.drill", "drill", "drill"),
    ("azr_safe.cli.review", "review", "review"),
    ("azr_safe.cli.evaluate", "evaluate", "eval"),
]


def _register() -> None:
    for module_name, attr, name in _GROUPS + _COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name == module_name:  # group not built yet
                continue
            raise
        obj = getattr(module, attr)
        if isinstance(obj, typer.Typer):
            app.add_typer(obj, name=name)
        else:
            app.command(name=name)(obj)


@app.callback()
def _root() -> None:
    """Monitored Absolute-Zero self-play: jailed execution, monitors, policy and audit."""


@app.command()
def version() -> None:
    """Print the azr-safe version."""
    from azr_safe import __version__

    typer.echo(__version__)


_register()


def main() -> None:
    """Entry point that turns user-facing errors into one line and an exit code."""
    try:
        app()
    except UserFacingError as err:
        message = escape(f"{err.code}: {err}")  # model or user text must not be read as markup
        Console(stderr=True, soft_wrap=True).print(f"[red]error[/red] {message}", highlight=False)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
