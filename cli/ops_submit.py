"""`c2arm submit`: one unit by flags, or a file of requests, over HTTP or onto the intake queue."""

from __future__ import annotations

import contextlib
import json
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
import yaml

from cli import ops_inputs
from cli.api_client import ApiError, ConfigError, read_stack
from cli.ops_common import (
    AppUrl,
    DryRun,
    Principal,
    StateDir,
    acting_client,
    err,
    fail,
    flags_for,
    out,
)
from migration.requests import RequestError, parse_request
from migration.unit_kinds import UNIT_KINDS


class Via(StrEnum):
    http = "http"
    queue = "queue"


def _requests_from_file(path: Path) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text())  # JSON is YAML too
    except OSError as exc:
        raise fail(f"--file: cannot read {path}: {exc.strerror}", 2) from None
    except yaml.YAMLError as exc:
        raise fail(f"--file: {path} is neither JSON nor YAML: {exc}", 2) from None
    if isinstance(data, dict) and isinstance(data.get("requests"), list):
        data = data["requests"]
    items = data if isinstance(data, list) else [data]
    bad = [i for i, item in enumerate(items) if not isinstance(item, dict)]
    if bad or not items:
        raise fail(f"--file: {path} must hold a request object, a list of them, or {{requests: [...]}}", 2)
    return items


def _request_from_flags(
    subscription: str | None,
    kind: str | None,
    name: str | None,
    deployment: str | None,
    request_id: str | None,
    dry_run: bool,
    window: str | None,
    requested_by: str | None,
    destination: dict[str, Any] | None = None,
    before_prepare: bool = False,
) -> dict[str, Any]:
    if not subscription:
        raise fail("--subscription required (the local stack's stack.json has none)", 2)
    unit = {"kind": kind, "name": name} | ({"deployment": deployment} if deployment else {})
    request: dict[str, Any] = {
        "requestId": request_id or f"{name}-{secrets.token_hex(4)}",
        "subscriptionId": subscription,
        "unit": unit,
        "dryRun": dry_run,
    }
    if window:
        request["window"] = window
    if destination:
        request["destination"] = destination
    if before_prepare:
        request["approval"] = {"beforePrepare": True}
    if requested_by:
        request["requestedBy"] = requested_by
    return request


def _send_to_queue(
    requests: list[dict[str, Any]], connection_string: str, local: bool
) -> list[tuple[str, str]]:
    """Put each request on `migration-requests`, base64-encoded as host.json expects.

    A producer's queue must exist (deployed by the infrastructure; a sender role cannot create
    it). Only on the local stack, which this command owns, is a missing queue created.
    """
    from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
    from azure.storage.queue import QueueClient, TextBase64EncodePolicy

    queue = QueueClient.from_connection_string(
        connection_string, "migration-requests", message_encode_policy=TextBase64EncodePolicy(), retry_total=1
    )
    sent = []
    try:
        for request in requests:
            try:
                queue.send_message(json.dumps(request))
            except ResourceNotFoundError:
                if not local:
                    raise fail("queue migration-requests does not exist in that storage account") from None
                with contextlib.suppress(ResourceExistsError):
                    queue.create_queue()
                queue.send_message(json.dumps(request))
            sent.append((request["requestId"], "queued on migration-requests"))
    except AzureError as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise fail(f"cannot put the request on queue migration-requests: {message}") from None
    finally:
        queue.close()
    return sent


