"""The `c2arm` command line: entry point and command registration.

Each group of commands lives in its own module and is added here, so this file stays a map.
"""

from importlib.metadata import PackageNotFoundError, version

import typer

from cli import core_commands, ops_commands, stack_commands
from cli.capture import capture
from cli.demo import demo

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
ops_commands.register(app)
app.command()(capture)
stack_commands.register(app)
core_commands.register(app)

if __name__ == "__main__":  # pragma: no cover
    app()
