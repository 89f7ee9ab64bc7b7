"""`c2arm validate`: is this unit migratable right now? — checked live, changing nothing.

What `Move-AzureService -Validate` / `Move-AzureVirtualNetwork -Validate` /
`Move-AzureStorageAccount -Validate` do, plus c2arm's prechecks: the app snapshots the unit,
runs the rules and the platform's validate (`POST /api/validations`), and never prepares. The
command waits for the verdict. Exit 0: migratable; 1: not migratable or blocked (or the app
refused); 2: bad input.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from cli import ops_inputs
from cli.api_client import ConfigError, read_stack
from cli.ops_common import AppUrl, StateDir, client_for, fail, out
from migration.unit_kinds import UNIT_KINDS

DONE = {"Completed", "Failed"}


def _print(result: dict[str, Any]) -> None:
    unit = result.get("unit") or {}
    what = "/".join(str(unit[k]) for k in ("kind", "name", "deployment") if unit.get(k))
    if result.get("phase") == "Failed":
        error = result.get("error") or {}
        message = f"{what}: validation failed in {error.get('phase')}: {error.get('message')}"
        out.print(message, highlight=False, soft_wrap=True, markup=False)
        return
    out.print(
        f"{what}: {result.get('verdict')}  (validation {result.get('id')}; nothing was changed)",
        highlight=False,
        soft_wrap=True,
    )
    for finding in result.get("findings") or []:
        code = finding.get("code") or finding.get("rule") or ""
        where = f" {finding['resource']}" if finding.get("resource") else ""
        head = f"[{finding.get('severity')}] {finding.get('source')} {code}{where}"
        out.print(f"{head}\n    {finding.get('message')}", highlight=False, soft_wrap=True, markup=False)
        if finding.get("remedy"):
            out.print(f"    remedy: {finding['remedy']}", highlight=False, soft_wrap=True, markup=False)


def validate(
    kind: str = typer.Option(..., "--kind", help=f"Unit kind: {', '.join(UNIT_KINDS)} (any case)."),
    name: str = typer.Option(..., "--name", help="Unit name."),
    deployment: str | None = typer.Option(None, "--deployment", help="Cloud service deployment."),
    destination: str | None = typer.Option(
        None, "--destination", help=f"A cloud service outside a VNet: {ops_inputs.DESTINATION_HELP}."
    ),
    subscription: str | None = typer.Option(None, "--subscription", help="Default: the local stack's."),
    timeout: float = typer.Option(600, "--timeout", min=1, help="Seconds to wait for the verdict."),
    as_json: bool = typer.Option(False, "--json", help="Print the validation's JSON."),
    app: str | None = AppUrl,
    state_dir: Path = StateDir,
) -> None:
    """Check a unit live without changing anything: snapshot, prechecks and the platform's validate.

    Unlike --dry-run (which really prepares: VMs outside a VNet are deallocated and the management
    plane is locked until the abort), validate never prepares. Exit 0 when the unit is migratable,
    1 when it is not (or is blocked by other units), 2 for bad input.
    """
    body: dict[str, Any] = {"unit": {"kind": ops_inputs.unit_kind(kind), "name": name}}
    if deployment:
        body["unit"]["deployment"] = deployment
    where = ops_inputs.destination(destination)
    if where:
        body["destination"] = where
    if not subscription and not app:
        try:
            subscription = read_stack(state_dir).subscription_id
        except ConfigError as exc:
            raise fail(str(exc)) from None
    if not subscription:
        raise fail("--subscription required", 2)
    body["subscriptionId"] = subscription
    with client_for(app, state_dir) as client:
        started = client.start_validation(body)
        deadline = time.monotonic() + timeout
        result = client.validation(str(started["id"]))
        while result.get("phase") not in DONE:
            if time.monotonic() > deadline:
                raise fail(
                    f"no verdict after {timeout:g} s: c2arm validate is still running as {started['id']}"
                )
            time.sleep(0.5)  # the app's pace: a snapshot and a validate take seconds
            result = client.validation(str(started["id"]))
    if as_json:
        out.print_json(data=result)
    else:
        _print(result)
    if result.get("phase") != "Completed" or result.get("verdict") != "migratable":
        raise typer.Exit(1)
