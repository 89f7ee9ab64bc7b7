"""The replay driver: history in, orchestrator state out. Pure — no store, no clock, no I/O.

The Durable Python SDK does the replay itself (``Orchestrator.handle``); this module only speaks
its wire format (see ``docs/devhost.md`` and the protocol reference): it builds the context JSON
the Functions host would send, calls the orchestrator function, and decodes what comes back
(including the ``$OutOfProcData$`` error form) into an :class:`EpisodeResult`.
"""

from __future__ import annotations

import functools
import importlib
import json
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from azure.functions._durable_functions import OrchestrationContext
from dateutil.parser import parse as _dateutil_parse

# History event types (azure/durable_functions/models/history/HistoryEventType.py)
EXECUTION_STARTED = 0
EXECUTION_COMPLETED = 1
EXECUTION_FAILED = 2
EXECUTION_TERMINATED = 3
TASK_SCHEDULED = 4
TASK_COMPLETED = 5
TASK_FAILED = 6
SUB_ORCHESTRATION_CREATED = 7
SUB_ORCHESTRATION_COMPLETED = 8
SUB_ORCHESTRATION_FAILED = 9
TIMER_CREATED = 10
TIMER_FIRED = 11
ORCHESTRATOR_STARTED = 12
ORCHESTRATOR_COMPLETED = 13
EVENT_SENT = 14
EVENT_RAISED = 15
CONTINUE_AS_NEW = 16
GENERIC_EVENT = 17
EXECUTION_SUSPENDED = 19
EXECUTION_RESUMED = 20

# Action types (azure/durable_functions/models/actions/ActionType.py)
CALL_ACTIVITY = 0
CALL_ACTIVITY_WITH_RETRY = 1
CALL_SUB_ORCHESTRATOR = 2
CALL_SUB_ORCHESTRATOR_WITH_RETRY = 3
CONTINUE_AS_NEW_ACTION = 4
CREATE_TIMER = 5
WAIT_FOR_EXTERNAL_EVENT = 6
CALL_ENTITY = 7
CALL_HTTP = 8
SIGNAL_ENTITY = 9
WHEN_ANY = 11
WHEN_ALL = 12
COMPOUND_TYPES = {WHEN_ANY, WHEN_ALL}

ERROR_MARKER = "\n\n$OutOfProcData$:"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def iso(moment: datetime) -> str:
    """The timestamp format of history events and timer actions (UTC, microseconds, `Z`)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    if moment.year < 1000:  # strftime's %Y does not pad these everywhere: keep its answer
        return moment.strftime(TIME_FORMAT)
    # the same text as strftime(TIME_FORMAT), at a fifth of its cost (several per episode)
    return moment.isoformat(timespec="microseconds") + "Z"


def parse_time(text: str) -> datetime:
    """Parse an ISO timestamp (with or without `Z`) as an aware UTC datetime."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_Z_TZ = _dateutil_parse("2000-01-01T00:00:00.000000Z").tzinfo  # what dateutil gives for `Z` here


def fast_dt_parse(text: Any, *args: Any, **kwargs: Any) -> datetime:
    """dateutil's `parse`, short-cut for the timestamps this host writes (identical result).

    The SDK parses every history event's `Timestamp` with dateutil on every replay, which is ~80 %
    of an episode's cost. For exactly our format (`YYYY-MM-DDTHH:MM:SS.ffffffZ`) this returns the
    value dateutil would (same fields, same tzinfo); anything else goes to dateutil unchanged.
    """
    if not args and not kwargs and isinstance(text, str):
        parsed = _parse_own_format(text)
        if parsed is not None:
            return parsed
    # a datetime: the SDK never asks for `fuzzy_with_tokens` (the one option returning a tuple)
    fallback: datetime = _dateutil_parse(text, *args, **kwargs)
    return fallback


@functools.lru_cache(maxsize=16384)  # every replay parses every played event's timestamp again
def _parse_own_format(text: str) -> datetime | None:
    """`YYYY-MM-DDTHH:MM:SS.ffffffZ` as dateutil reads it (shared: datetimes are immutable); None else."""
    if (
        len(text) == 27
        and text[-1] == "Z"
        and text[4] == "-"
        and text[7] == "-"
        and text[10] == "T"
        and text[13] == ":"
        and text[16] == ":"
        and text[19] == "."
    ):
        try:
            return datetime(
                int(text[0:4]),
                int(text[5:7]),
                int(text[8:10]),
                int(text[11:13]),
                int(text[14:16]),
                int(text[17:19]),
                int(text[20:26]),
                tzinfo=_Z_TZ,
            )
        except ValueError:
            pass
    return None


# the SDK module looks `dt_parse` up at call time: give it the short-cut (see fast_dt_parse)
# (by name: the package exports a class of the module's name; Any, as the attribute is replaced)
_history_event_module: Any = importlib.import_module("azure.durable_functions.models.history.HistoryEvent")
_history_event_module.dt_parse = fast_dt_parse

# The SDK's TaskOrchestrationExecutor builds the same two-field namedtuple class afresh in every
# episode (`namedtuple` compiles its `__new__` with `eval`: ~15 % of a short episode's replay). The
# module looks `namedtuple` up at call time: give it one that builds each distinct class once
# (same fields, same values; only the class object is shared between episodes, and nothing compares it).
_namedtuple_once = functools.lru_cache(maxsize=None)(namedtuple)


