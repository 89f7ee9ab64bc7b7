"""A non-determinism check like Temporal's replayer: the work today's code schedules, replayed
over a recorded history, must be the work that history says was scheduled, in the same order.

The Durable SDK for Python does not check this itself (it matches results to tasks by sequence
number and carries on), so an orchestrator that drifted — an activity added, removed, renamed
or reordered — would hand in-flight instances the wrong results after a deploy. This compares
the scheduled activities and sub-orchestrations of the history (a quick retry, which the host
schedules again under the same name after the failure and its retry timer, counted once) with
the orchestrator's actions.
"""

from __future__ import annotations

from typing import Any

from tests.replay.workflow.harness import flat_actions, replay

TASK_SCHEDULED, TASK_FAILED, SUB_CREATED, TIMER_CREATED = 4, 6, 7, 10


class NonDeterminismError(AssertionError):
    """Today's orchestrator schedules other work than the recorded history holds."""


def scheduled_in(history: list[dict[str, Any]]) -> list[str]:
    """The names the history scheduled, each quick retry of a failed task counted once."""
    names: list[str] = []
    by_id: dict[int, str] = {}  # task id (the order of scheduling events, timers included) → name
    sequence = 0
    retrying: str | None = None  # the name of a task that failed, until its retry is scheduled
    for event in history:
        kind = event["EventType"]
        if kind == TIMER_CREATED:
            sequence += 1
        elif kind == TASK_FAILED:
            retrying = by_id.get(event.get("TaskScheduledId", -1))
        elif kind in (TASK_SCHEDULED, SUB_CREATED):
            by_id[sequence] = event["Name"]
            sequence += 1
            if retrying is not None and event["Name"] == retrying:
                retrying = None  # the host's retry of the same task, not new work
                continue
            retrying = None
            names.append(event["Name"])
    return names


def check_replay(handle: Any, context: dict[str, Any]) -> dict[str, Any]:
    """Replay `context` through `handle`; the state, or NonDeterminismError naming the first drift."""
    state = replay(handle, context)
    if state.get("error") and not state.get("actions"):
        raise NonDeterminismError(f"the orchestrator failed on replay: {state['error'][:300]}")
    produced = [a["functionName"] for a in flat_actions(state) if a.get("actionType") in (0, 1, 2, 3)]
    recorded = scheduled_in(context["history"])
    for index, name in enumerate(recorded):
        now = produced[index] if index < len(produced) else None
        if now != name:
            raise NonDeterminismError(f"task {index}: the history scheduled {name!r}, the code now {now!r}")
    if state.get("isDone") and len(produced) != len(recorded):
        raise NonDeterminismError(f"the code schedules {produced[len(recorded) :]} after the recorded end")
    return state
