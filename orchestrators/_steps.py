"""Reusable orchestration steps: activity calls, the operation monitor, windows, durable waits.

Each step is a generator used with `yield from` inside an orchestrator, so it runs in the
orchestrator's replay: no I/O, no clock but `context.current_utc_datetime`, no randomness.

Platform operations (prepare, commit, abort) follow the monitor pattern: an activity starts the
operation and returns at once (202 + request id); the orchestrator polls the status with durable
timers, honouring `Retry-After`, backing off up to a cap, and giving up at a deadline. No
activity ever waits for the platform.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol, runtime_checkable

import azure.durable_functions as df
from azure.durable_functions.models.Task import TaskBase, TaskState

from migration import names, windows
from migration.requests import WorkflowConfig
from migration.workflow import (
    ActivityError,
    OperationKind,
    OperationOutcome,
    OperationPoll,
    OperationProgress,
    OperationStarted,
    OperationStep,
    UnitStep,
)

# Durable timers longer than this are chained (Azure Storage's limit is 7 days).
MAX_TIMER = timedelta(days=6)
# Polling an operation: the next poll comes at most this fraction of the time the operation has
# run so far after the last (within pollMinSeconds … pollMaxSeconds), so the poll that sees it
# done comes at most ~5 % after its end — half of the 10 % a plan may take over its critical
# path, the other half left for c2arm's own steps. See poll_operation. A constant, not a setting:
# the 5 % is the share of the plan's budget this schedule is designed to, not a tuning knob.
POLL_FRACTION = 0.05
# Permanent errors that say nothing about the unit (our access or the answer's shape): a unit
# whose validate fails for one of these ends Failed, not NotMigratable.
ACCESS_REASONS = frozenset({"auth", "configuration", "protocol"})

Step = Generator[Any, Any, Any]


def error_finding(error: ActivityError, default_code: str) -> dict[str, Any]:
    """An activity's failure as an `error` finding of the unit (its code, else `default_code`)."""
    return {"severity": "error", "code": error.code or default_code, "message": error.message}


@runtime_checkable
class _Cancellable(Protocol):
    def cancel(self) -> None: ...


def cancel_timer(timer: TaskBase) -> None:
    """Cancel a timer from `create_timer`, which the SDK annotates as a bare `TaskBase`: what it
    returns (`TimerTask`, or `LongTimerTask` for a long timer) has `cancel`."""
    if not isinstance(timer, _Cancellable):
        raise TypeError(f"not a durable timer: {type(timer).__name__}")
    timer.cancel()


class ActivityFailed(Exception):
    """An activity failed every quick retry (or a sub-orchestration failed): the host's TaskFailed,
    as the orchestrator sees it.

    The SDK raises a bare `Exception` for a failed task; `call` and `sub_orchestration` turn exactly
    that into this type, so an orchestrator catches activity failures only — a bug in its own code
    still fails the orchestration (the host records it), instead of being reported as the unit's
    failure.
    """


def retry_options(config: WorkflowConfig) -> df.RetryOptions:
    """Quick retries of one activity (transient errors); longer waits are the orchestrator's."""
    return df.RetryOptions(config.retry_first_ms, config.retry_attempts)


def _outcome(task: Any) -> Step:
    """Wait for a scheduled task; its result, or ActivityFailed when the host recorded its failure."""
    try:
        result = yield task
    except Exception as exc:
        if task.state is TaskState.FAILED and exc is task.result:  # what the host recorded
            raise ActivityFailed(str(exc)) from exc
        raise
    return result


def _activity(ctx: df.DurableOrchestrationContext, config: WorkflowConfig, name: str, payload: Any) -> Step:
    """Schedule an activity with retries; its result, or ActivityFailed when every retry failed."""
    return (yield from _outcome(ctx.call_activity_with_retry(name, retry_options(config), payload)))


def sub_orchestration(ctx: df.DurableOrchestrationContext, name: str, payload: Any, instance_id: str) -> Step:
    """Run a sub-orchestration; its output, or ActivityFailed when it failed (the host's TaskFailed).

    As for activities, only the failure the host recorded becomes ActivityFailed: an error raised
    by the calling orchestrator's own code still fails that orchestration."""
    return (yield from _outcome(ctx.call_sub_orchestrator(name, payload, instance_id)))


def call(ctx: df.DurableOrchestrationContext, config: WorkflowConfig, name: str, payload: Any) -> Step:
    """Call an activity with retries; its JSON result (activities return `{"error"}` when permanent).

    `payload` is a contract model (`migration.workflow`) or plain JSON; models travel as their
    `to_json()` so the history holds plain JSON. Raises ActivityFailed when every retry failed.
    """
    result = yield from _activity(ctx, config, name, _plain(payload))
    return result


def _plain(payload: Any) -> Any:
    """A contract model as its `to_json()` (so the history holds plain JSON), plain JSON as is."""
    return payload.to_json() if hasattr(payload, "to_json") else payload


def call_alongside(
    ctx: df.DurableOrchestrationContext,
    config: WorkflowConfig,
    name: str,
    payload: Any,
    side: tuple[str, Any] | None,
) -> Step:
    """`call`, with a bookkeeping activity `side` (name, input) run at the same time (one
    `task_all`, so it costs the step no round trip of its own); returns (the result of `name`,
    the side's failure message or None).

    The side is bookkeeping: its failure after every retry is returned, never raised, and the
    main activity's result (or ActivityFailed) is what the step gets either way.
    """
    if side is None:
        return (yield from call(ctx, config, name, payload)), None
    main = ctx.call_activity_with_retry(name, retry_options(config), _plain(payload))
    extra = ctx.call_activity_with_retry(side[0], retry_options(config), _plain(side[1]))
    try:
        yield ctx.task_all([extra, main])
    except Exception as exc:  # the first to fail every retry ends the task_all: see which
        if not any(t.state is TaskState.FAILED and exc is t.result for t in (extra, main)):
            raise
    if extra.state is TaskState.RUNNING:  # the main activity failed first: the side's end too
        try:
            yield extra
        except Exception as exc:
            if exc is not extra.result:
                raise
    side_error = str(extra.result) if extra.state is TaskState.FAILED else None
    return (yield from _outcome(main)), side_error


