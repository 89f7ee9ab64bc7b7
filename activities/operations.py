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

from activities._runtime import asm, phase
from connectors.asm import AsmClient
from connectors.errors import PermanentError, Reason, TransientError
from migration.requests import MigrationRequest
from migration.workflow import (
    ActivityError,
    OperationPoll,
    OperationProgress,
    OperationStarted,
    OperationStep,
)

bp = df.Blueprint()

# operation -> (states meaning "done", states meaning "under way")
TARGETS: dict[str, tuple[frozenset[str | None], frozenset[str | None]]] = {
    "prepare": (frozenset({"Prepared"}), frozenset({"Preparing"})),
    "commit": (frozenset({"Committed", "Gone"}), frozenset({"Committing"})),
    "abort": (frozenset({None, "Aborted"}), frozenset({"Aborting"})),
}


@bp.activity_trigger(input_name="payload")
@phase
def start_operation(payload: dict[str, Any]) -> OperationStarted:
    """Started (with the request id to poll) | AlreadyDone (with the state) | `{"error"}`."""
    step = OperationStep.from_json(payload)
    request, operation = step.migration_request(), step.operation
    client = asm(request.subscription_id)
    if operation == "prepare":
        result = client.prepare_unless_prepared(request.unit, request.destination)
    elif operation == "commit":
        result = client.commit_unless_committed(request.unit)
    elif operation == "abort":
        result = client.abort_unless_aborted(request.unit)
    else:  # the model admits nothing else
        raise AssertionError(operation)
    done, _ = TARGETS[operation]
    if result.started:
        return OperationStarted(status="Started", requestId=result.request_id, state=result.state)
    if result.state in done:
        return OperationStarted(status="AlreadyDone", state=result.state)
    return OperationStarted(status="Started", requestId=None, state=result.state)  # under way: watch it


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
def operation_status(payload: dict[str, Any]) -> OperationProgress:
    """One poll: InProgress | Succeeded | Failed (with `transient` and the `failure`)."""
    step = OperationPoll.from_json(payload)
    request, operation, request_id = step.migration_request(), step.operation, step.request_id
    client = asm(request.subscription_id)
    try:
        if not request_id:
            done, moving = TARGETS[operation]
            state = _state(client, request)
            if state in done:
                return OperationProgress(status="Succeeded", state=state)
            if state in moving:
                return OperationProgress(status="InProgress", state=state)
            message = f"{operation}: the unit is {state or 'not prepared'}"
            failure = ActivityError(code="StateChanged", message=message)
            return OperationProgress(status="Failed", transient=True, state=state, failure=failure)
        status = client.operation_status(request_id)
    except TransientError as error:  # throttled or briefly down: poll again, after Retry-After
        return OperationProgress(status="InProgress", retryAfter=error.retry_after, lastError=error.message)
    if status.status == "Failed":
        platform = status.error
        failure = ActivityError(
            code=platform.code if platform else "Failed",
            message=platform.message if platform else "the operation failed",
            requestId=request_id,
        )
        return OperationProgress(
            status="Failed", transient=bool(platform and platform.transient), failure=failure
        )
    return OperationProgress(status=status.status)
