"""Start a platform operation (prepare / commit / abort) and report its status — never wait.

`start_operation` reads the unit's `MigrationState` first (the connectors' `…_unless_…`
helpers), so running it again after a crash or a retry starts nothing the platform already did.
`operation_status` is one poll; the orchestrator calls it again after a durable timer. When the
start found the operation already under way (no request id of ours), the poll watches the
unit's `MigrationState` until it reaches the target instead.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities._runtime import asm, phase, request_of
from connectors.asm import AsmClient
from connectors.errors import PermanentError, Reason, TransientError
from migration.requests import MigrationRequest

bp = df.Blueprint()

# operation -> (states meaning "done", states meaning "under way")
TARGETS: dict[str, tuple[frozenset[str | None], frozenset[str | None]]] = {
    "prepare": (frozenset({"Prepared"}), frozenset({"Preparing"})),
    "commit": (frozenset({"Committed", "Gone"}), frozenset({"Committing"})),
    "abort": (frozenset({None, "Aborted"}), frozenset({"Aborting"})),
}


@bp.activity_trigger(input_name="payload")
@phase
def start_operation(payload: dict[str, Any]) -> dict[str, Any]:
    """`{"status": "Started", "requestId"}` | `{"status": "AlreadyDone", "state"}` | `{"error"}`."""
    request = request_of(payload)
    operation = payload["operation"]
    client = asm(request.subscription_id)
    if operation == "prepare":
        result = client.prepare_unless_prepared(request.unit, request.destination)
    elif operation == "commit":
        result = client.commit_unless_committed(request.unit)
    elif operation == "abort":
        result = client.abort_unless_aborted(request.unit)
    else:
        raise ValueError(f"operation {operation!r}: must be prepare, commit or abort")
    done, _ = TARGETS[operation]
    if result.started:
        return {"status": "Started", "requestId": result.request_id, "state": result.state}
    if result.state in done:
        return {"status": "AlreadyDone", "state": result.state}
    return {"status": "Started", "requestId": None, "state": result.state}  # under way: watch the state


def _state(client: AsmClient, request: MigrationRequest) -> str | None:
    """The unit's MigrationState; "Gone" once commit removed the classic side."""
    try:
        return client.migration_state(client.resolve_unit(request.unit))
    except PermanentError as error:
        if error.reason == Reason.NOT_FOUND:
            return "Gone"
        raise


@bp.activity_trigger(input_name="payload")
@phase
def operation_status(payload: dict[str, Any]) -> dict[str, Any]:
    """One poll: `{"status": InProgress|Succeeded|Failed, "retryAfter"?, "transient"?, "failure"?}`."""
    request = request_of(payload)
    operation = payload["operation"]
    client = asm(request.subscription_id)
    request_id = payload.get("requestId")
    try:
        if not request_id:
            done, moving = TARGETS[operation]
            state = _state(client, request)
            if state in done:
                return {"status": "Succeeded", "state": state}
            if state in moving:
                return {"status": "InProgress", "state": state}
            message = f"{operation}: the unit is {state or 'not prepared'}"
            failure = {"code": "StateChanged", "message": message}
            return {"status": "Failed", "transient": True, "state": state, "failure": failure}
        status = client.operation_status(request_id)
    except TransientError as error:  # throttled or briefly down: poll again, after Retry-After
        return {"status": "InProgress", "retryAfter": error.retry_after, "lastError": error.message}
    if status.status == "Failed":
        error = status.error
        return {"status": "Failed", "transient": bool(error and error.transient),
                "failure": {"code": error.code if error else "Failed",
                            "message": error.message if error else "the operation failed",
                            "requestId": request_id}}  # fmt: skip
    return {"status": status.status}
