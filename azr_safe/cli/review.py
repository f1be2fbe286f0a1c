"""`azr-safe review DIR`: the review web app over one run's audit log."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from azr_safe.errors import ConfigError


def review(
    run_dir: Annotated[Path, typer.Argument(help="The run's audit-log folder, e.g. audit_logs/<run>.")],
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = 8765,
    host: Annotated[
        str,
        typer.Option(
            help="Address to bind. The default 127.0.0.1 accepts connections from this machine only; "
            "any other address (e.g. 0.0.0.0) also requires --token.",
        ),
    ] = "127.0.0.1",
    token: Annotated[
        str | None,
        typer.Option(
            envvar="AZR_SAFE_REVIEW_TOKEN",
            help="Shared secret (16+ chars) required on every request; prefer the environment variable.",
        ),
    ] = None,
    reviewer: Annotated[str | None, typer.Option(help="Default reviewer name on labels (default: $USER).")] = None,
    get: Annotated[
        str | None, typer.Option("--get", help="Fetch one path in-process, print it and exit (no port opened).")
    ] = None,
    export_labels: Annotated[
        Path | None, typer.Option(help="Write the labels as monitor-training JSONL to this file ('-': stdout) and exit.")
    ] = None,
) -> None:
    """Review flagged samples of a run in the browser, label them, and export the labels."""
    from azr_safe.review import ReviewConfig, create_app
    from azr_safe.review.source import find_segments

    try:
        config = ReviewConfig(run_dir=run_dir, host=host, port=port, token=token, reviewer=reviewer or _user())
    except ValidationError as err:
        first = err.errors()[0]
        raise ConfigError(f"--{first['loc'][0]}: {first['msg']}") from None
    if not find_segments(run_dir):
        raise ConfigError(f"{str(run_dir)!r} holds no audit-log segments (segment-*.jsonl)",
                          hint="point at audit_logs/<run>, the folder `azr-safe audit verify` takes")  # fmt: skip
    if export_labels is not None:
        _export(config, export_labels)
        return
    app = create_app(config)
    if get is not None:
        _get_once(app, get, token)
        return
    _serve(app, config)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "reviewer"


def _export(config, out: Path) -> None:
    from azr_safe.review import SampleIndex, export_jsonl

    index = SampleIndex(config.run_dir)
    lines = list(export_jsonl(index))
    if str(out) == "-":
        sys.stdout.write("".join(lines))
    else:
        out.write_text("".join(lines), encoding="utf-8")
        Console(stderr=True).print(f"wrote {len(lines)} labelled examples to {out}")


def _get_once(app, path: str, token: str | None) -> None:
    from fastapi.testclient import TestClient

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with TestClient(app, base_url="http://127.0.0.1") as client:
        response = client.get(path, headers=headers, follow_redirects=False)
    sys.stdout.write(response.text)
    if response.status_code >= 400:
        raise typer.Exit(1)


def _serve(app, config) -> None:
    import uvicorn

    shown = f"[{config.host}]" if ":" in config.host else config.host
    Console(stderr=True).print(
        f"reviewing [bold]{config.run_dir}[/bold] at http://{shown}:{config.port}/"
        + (" (token required)" if config.token else " (this machine only)")
    )
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning")
