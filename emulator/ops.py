"""Asynchronous platform operations (`x-ms-request-id` → `GET /operations/{id}`).

An operation is InProgress until it is due, then its completer runs (the migration effect, a
role start …) and it ends Succeeded or Failed. Progress is set per emulator: `immediate` (done
when started), `timed` (durations in platform seconds, scaled by `--time-scale`), or `manual`
(InProgress until the admin API completes it). Completion happens lazily on the next request,
so there is no background thread to race with.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from emulator import switches
from emulator.records import Operation
from emulator.state import Platform

log = logging.getLogger("emulator.ops")

# kind -> completer(platform, op) -> (status, code, message), and kind -> undo(platform, op) when
# an operation of that kind fails; registered by the models
Completer = Callable[[Platform, Operation], tuple[str, str | None, str | None]]
Undo = Callable[[Platform, Operation], None]
COMPLETERS: dict[str, Completer] = {}
UNDOS: dict[str, Undo] = {}
TERMINAL = ("Succeeded", "Failed")


def register(kind: str, completer: Completer, undo: Undo | None = None) -> None:
    """`completer` is the effect of an operation of `kind` when it is due and not planned to
    fail; `undo`, if any, what its failure leaves behind. A kind with neither (a repeat answered
    at once: `noop:…`) just ends Succeeded, or Failed if forced to."""
    COMPLETERS[kind] = completer
    if undo is not None:
        UNDOS[kind] = undo


def start(
    platform: Platform,
    kind: str,
    *,
    unit: str | None = None,
    duration_key: str = "write",
    data: dict[str, Any] | None = None,
    failure: dict[str, Any] | None = None,
    slow: float = 1.0,
) -> Operation:
    """Create an operation; it finishes when due (or at once when progress is `immediate`)."""
    now = platform.clock.now()
    mode = platform.controls.progress.mode
    duration = float(platform.controls.progress.durations.get(duration_key, 1.0)) * slow
    op = Operation(
        id=platform.next_id(),
        kind=kind,
        unit=unit,
        created=now,
        due=now
        if (data or {}).get("immediate") or mode == "immediate"
        else (None if mode == "manual" else now + duration),
        data=data or {},
        failure=failure,
    )
    platform.ops[op.id] = op
    if op.due is not None and op.due <= now:
        finish(platform, op)
    return op


def finish(platform: Platform, op: Operation, forced: dict[str, Any] | None = None) -> None:
    """Run the operation's effect and record its outcome (idempotent for finished ones)."""
    if op.status in TERMINAL:
        return
    failure = forced if forced and forced.get("status") == "Failed" else op.failure
    completer = COMPLETERS.get(op.kind)
    try:
        if completer and not failure:
            status, code, message = completer(platform, op)
        else:
            status, code, message = "Succeeded", None, None
    except Exception:  # a bug in an effect must not leave the unit stuck InProgress
        log.exception("operation %s (%s) failed inside the emulator", op.id, op.kind)
        failure = {"code": "InternalError", "message": "Internal server error"}
    if failure:
        status, code, message = "Failed", failure.get("code") or "InternalError", failure.get("message")
        undo = UNDOS.get(op.kind)
        if undo:
            undo(platform, op)
    op.status = status
    op.finished = platform.clock.now()
    if status == "Failed":
        op.http_status_code = 500 if code == "InternalError" else 400
        op.error = {"code": code or "BadRequest", "message": message or "Internal server error"}
    else:
        op.http_status_code = 200


TIMED_OUT = {"status": "Failed", "code": "OperationTimedOut", "message": "The operation timed out."}


def advance(platform: Platform) -> bool:
    """Finish every due operation; True when anything changed (the caller then saves).

    With the `operationTimeoutHours` switch set, an operation still running that long ends Failed
    `OperationTimedOut` (no public source gives such a limit: off by default)."""
    now = platform.clock.now()
    hours = switches.value(platform, "operationTimeoutHours")
    limit = None if hours is None else float(hours) * 3600
    changed = False
    running = [o for o in platform.ops.values() if o.status == "InProgress"]
    for op in sorted(running, key=lambda o: o.created):
        timeout_at = None if limit is None else op.created + limit
        due = op.due
        if timeout_at is not None and timeout_at <= now and (due is None or timeout_at < due):
            finish(platform, op, TIMED_OUT)
            changed = True
        elif due is not None and due <= now:
            finish(platform, op)
            changed = True
    return changed


def in_flight(platform: Platform, unit: str) -> Operation | None:
    """The unit's running migration operation, if any (repeats return it: idempotent)."""
    for op in platform.ops.values():
        if op.unit == unit and op.status == "InProgress":
            return op
    return None