def submit(
    kind: str | None = typer.Option(None, "--kind", help=f"Unit kind: {', '.join(UNIT_KINDS)}."),
    name: str | None = typer.Option(None, "--name", help="Unit name (VNet, cloud service, account …)."),
    deployment: str | None = typer.Option(None, "--deployment", help="Cloud service deployment."),
    subscription: str | None = typer.Option(None, "--subscription", help="Default: the local stack's."),
    request_id: str | None = typer.Option(None, "--request-id", help="Default: <name>-<random>."),
    dry_run: bool = DryRun,
    window: str | None = typer.Option(None, "--window", help="any | off-hours"),
    destination: str | None = typer.Option(
        None, "--destination", help=f"A cloud service outside a VNet: {ops_inputs.DESTINATION_HELP}."
    ),
    approve_before_prepare: bool = typer.Option(
        False,
        "--approve-before-prepare",
        help="Wait for an approver before prepare too (phase AwaitingPrepareApproval: c2arm approve ID "
        "prepares, c2arm abort ID ends it with nothing changed).",
    ),
    requested_by: str | None = typer.Option(None, "--requested-by", help="Requester (queue submissions)."),
    file: Path | None = typer.Option(None, "--file", help="JSON/YAML file: a request or a list of them."),
    via: Via = typer.Option(
        Via.http,
        "--via",
        case_sensitive=False,
        help="http (POST /api/migrations) or queue (migration-requests).",
    ),
    connection_string: str | None = typer.Option(
        None,
        "--connection-string",
        envvar="C2ARM_STORAGE",
        help="Storage for --via queue (default: the stack's).",
    ),
    principal: str | None = Principal,
    app: str | None = AppUrl,
    state_dir: Path = StateDir,
) -> None:
    """Ask the app to migrate one unit (flags) or every request in --file."""
    if file and (kind or name or deployment or destination):
        raise fail("give either --file or --kind/--name (and --destination), not both", 2)
    if file:
        requests = _requests_from_file(file)
    else:
        missing = [flag for flag, value in (("--kind", kind), ("--name", name)) if not value]
        if missing:
            raise fail(f"{' and '.join(missing)} required (or --file FILE of requests)", 2)
        kind = ops_inputs.unit_kind(str(kind))
        if request_id is not None:
            ops_inputs.instance_id(request_id, "--request-id", new=True)
        where, window = ops_inputs.destination(destination), ops_inputs.window(window)
        subscription = subscription or (None if app else _stack_subscription(state_dir))
        requests = [
            _request_from_flags(
                subscription,
                kind,
                name,
                deployment,
                request_id,
                dry_run,
                window,
                requested_by,
                where,
                approve_before_prepare,
            )
        ]
    if via is Via.queue:
        _submit_to_queue(requests, connection_string, app, state_dir)
    else:
        _submit_over_http(requests, app, principal, state_dir)


def _stack_subscription(state_dir: Path) -> str | None:
    """The local stack's subscription (the default of --subscription without --app)."""
    try:
        return read_stack(state_dir).subscription_id
    except ConfigError as exc:
        raise fail(str(exc)) from None


def _submit_to_queue(
    requests: list[dict[str, Any]], connection_string: str | None, app: str | None, state_dir: Path
) -> None:
    """--via queue: every request checked here first (the queue answers nothing), then sent."""
    problems = []
    for index, request in enumerate(requests):
        try:
            parse_request(request)
        except RequestError as exc:
            problems.append(f"request {index} ({request.get('requestId', '?')}): {exc}")
    if problems:
        raise fail("; ".join(problems), 2)
    local = not connection_string
    if local:
        try:
            connection_string = read_stack(state_dir).storage_connection_string
        except ConfigError as exc:
            raise fail(f"--via queue needs --connection-string or C2ARM_STORAGE; {exc}", 2) from None
    for request_id, what in _send_to_queue(requests, connection_string or "", local):
        follow = f"c2arm status {request_id} --watch{flags_for(None if local else app, state_dir)}"
        out.print(f"{request_id}: {what}  (once the app takes it: {follow})", highlight=False, soft_wrap=True)


def _submit_over_http(
    requests: list[dict[str, Any]], app: str | None, principal: str | None, state_dir: Path
) -> None:
    """POST each request; the ones the app refuses are listed and the exit code is 1."""
    failures = 0
    with acting_client(app, state_dir, principal) as (client, principal):
        for request in requests:
            try:
                answer = client.submit(request, principal)
                out.print(
                    f"{answer.get('id')}: {answer.get('phase')}  "
                    f"(c2arm status {answer.get('id')} --watch{flags_for(app, state_dir)})",
                    highlight=False,
                    soft_wrap=True,
                )
            except ApiError as exc:
                if exc.status == 0:
                    raise
                failures += 1
                err.print(
                    f"[red]{request.get('requestId', '?')}[/red]: {exc}", highlight=False, soft_wrap=True
                )
    if failures:
        raise typer.Exit(1)


# -- status --------------------------------------------------------------------------------------