def sleep_until(ctx: df.DurableOrchestrationContext, fire_at: datetime) -> Step:
    """A durable timer, chained in steps of at most MAX_TIMER."""
    while ctx.current_utc_datetime < fire_at:
        yield ctx.create_timer(min(fire_at, ctx.current_utc_datetime + MAX_TIMER))


def window_opens_at(config: WorkflowConfig, now: datetime) -> datetime:
    """When the next off-hours window opens (`now` if one is open), from the core's windows."""
    return windows.next_open(now, config.windows, config.timezone)


def poll_operation(
    ctx: df.DurableOrchestrationContext,
    config: WorkflowConfig,
    step: OperationStep,
    started: OperationStarted,
) -> Step:
    """Poll one started operation to its end (an OperationOutcome).

    Schedule: the n-th wait is `clamp(POLL_FRACTION × time since the start, pollMinSeconds,
    pollMaxSeconds)` (or the platform's `Retry-After`, if longer). A doubling backoff to the cap
    overshoots a 5-minute operation by up to a minute (20 %); bounding the wait by a fraction of
    the elapsed time bounds the overshoot to that fraction (up to the cap), at the price of more
    polls for short operations (a 10-minute one: ~34 polls from 15 s instead of ~11) — never more
    often than pollMinSeconds, and never fewer for operations past `pollMaxSeconds / fraction`.
    """
    opened = ctx.current_utc_datetime
    deadline = opened + timedelta(minutes=config.deadline_minutes)
    floor = config.poll_min_seconds
    cap = max(floor, config.poll_max_seconds)
    interval = floor
    retry_after = started.retry_after or 0
    poll = OperationPoll(
        id=step.id, request=step.request, operation=step.operation, requestId=started.request_id
    )
    while True:
        delay = max(interval, retry_after)
        yield ctx.create_timer(ctx.current_utc_datetime + timedelta(seconds=delay))
        try:
            raw = yield from call(ctx, config, names.OPERATION_STATUS, poll)
            status = OperationProgress.from_json(raw)
        except ActivityFailed as exc:  # every quick retry failed: keep polling until the deadline
            status = OperationProgress(status="InProgress", lastError=str(exc)[:500])
        if status.error:
            return OperationOutcome(ok=False, error=status.error)
        if status.status == "Succeeded":
            return OperationOutcome(ok=True)
        if status.status == "Failed":
            return OperationOutcome(
                ok=False, transient=status.transient, error=status.failure or ActivityError()
            )
        if ctx.current_utc_datetime >= deadline:
            message = f"{step.operation} did not finish within {config.deadline_minutes} minutes"
            error = ActivityError(code="OperationDeadline", message=message, requestId=started.request_id)
            return OperationOutcome(ok=False, error=error)
        retry_after = status.retry_after or 0
        elapsed = (ctx.current_utc_datetime - opened).total_seconds()
        interval = min(cap, max(floor, POLL_FRACTION * elapsed))


def run_operation(
    ctx: df.DurableOrchestrationContext,
    config: WorkflowConfig,
    base: UnitStep,
    operation: OperationKind,
    max_attempts: int,
    attempts_log: list[dict[str, Any]],
    first_call: Callable[[str, Any], Step] | None = None,
) -> Step:
    """Start and poll `operation` (prepare | commit | abort), restarting it after transient failures.

    Restarting is safe: the start activity reads the unit's MigrationState first, so an operation
    that already took effect is not repeated. Returns an OperationOutcome (the last failure).
    `first_call` (name, input) makes the first start (the caller's: `call` with its phase index
    write alongside); later starts are plain `call`s.
    """
    step = OperationStep(id=base.id, request=base.request, operation=operation)
    failure = OperationOutcome(ok=False, error=ActivityError(message="not attempted"))
    for attempt in range(1, max_attempts + 1):
        transient_error: str | None = None
        make = first_call if first_call is not None and attempt == 1 else partial(call, ctx, config)
        try:
            started = OperationStarted.from_json((yield from make(names.START_OPERATION, step)))
        except ActivityFailed as exc:
            started, transient_error = OperationStarted(), str(exc)[:500]
        if started.error:  # permanent: the platform refused with its reason
            attempts_log.append(
                {"operation": operation, "attempt": attempt, "error": started.error.to_json()}
            )
            return OperationOutcome(ok=False, error=started.error)
        if transient_error is not None:
            failure = OperationOutcome(
                ok=False, transient=True, error=ActivityError(code="Transient", message=transient_error)
            )
        elif started.status == "AlreadyDone":
            attempts_log.append({"operation": operation, "attempt": attempt, "alreadyDone": True})
            return OperationOutcome(ok=True)
        else:
            failure = yield from poll_operation(ctx, config, step, started)
            entry = {"operation": operation, "attempt": attempt, "requestId": started.request_id}
            error = failure.error.to_json() if failure.error else None
            attempts_log.append({**entry, "ok": failure.ok, "error": error})
            if failure.ok or not failure.transient:
                return failure
        if attempt < max_attempts:  # back off before starting again: 1, 2, 4 … poll intervals
            backoff = config.poll_min_seconds * (2 ** (attempt - 1))
            yield ctx.create_timer(ctx.current_utc_datetime + timedelta(seconds=backoff))
    return failure
