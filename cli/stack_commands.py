"""`c2arm up` / `c2arm down`: start and stop the local stack (Azurite, emulator, devhost).

Clear one-line errors `c2arm: …`: exit 2 for a bad flag or input (estate, settings, time scale),
exit 1 for Node missing, a port taken, a process that did not become healthy (with the tail of
its log) or settings the app refuses (`GET /api/health`).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from cli.stack.processes import StackError, StackInputError
from cli.stack.up import StackOptions, down, parse_settings, up

DEFAULT_STATE_DIR = Path(".c2arm")


def up_command(
    estate: Path = typer.Option(..., "--estate", help="Estate file the emulator becomes (YAML or JSON)."),
    state_dir: Path = typer.Option(
        DEFAULT_STATE_DIR, "--state-dir", help="Where state, logs and stack.json go."
    ),
    setting: list[str] = typer.Option([], "--setting", help="App setting KEY=VALUE (repeatable)."),
    time_scale: float = typer.Option(
        1.0, "--time-scale", help="Run platform and durable time X times faster."
    ),
    start_time: str | None = typer.Option(
        None, "--start-time", help="ISO 8601 instant the scaled clocks start at."
    ),
    faults: Path | None = typer.Option(None, "--faults", help="Emulator faults file."),
    app_port: int | None = typer.Option(
        None, "--app-port", min=1, max=65535, help="Port of the app (default: a free one)."
    ),
    reset: bool = typer.Option(False, "--reset", help="Start the emulator over from the estate."),
) -> None:
    """Start the local stack in the background; prints and writes DIR/stack.json."""
    try:
        opts = StackOptions(
            estate=estate,
            state_dir=state_dir,
            settings=parse_settings(setting),
            time_scale=time_scale,
            start_time=start_time,
            faults=faults,
            app_port=app_port,
            reset=reset,
        )
        stack = up(opts)
    except StackError as exc:
        typer.echo(f"c2arm: {exc}", err=True)
        raise typer.Exit(2 if isinstance(exc, StackInputError) else 1) from None
    shown = {k: v for k, v in stack.items() if not k.lower().endswith(("key", "token", "connectionstring"))}
    typer.echo(json.dumps(shown, indent=2))
    typer.echo(f"stack.json: {(state_dir / 'stack.json').resolve()} (keys inside; `c2arm down` stops it)")


def down_command(
    state_dir: Path = typer.Option(DEFAULT_STATE_DIR, "--state-dir", help="The stack's state directory."),
) -> None:
    """Stop the local stack started from DIR."""
    stopped = down(state_dir)
    typer.echo(f"stopped: {', '.join(stopped)}" if stopped else f"no stack running from {state_dir}")


def register(app: typer.Typer) -> None:
    """Add `up` and `down` to the `c2arm` app (called from cli/main.py)."""
    app.command("up")(up_command)
    app.command("down")(down_command)
