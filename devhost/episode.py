"""One episode's bookkeeping: messages into history, orchestrator actions into work — pure, no I/O.

Task ids must match the SDK's numbering exactly: it numbers activities, timers and
sub-orchestrations in the order they are yielded, and a retry (``call_*_with_retry``) takes a fresh
id for its retry timer when the failure is delivered and another for the rescheduled task when the
timer fires. :func:`deliver` gives those retry ids out *before* :func:`decide` numbers the new
actions of the same episode; the engine delivers a retry-related message alone in its episode so
that no user code runs in between (see :func:`batch`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from devhost import replay


@dataclass
class Work:
    """Side effects an episode asks for; the engine stores them with the history, atomically."""

    activities: list[dict[str, Any]] = field(default_factory=list)  # task_id, name, input, retry
    sub_orchestrations: list[dict[str, Any]] = field(default_factory=list)  # + instance_id
    timers: list[dict[str, Any]] = field(default_factory=list)  # timer_id, fire_at, tag, retry
    cancel_tags: list[str] = field(default_factory=list)
    entity_requests: list[dict[str, Any]] = field(default_factory=list)  # target, request (RequestMessage)


@dataclass
class EpisodeRecord:
    """What one episode appends to the history and starts, and how the execution stands after it."""

    events: list[dict[str, Any]]
    work: Work
    actions_seen: int
    next_id: int
    outcome: str  # running | completed | failed | continued
    output: str | None = None  # JSON text (completed), error text (failed), new input (continued)


def timer_tag(execution_id: str, action_index: int) -> str:
    """Names a durable timer by its action index, so a later `isCanceled` can withdraw it."""
    return f"{execution_id}:{action_index}"


# action types the devhost runs; anything else fails the orchestration naming the action
ACTION_NAMES = {
    replay.CALL_ACTIVITY: "CallActivity",
    replay.CALL_ACTIVITY_WITH_RETRY: "CallActivityWithRetry",
    replay.CALL_SUB_ORCHESTRATOR: "CallSubOrchestrator",
    replay.CALL_SUB_ORCHESTRATOR_WITH_RETRY: "CallSubOrchestratorWithRetry",
    replay.CONTINUE_AS_NEW_ACTION: "ContinueAsNew",
    replay.CREATE_TIMER: "CreateTimer",
    replay.WAIT_FOR_EXTERNAL_EVENT: "WaitForExternalEvent",
    replay.CALL_ENTITY: "CallEntity",
    replay.CALL_HTTP: "CallHttp",
    replay.SIGNAL_ENTITY: "SignalEntity",
    replay.WHEN_ANY: "WhenAny",
    replay.WHEN_ALL: "WhenAll",
}
HTTP_ACTIVITY = "BuiltIn::HttpActivity"  # the extension runs call_http as this built-in activity


def _entity_request(
    action: dict[str, Any], instance_id: str, execution_id: str, task_id: int, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The EventSent history event and the request message of a call_entity / signal_entity.

    The SDK reads the request id from the EventSent `Input` and then waits for an EventRaised of
    that name (the entity's response), so a call is matched by id, not by task number.
    """
    signal = action.get("actionType") == replay.SIGNAL_ENTITY
    request = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{instance_id}/{execution_id}/{task_id}")),
        "op": action.get("operation"),
        "signal": signal,
        "input": action.get("input"),
        "parent": None if signal else instance_id,
        "parentExecution": None if signal else execution_id,
    }
    target = str(action.get("instanceId"))
    sent = replay.event(
        replay.EVENT_SENT, now, task_id, InstanceId=target, Name=request["op"], Input=json.dumps(request)
    )
    return sent, {"target": target, "request": request}


