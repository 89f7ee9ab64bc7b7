"""Reusable orchestration steps: activity calls, the operation monitor, windows, durable waits.

Each step is a generator used with `yield from` inside an orchestrator, so it runs in the
orchestrator's replay: no I/O, no clock but `context.current_utc_datetime`, no randomness.

Platform operations (prepare, commit, abort) follow the monitor pattern: an activity starts the
operation and returns at once (202 + request id); the orchestrator polls the status with durable
timers, honouring `Retry-After`, backing off up to a cap, and giving up at a deadline. No
activity ever waits for the platform.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df

from migration import windows

# Activity function names (the functions live in `activities/`).
SNAPSHOT = "snapshot_unit"
PRECHECK = "precheck_unit"
VALIDATE = "validate_unit"
START_OPERATION = "start_operation"
OPERATION_STATUS = "operation_status"
CHECK = "check_unit"
REPORT = "write_report"
NOTIFY = "notify"
AUDIT = "audit_entry"
PLAN_UNITS = "plan_units"
INDEX = "index_phase"

# Durable timers longer than this are chained (Azure Storage's limit is 7 days).
MAX_TIMER = timedelta(days=6)
# Polling an operation: the next poll comes at most this fraction of the time the operation has
# run so far after the last (within pollMinSeconds … pollMaxSeconds), so the poll that sees it
# done comes at most ~5 % after its end — half of the 10 % a plan may take over its critical
# path, the other half left for c2arm's own steps. See poll_operation; config `pollFraction`.
POLL_FRACTION = 0.05

Step = Generator[Any, Any, Any]


def retry_options(config: dict[str, Any]) -> df.RetryOptions:
    """Quick retries of one activity (transient errors); longer waits are the orchestrator's."""
    return df.RetryOptions(int(config.get("retryFirstMs", 1000)), int(config.get("retryAttempts", 5)))


def call(ctx: df.DurableOrchestrationContext, config: dict[str, Any], name: str, payload: Any) -> Step:
    """Call an activity with retries; its dict result (activities return `{"error"}` when permanent)."""
    result = yield ctx.call_activity_with_retry(name, retry_options(config), payload)
    return result


def sleep_until(ctx: df.DurableOrchestrationContext, fire_at: datetime) -> Step:
    """A durable timer, chained in steps of at most MAX_TIMER."""
    while ctx.current_utc_datetime < fire_at:
        yield ctx.create_timer(min(fire_at, ctx.current_utc_datetime + MAX_TIMER))


def window_opens_at(config: dict[str, Any], now: datetime) -> datetime:
    """When the next off-hours window opens (`now` if one is open), from the core's windows."""
    return windows.next_open(now, config["windows"], config.get("timezone", "UTC"))


def poll_operation(
    ctx: df.DurableOrchestrationContext,
    config: dict[str, Any],
    payload: dict[str, Any],
    started: dict[str, Any],
) -> Step:
    """Poll one started operation to its end: `{"ok": True}` or `{"ok": False, "transient", "error"}`.

    Schedule: the n-th wait is `clamp(pollFraction × time since the start, pollMinSeconds,
    pollMaxSeconds)` (or the platform's `Retry-After`, if longer). A doubling backoff to the cap
    overshoots a 5-minute operation by up to a minute (20 %); bounding the wait by a fraction of
    the elapsed time bounds the overshoot to that fraction (up to the cap), at the price of more
    polls for short operations (a 10-minute one: ~34 polls from 15 s instead of ~11) — never more
    often than pollMinSeconds, and never fewer for operations past `pollMaxSeconds / fraction`.
    """
    opened = ctx.current_utc_datetime
    deadline = opened + timedelta(minutes=float(config.get("deadlineMinutes", 240)))
    floor = float(config.get("pollMinSeconds", 5))
    cap = max(floor, float(config.get("pollMaxSeconds", 60)))
    fraction = float(config.get("pollFraction", POLL_FRACTION))
    interval = floor
    retry_after = float(started.get("retryAfter") or 0)
    status_input = {**payload, "requestId": started.get("requestId")}
    while True:
        delay = max(interval, retry_after)
        yield ctx.create_timer(ctx.current_utc_datetime + timedelta(seconds=delay))
        try:
            status = yield ctx.call_activity_with_retry(OPERATION_STATUS, retry_options(config), status_input)
        except Exception as exc:  # every quick retry failed: keep polling until the deadline
            status = {"status": "InProgress", "lastError": str(exc)[:500]}
        if status.get("error"):
            return {"ok": False, "transient": False, "error": status["error"]}
        if status.get("status") == "Succeeded":
            return {"ok": True, "requestId": started.get("requestId")}
        if status.get("status") == "Failed":
            return {
                "ok": False,
                "transient": bool(status.get("transient")),
                "error": status.get("failure") or {},
            }
        if ctx.current_utc_datetime >= deadline:
            minutes = config.get("deadlineMinutes")
            return {"ok": False, "transient": False,
                    "error": {"code": "OperationDeadline",
                              "message": f"{payload['operation']} did not finish within {minutes} minutes",
                              "requestId": started.get("requestId")}}  # fmt: skip
        retry_after = float(status.get("retryAfter") or 0)
        elapsed = (ctx.current_utc_datetime - opened).total_seconds()
        interval = min(cap, max(floor, fraction * elapsed))


def run_operation(
    ctx: df.DurableOrchestrationContext,
    config: dict[str, Any],
    base: dict[str, Any],
    operation: str,
    max_attempts: int,
    attempts_log: list[dict[str, Any]],
) -> Step:
    """Start and poll `operation` (prepare | commit | abort), restarting it after transient failures.

    Restarting is safe: the start activity reads the unit's MigrationState first, so an operation
    that already took effect is not repeated. Returns `{"ok": True}` or the last failure.
    """
    payload = {**base, "operation": operation}
    failure: dict[str, Any] = {"ok": False, "transient": False, "error": {"message": "not attempted"}}
    for attempt in range(1, max_attempts + 1):
        try:
            started = yield ctx.call_activity_with_retry(START_OPERATION, retry_options(config), payload)
        except Exception as exc:
            started = {"transientError": str(exc)[:500]}
        if started.get("error"):  # permanent: the platform refused with its reason
            attempts_log.append({"operation": operation, "attempt": attempt, "error": started["error"]})
            return {"ok": False, "transient": False, "error": started["error"]}
        if started.get("transientError"):
            failure = {"ok": False, "transient": True,
                       "error": {"code": "Transient", "message": started["transientError"]}}  # fmt: skip
        elif started.get("status") == "AlreadyDone":
            attempts_log.append({"operation": operation, "attempt": attempt, "alreadyDone": True})
            return {"ok": True}
        else:
            failure = yield from poll_operation(ctx, config, payload, started)
            entry = {"operation": operation, "attempt": attempt, "requestId": started.get("requestId")}
            attempts_log.append({**entry, "ok": failure["ok"], "error": failure.get("error")})
            if failure["ok"] or not failure["transient"]:
                return failure
        if attempt < max_attempts:  # back off before starting again: 1, 2, 4 … poll intervals
            backoff = float(config.get("pollMinSeconds", 5)) * (2 ** (attempt - 1))
            yield ctx.create_timer(ctx.current_utc_datetime + timedelta(seconds=backoff))
    return failure
