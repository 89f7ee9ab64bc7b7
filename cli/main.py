"""The `c2arm` command line: entry point and command registration.

Each group of commands lives in its own module and is added here, so this file stays a map.
"""

import sys
from importlib.metadata import PackageNotFoundError, version

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError

from cli import core_commands, ops_commands, stack_commands
from cli.capture import HELP as CAPTURE_HELP
from cli.capture import capture
from cli.demo import demo
from cli.ops_validate import validate

app = typer.Typer(
    name="c2arm",
    help="Move an Azure IaaS estate from the classic deployment model to Azure Resource Manager.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version() -> str:
    try:
        return version("c2arm")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0+unknown"


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"c2arm {_version()}")
        raise typer.Exit()


@app.callback()
def main(
    show_version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_version_callback, is_eager=True
    ),
) -> None:
    """c2arm: validate, prepare, check, then commit or abort — safely, in bulk."""


app.command()(demo)
app.command()(validate)
ops_commands.register(app)
app.command(help=CAPTURE_HELP)(capture)
stack_commands.register(app)
core_commands.register(app)


def run(argv: list[str] | None = None) -> int:
    """The console script: bad flags are one line `c2arm: …` on stderr and exit 2, as every bad input.

    Typer's own usage panel spans many lines (and a range error such as `--app-port 80000` used to
    end in a traceback); an operator's script reads one line and the exit code.
    """
    try:
        code = app(args=argv, prog_name="c2arm", standalone_mode=False)
    except NoArgsIsHelpError as exc:
        typer.echo(exc.format_message())
        return 2
    except UsageError as exc:
        typer.echo(f"c2arm: {exc.format_message()}", err=True)
        return 2
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("c2arm: interrupted", err=True)
        return 130
    return code if isinstance(code, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
