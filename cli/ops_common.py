"""Shared pieces of the operator commands: consoles, common options, one-line failures.

Every failure is one clear line on stderr and a non-zero exit: 1 when the app refused or could
not be reached, 2 for bad flags or input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.segment import Segment

from cli.api_client import DEFAULT_STATE_DIR, ApiClient, ApiError, ConfigError, is_loopback
from cli.signin import default_principal
from migration.text import escape_controls


class SafeConsole(Console):
    """A Console that shows a control or format character of the text it prints as its escape.

    The commands print names and messages that came from outside (a unit named with ESC [2J
    would clear the operator's terminal; U+202E would show it reversed). Escaping happens on the
    rendered text segments, after rich laid them out and before its own styling codes are added,
    so the CLI's colours and line breaks stay and nothing in a value can act.
    """

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        safe = (
            seg if seg.control else Segment(escape_controls(seg.text, keep="\n"), seg.style, seg.control)
            for seg in buffer
        )
        return super()._render_buffer(safe)


out = SafeConsole()
err = SafeConsole(stderr=True)

StateDir = typer.Option(DEFAULT_STATE_DIR, "--state-dir", help="Folder of the local stack's stack.json.")
AppUrl = typer.Option(
    None, "--app", help="A deployed app's URL (key in C2ARM_KEY) instead of the local stack."
)
DryRun = typer.Option(
    False,
    "--dry-run",
    help="Rehearse for real: validate, PREPARE (VMs outside a VNet are stopped and deallocated, the "
    "management plane is locked until the abort), check, then abort (a plan: every unit). For a check "
    "without effects: c2arm validate.",
)
Principal = typer.Option(
    None,
    "--as",
    envvar="C2ARM_PRINCIPAL",
    help="Sign in as this principal (local stack only: the devhost's "
    "emulated App Service sign-in; default: your user name @c2arm.local). On Azure your Entra sign-in "
    "(C2ARM_APP_SCOPE) is the principal.",
)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `message` on stderr; the caller raises the returned Exit."""
    err.print(f"c2arm: {message}", highlight=False, soft_wrap=True, markup=False)
    return typer.Exit(code)


@contextmanager
def client_for(app: str | None, state_dir: Path) -> Iterator[ApiClient]:
    """An ApiClient, turning every ApiError into one line on stderr and exit 1."""
    try:
        with ApiClient.resolve(app, state_dir) as client:
            yield client
    except ApiError as exc:
        raise fail(str(exc), 2 if isinstance(exc, ConfigError) and app else 1) from None


def flags_for(app: str | None, state_dir: Path) -> str:
    """The flags a hint must repeat so it can be pasted as it is (`--app`, a non-default `--state-dir`)."""
    if app:
        return f" --app {app}"
    return "" if Path(state_dir) == DEFAULT_STATE_DIR else f" --state-dir {state_dir}"


def check_principal(app: str | None, principal: str | None) -> str | None:
    """Who the command signs in as: `--as`, else the OS user on the local stack; None on Azure,
    where the Entra bearer token signs the request in (a `--as` there is refused)."""
    remote = bool(app) and not is_loopback(app or "")
    if principal and remote:
        raise fail("--as works only against the local stack; on Azure the principal comes from sign-in", 2)
    return None if remote else principal or default_principal()


@contextmanager
def acting_client(
    app: str | None, state_dir: Path, principal: str | None
) -> Iterator[tuple[ApiClient, str | None]]:
    """`client_for`, and who the command acts as (`check_principal`, checked first): what every
    command that starts or decides something needs, as (client, principal)."""
    acting = check_principal(app, principal)
    with client_for(app, state_dir) as client:
        yield client, acting


# -- submit --------------------------------------------------------------------------------------
