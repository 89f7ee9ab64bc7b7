"""The history the status API shows (`showHistory=true`), in the shape the Durable extension gives it.

The extension (``DurableClient.GetDurableOrchestrationStatusAsync``) does not list the stored events
as they are: it names event types, folds every ``TaskScheduled`` / ``SubOrchestrationInstanceCreated``
into its completion or failure (adding ``FunctionName``, ``ScheduledTime`` and, with ``showInput``,
``Input``), renames ``ExecutionStarted``'s ``Name`` to ``FunctionName``, drops the
``OrchestratorStarted``/``OrchestratorCompleted`` episode markers, ``EventId`` and ``IsPlayed``, and
shows ``Result`` (parsed as JSON) only with ``showHistoryOutput=true``. This module does the same to
the devhost's stored events. Pure: no I/O.
"""

from __future__ import annotations

import json
from typing import Any

EVENT_NAMES = (
    "ExecutionStarted",
    "ExecutionCompleted",
    "ExecutionFailed",
    "ExecutionTerminated",
    "TaskScheduled",
    "TaskCompleted",
    "TaskFailed",
    "SubOrchestrationInstanceCreated",
    "SubOrchestrationInstanceCompleted",
    "SubOrchestrationInstanceFailed",
    "TimerCreated",
    "TimerFired",
    "OrchestratorStarted",
    "OrchestratorCompleted",
    "EventSent",
    "EventRaised",
    "ContinueAsNew",
    "GenericEvent",
    "HistoryState",
    "ExecutionSuspended",
    "ExecutionResumed",
)
_SCHEDULING = {"TaskScheduled", "SubOrchestrationInstanceCreated"}
_COMPLETION_OF = {
    "TaskCompleted": "TaskScheduled",
    "TaskFailed": "TaskScheduled",
    "SubOrchestrationInstanceCompleted": "SubOrchestrationInstanceCreated",
    "SubOrchestrationInstanceFailed": "SubOrchestrationInstanceCreated",
}
_WITH_OUTPUT = {"TaskCompleted", "SubOrchestrationInstanceCompleted", "ExecutionCompleted"}


def _parsed(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def history_view(events: list[dict[str, Any]], show_output: bool, show_input: bool) -> list[dict[str, Any]]:
    """The `historyEvents` array of the status payload for these stored events."""
    items: list[dict[str, Any] | None] = []
    scheduled: dict[tuple[str, Any], tuple[int, dict[str, Any]]] = {}
    for event in events:
        kind = event.get("EventType")
        name = EVENT_NAMES[kind] if isinstance(kind, int) and 0 <= kind < len(EVENT_NAMES) else str(kind)
        if name in ("OrchestratorStarted", "OrchestratorCompleted"):
            continue
        item = {"EventType": name, **{k: v for k, v in event.items() if k != "EventType"}}
        if name in _SCHEDULING:
            scheduled[(name, event.get("EventId"))] = (len(items), event)
            item.pop("Version", None)
        elif name in _COMPLETION_OF:
            _fold(items, scheduled, name, item, show_input)
        elif name == "ExecutionStarted":
            item["FunctionName"] = item.pop("Name", None)
            for key in ("OrchestrationInstance", "ParentInstance", "Version", "Tags"):
                item.pop(key, None)
        elif name == "TimerFired":
            item.pop("TimerId", None)
        if name in _WITH_OUTPUT:
            if show_output and "Result" in item:
                item["Result"] = _parsed(item["Result"])
            else:
                item.pop("Result", None)
        if not show_input:
            item.pop("Input", None)
        item.pop("EventId", None)
        item.pop("IsPlayed", None)
        items.append(item)
    return [item for item in items if item is not None]


def _fold(
    items: list[dict[str, Any] | None],
    scheduled: dict[tuple[str, Any], tuple[int, dict[str, Any]]],
    name: str,
    item: dict[str, Any],
    show_input: bool,
) -> None:
    """A completion takes over its scheduling event (dropped from `items`), as the extension shows it."""
    found = scheduled.get((_COMPLETION_OF[name], item.pop("TaskScheduledId", None)))
    if found is None:
        return
    index, origin = found
    items[index] = None  # folded into this completion, as the extension does
    item["ScheduledTime"] = origin["Timestamp"]
    item["FunctionName"] = origin.get("Name")
    if show_input:
        item["Input"] = origin.get("Input")