def shared_namedtuple(typename: str, field_names: Any, **kwargs: Any) -> Any:
    """`collections.namedtuple`, each distinct class built once (unhashable arguments: built afresh)."""
    try:
        return _namedtuple_once(typename, field_names, **kwargs)
    except TypeError:  # e.g. field names given as a list
        return namedtuple(typename, field_names, **kwargs)


_executor_module: Any = importlib.import_module("azure.durable_functions.models.TaskOrchestrationExecutor")
_executor_module.namedtuple = shared_namedtuple


def event(event_type: int, timestamp: datetime, event_id: int = -1, **fields: Any) -> dict[str, Any]:
    """One history event in the shape the SDK reads (`EventType`, `EventId`, `IsPlayed`, `Timestamp`)."""
    return {
        "EventType": event_type,
        "EventId": event_id,
        "IsPlayed": False,
        "Timestamp": iso(timestamp),
        **fields,
    }


@dataclass(frozen=True)
class EpisodeResult:
    """What one orchestrator invocation decided."""

    done: bool
    failed: bool
    actions: list[dict[str, Any]] = field(default_factory=list)  # flattened, all since the start
    output: str | None = None  # JSON text
    error: str | None = None
    custom_status: str | None = None  # JSON text

    @property
    def continue_as_new(self) -> dict[str, Any] | None:
        """The ContinueAsNew action when the orchestrator restarts itself instead of completing."""
        for action in self.actions:
            if action.get("actionType") == CONTINUE_AS_NEW_ACTION:
                return action
        return None


def flatten_actions(payload: list[Any]) -> list[dict[str, Any]]:
    """Actions in the order the SDK yielded them: `[[…]]` (schema V2/V3) with WhenAll/WhenAny opened up."""
    flat: list[dict[str, Any]] = []

    def walk(item: Any) -> None:
        if isinstance(item, list):
            for child in item:
                walk(child)
        elif isinstance(item, dict):
            if item.get("actionType") in COMPOUND_TYPES:
                walk(item.get("compoundActions", []))
            else:
                flat.append(item)

    walk(payload)
    return flat


class PlayedHistory(list[dict[str, Any]]):
    """An instance's played history events, with the JSON text of each kept beside it (`texts`).

    Every episode hands the orchestrator the whole history as JSON; played events never change, so
    their text (as stored) is reused instead of encoded again (`context_json`'s `encoded`), which
    was a tenth of a short episode's cost. Only ever extended, events and texts together.
    """

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self.texts = list(texts)
        super().__init__(json.loads(text) for text in self.texts)

    def extend_played(self, events: list[dict[str, Any]], texts: list[str]) -> None:
        self.extend(events)
        self.texts.extend(texts)


def context_json(
    instance_id: str,
    history: list[dict[str, Any]],
    input_text: str | None,
    parent_instance_id: str | None,
    encoded: Sequence[str] = (),
) -> str:
    """The orchestration trigger payload the Functions host sends (replay schema V3, no long-timer split).

    `encoded`: `json.dumps` of the first `len(encoded)` events of `history`, when the caller has them;
    the text is the same as `json.dumps` of the whole payload either way.
    """
    rest: dict[str, Any] = {
        "instanceId": instance_id,
        "isReplaying": any(e.get("IsPlayed") for e in history[1:2]),
        "parentInstanceId": parent_instance_id,
        "upperSchemaVersion": 1,
        "upperSchemaVersionNew": 3,
    }
    if input_text is not None:
        rest["input"] = input_text
    events = [*encoded, *(json.dumps(e) for e in history[len(encoded) :])]
    # json.dumps({"history": history, **rest}), spelled out: "history" first, the same separators
    return '{"history": [' + ", ".join(events) + "], " + json.dumps(rest)[1:]


def _state_result(state: dict[str, Any], failed: bool, error: str | None) -> EpisodeResult:
    output = state.get("output")
    custom = state.get("customStatus")
    return EpisodeResult(
        done=bool(state.get("isDone")) or failed,
        failed=failed,
        actions=flatten_actions(state.get("actions") or []),
        output=None if output is None else json.dumps(output),
        error=error,
        custom_status=None if custom is None else json.dumps(custom),
    )


def run_episode(orchestrator: Callable[..., Any], payload: str) -> EpisodeResult:
    """Invoke the SDK-wrapped orchestrator function with a context payload and decode its state.

    An exception from user code comes back from the SDK as ``"<error>\\n\\n$OutOfProcData$:<state>"``;
    anything else raised (an SDK error, bad input) also fails the orchestration, with its text.
    """
    try:
        text = orchestrator(OrchestrationContext(payload))
    # the orchestration failed: the SDK reports a failure of app code by raising whatever it raised
    except Exception as exc:  # noqa: BLE001
        message = str(exc)
        if ERROR_MARKER in message:
            error, _, state_text = message.partition(ERROR_MARKER)
            try:
                state = json.loads(state_text)
            except ValueError:
                state = {}
            return _state_result(state, True, error)
        return EpisodeResult(done=True, failed=True, error=f"{type(exc).__name__}: {message}")
    state = json.loads(text) if isinstance(text, str) else text
    return _state_result(state, False, None)