def batch(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages of one episode: a retry-related one alone, else every message up to the next such."""
    if not messages:
        return []
    if messages[0].get("retry"):
        return messages[:1]
    taken = []
    for message in messages:
        if message.get("retry"):
            break
        taken.append(message)
    return taken


def _retry_from_action(action: dict[str, Any]) -> dict[str, Any] | None:
    options = action.get("retryOptions")
    if not options:
        return None
    return {
        "interval_ms": int(options.get("firstRetryIntervalInMilliseconds", 0)),
        "max": int(options.get("maxNumberOfAttempts", 1)),
        "attempt": 1,
    }


def _schedule(
    work: Work, events: list[dict[str, Any]], now: datetime, task_id: int, spec: dict[str, Any]
) -> None:
    """Record one scheduled activity / sub-orchestration (a first run or a retry) in history and work."""
    if spec["kind"] in ("activity", "http"):  # call_http runs as the built-in HTTP activity
        events.append(
            replay.event(replay.TASK_SCHEDULED, now, task_id, Name=spec["name"], Input=spec["input"])
        )
        work.activities.append({**spec, "task_id": task_id})
    else:
        events.append(
            replay.event(
                replay.SUB_ORCHESTRATION_CREATED,
                now,
                task_id,
                Name=spec["name"],
                InstanceId=spec["instance_id"],
                Input=spec["input"],
            )
        )
        work.sub_orchestrations.append({**spec, "task_id": task_id})


def deliver(
    messages: list[dict[str, Any]], now: datetime, next_id: int
) -> tuple[list[dict[str, Any]], Work, int]:
    """History events for delivered messages, plus the host's own retry timers and reschedules."""
    events: list[dict[str, Any]] = []
    work = Work()
    for message in messages:
        ev = dict(message["event"])
        ev.setdefault("EventId", -1)
        ev["IsPlayed"] = False
        ev["Timestamp"] = replay.iso(now)
        events.append(ev)
        retry = message.get("retry")
        if not retry:
            continue
        if ev["EventType"] in (replay.TASK_FAILED, replay.SUB_ORCHESTRATION_FAILED):
            fire_at = now + timedelta(milliseconds=retry["interval_ms"])
            events.append(replay.event(replay.TIMER_CREATED, now, next_id, FireAt=replay.iso(fire_at)))
            work.timers.append({"timer_id": next_id, "fire_at": fire_at, "tag": None, "retry": retry})
            next_id += 1
        elif ev["EventType"] == replay.TIMER_FIRED and retry["attempt"] < retry["max"]:
            spec = {**retry["spec"], "retry": {**retry, "attempt": retry["attempt"] + 1}}
            _schedule(work, events, now, next_id, spec)
            next_id += 1
        # TimerFired after the last attempt: the SDK raises the failure into the orchestrator
    return events, work, next_id


def decide(
    result: replay.EpisodeResult,
    *,
    instance_id: str,
    execution_id: str,
    actions_seen: int,
    next_id: int,
    now: datetime,
) -> EpisodeRecord:
    """History to append and work to start for the actions the orchestrator added this episode."""
    if result.failed:
        return _failed([], Work(), now, result.error, actions_seen, next_id)
    step = _Pass(instance_id, execution_id, now, next_id)
    for index, action in enumerate(result.actions[:actions_seen]):
        if action.get("actionType") == replay.CREATE_TIMER and action.get("isCanceled"):
            step.work.cancel_tags.append(timer_tag(execution_id, index))
    for index, action in enumerate(result.actions[actions_seen:], start=actions_seen):
        error = _take(step, action, index)
        if error is not None:
            return _failed(step.events, step.work, now, error, len(result.actions), step.next_id)
    events, work, next_id = step.events, step.work, step.next_id
    events.append(replay.event(replay.ORCHESTRATOR_COMPLETED, now))
    seen = len(result.actions)
    cont = result.continue_as_new
    if cont is not None and result.done:
        events.append(replay.event(replay.EXECUTION_COMPLETED, now, OrchestrationStatus="ContinuedAsNew"))
        return EpisodeRecord(events, work, seen, next_id, "continued", cont.get("input"))
    if result.done:
        events.append(
            replay.event(
                replay.EXECUTION_COMPLETED, now, OrchestrationStatus="Completed", Result=result.output
            )
        )
        return EpisodeRecord(events, work, seen, next_id, "completed", result.output)
    return EpisodeRecord(events, work, seen, next_id, "running")


@dataclass
class _Pass:
    """One pass over an episode's new actions: what it appends and starts, and the next task id."""

    instance_id: str
    execution_id: str
    now: datetime
    next_id: int
    events: list[dict[str, Any]] = field(default_factory=list)
    work: Work = field(default_factory=Work)


def _failed(
    events: list[dict[str, Any]], work: Work, now: datetime, error: str | None, seen: int, next_id: int
) -> EpisodeRecord:
    """The execution ends Failed with `error` (after what this episode already recorded)."""
    events.append(replay.event(replay.ORCHESTRATOR_COMPLETED, now))
    events.append(replay.event(replay.EXECUTION_COMPLETED, now, OrchestrationStatus="Failed", Result=error))
    return EpisodeRecord(events, work, seen, next_id, "failed", error)


def _take(step: _Pass, action: dict[str, Any], index: int) -> str | None:
    """Record one new action of the orchestrator; the error when the devhost does not run it."""
    kind = action.get("actionType")
    if kind == replay.CREATE_TIMER:
        fire_at = replay.parse_time(action["fireAt"])
        step.events.append(
            replay.event(replay.TIMER_CREATED, step.now, step.next_id, FireAt=replay.iso(fire_at))
        )
        if not action.get("isCanceled"):
            tag = timer_tag(step.execution_id, index)
            step.work.timers.append({"timer_id": step.next_id, "fire_at": fire_at, "tag": tag, "retry": None})
        step.next_id += 1
        return None
    if kind in (replay.WAIT_FOR_EXTERNAL_EVENT, replay.CONTINUE_AS_NEW_ACTION):
        return None
    if kind in (replay.CALL_ENTITY, replay.SIGNAL_ENTITY):
        sent, request = _entity_request(action, step.instance_id, step.execution_id, step.next_id, step.now)
        step.events.append(sent)
        step.work.entity_requests.append(request)
        step.next_id += 1
        return None
    spec = _task_spec(step, action, kind)
    if spec is None:
        name = ACTION_NAMES.get(kind) if isinstance(kind, int) else None
        what = f"'{name}'" if name else f"'{kind}' (not an action type of azure-functions-durable 1.7)"
        return f"the devhost does not support the orchestrator action {what}"
    retry = _retry_from_action(action)
    if retry is not None:
        retry["spec"] = dict(spec)
    _schedule(step.work, step.events, step.now, step.next_id, {**spec, "retry": retry})
    step.next_id += 1
    return None


def _task_spec(step: _Pass, action: dict[str, Any], kind: Any) -> dict[str, Any] | None:
    """What to run for an activity, sub-orchestration or HTTP action; None for any other kind."""
    if kind in (replay.CALL_ACTIVITY, replay.CALL_ACTIVITY_WITH_RETRY):
        return {"kind": "activity", "name": action["functionName"], "input": action.get("input")}
    if kind in (replay.CALL_SUB_ORCHESTRATOR, replay.CALL_SUB_ORCHESTRATOR_WITH_RETRY):
        child = action.get("instanceId") or f"{step.instance_id}:{step.next_id}"
        return {
            "kind": "sub",
            "name": action["functionName"],
            "input": action.get("input"),
            "instance_id": child,
        }
    if kind == replay.CALL_HTTP:
        return {"kind": "http", "name": HTTP_ACTIVITY, "input": json.dumps(action.get("httpRequest"))}
    return None
