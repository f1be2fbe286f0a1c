"""`azr-safe sandbox`: run a file in the jail, and report which layers protect this machine.

Exit codes: 0 whenever the jail did its job (whatever the program did); 3 when the jail could
not be set up (AZR002); 2 for bad input (unreadable file, invalid profile).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from azr_safe.errors import UserFacingError

app = typer.Typer(help="Run programs in the jail and inspect its layers.", no_args_is_help=True)
_state: dict[str, object] = {"unsafe_no_jail": False}

UnsafeOption = Annotated[
    bool, typer.Option("--unsafe-no-jail", help="Run WITHOUT any isolation layer. Never for model-written code.")
]
ProfileOption = Annotated[
    Optional[Path], typer.Option("--profile", help="Jail profile YAML (default: built-in safe defaults).")
]


@app.callback()
def _group(unsafe_no_jail: UnsafeOption = False) -> None:
    """Run programs in the jail and inspect its layers."""
    _state["unsafe_no_jail"] = unsafe_no_jail


def _config(profile: Path | None, unsafe: bool, **overrides: object):
    from azr_safe.jail import JailConfig, load_profile

    config = load_profile(profile) if profile else JailConfig()
    data = config.model_dump()
    data.update({k: v for k, v in overrides.items() if v is not None})
    if unsafe or _state["unsafe_no_jail"]:
        data["unsafe_no_jail"] = True
        for layer in ("nsjail", "landlock", "uid_drop"):
            if data[layer] == "require":
                data[layer] = "auto"
    try:
        return JailConfig.model_validate(data)
    except ValueError as err:
        raise UserFacingError(f"invalid jail settings: {err}") from err


@app.command("run")
def run_file(
    file: Annotated[Path, typer.Argument(help="Python file whose code runs in the jail.")],
    call: Annotated[Optional[str], typer.Option("--call", help="Expression evaluated after the file's definitions, e.g. 'f(3)'.")] = None,
    timeout: Annotated[Optional[float], typer.Option("--timeout", help="Wall-clock seconds.", min=0.01, max=600)] = None,
    memory_mb: Annotated[Optional[int], typer.Option("--memory-mb", help="Address-space limit, MiB.", min=16, max=65536)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    profile: ProfileOption = None,
    unsafe_no_jail: UnsafeOption = False,
) -> None:
    """Run FILE's code in the jail (and evaluate --call after its definitions)."""
    try:
        code = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UserFacingError(f"cannot read {str(file)!r}: {getattr(err, 'strerror', None) or err}") from err
    from azr_safe.jail import Jail

    config = _config(profile, unsafe_no_jail, workers=2, children_per_worker=1)
    with Jail(config) as jail:
        result = jail.run(code, call=call, timeout_s=timeout, memory_mb=memory_mb)
    payload = result.model_dump(exclude={"literal"})
    if as_json:
        typer.echo(json.dumps(payload))
        return
    console = Console(highlight=False)
    colour = "green" if result.status == "ok" else "yellow"
    console.print(f"[{colour}]{result.status}[/{colour}] in {result.duration_s:.3f}s")
    for key in ("value", "violation", "stdout", "stderr"):
        if payload[key]:
            console.print(f"[bold]{key}:[/bold] {payload[key]}", markup=True, soft_wrap=True)


@app.command("doctor")
def doctor(
    profile: ProfileOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the layer report as JSON.")] = False,
    unsafe_no_jail: UnsafeOption = False,
) -> None:
    """Say which layers are active on this machine, and why any is not."""
    from azr_safe.jail import Jail

    config = _config(profile, unsafe_no_jail, workers=2, children_per_worker=1)
    with Jail(config) as jail:
        report = jail.layers
        probe = jail.run("def f(x):\n    return x * 2", call="f(21)")
    if as_json:
        typer.echo(json.dumps({"profile": config.name, **report.model_dump(), "self_test": probe.status}))
        return
    table = Table(title=f"azr-safe jail layers (profile {config.name!r})")
    table.add_column("layer")
    table.add_column("active")
    table.add_column("detail / why not")
    for layer in report.layers:
        table.add_row(layer.name, "[green]yes[/green]" if layer.active else "[red]no[/red]", layer.detail)
    console = Console()
    console.print(table)
    console.print(f"self-test f(21) -> {probe.value} ({probe.status})")
    if report.unsafe_no_jail:
        console.print("[red]WARNING: --unsafe-no-jail: programs run with NO isolation.[/red]")
