"""A history builder that drives the real SDK `Orchestrator` episode by episode (replay tests).

It plays the host's part of the protocol in `reference/durable-host-protocol.md`: numbers the
new actions, answers activities from stand-ins registered by name, fires durable timers by
moving a virtual clock, delivers raised events and inserts the host's retry timers. Every
episode replays the whole history through the SDK, as the real host does, so a test here sees
exactly what the orchestrator would do under the devhost or Azure.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

TS = "%Y-%m-%dT%H:%M:%S.%fZ"
OUT_OF_PROC = "$OutOfProcData$:"


def handle_of(function_builder: Any) -> Callable[[str], str]:
    """The SDK's handle(context_json) of a decorated orchestrator (what a host invokes)."""
    return function_builder._function.get_user_function()


def parse_time(text: str) -> datetime:
    text = text.rstrip("Z")
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class ActivityError(Exception):
    """Raised by a stand-in to make the activity fail (TaskFailed)."""


@dataclass
class _Retry:
    name: str
    payload: Any
    max_attempts: int
    interval_ms: int
    attempts: int = 1


@dataclass
class Harness:
    """Run one orchestration instance to quiescence, recording its history."""

    handle: Callable[[str], str]
    input: Any
    activities: dict[str, Callable[[Any], Any]]
    instance_id: str = "unit-1"
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    history: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    _seen: int = 0
    _next_id: int = 0
    _eid: int = 0
    _timers: dict[int, datetime] = field(default_factory=dict)
    _retry_timers: dict[int, _Retry] = field(default_factory=dict)
    # the next episodes' new events; a callable makes them when its episode comes (a retry's timer
    # takes its id then, as the host numbers it when the failure arrives)
    _ready: list[list[dict[str, Any]] | Callable[[], list[dict[str, Any]]]] = field(default_factory=list)
    _waiting: set[str] = field(default_factory=set)
    last_context: dict[str, Any] = field(default_factory=dict)
    sub_orchestrators: dict[str, Callable[[str], str]] = field(default_factory=dict)
    child_events: Callable[[str], dict[str, list[Any]]] | None = None
    children: dict[str, Harness] = field(default_factory=dict)

    def _event(self, kind: int, **fields: Any) -> dict[str, Any]:
        self._eid += 1
        return {
            "EventType": kind,
            "EventId": self._eid,
            "IsPlayed": False,
            "Timestamp": self.now.strftime(TS),
            **fields,
        }

    def start(self) -> dict[str, Any]:
        started = self._event(0, Name="orchestrator", Version="", Input=json.dumps(self.input))
        return self._episode([started])

    # one episode: OrchestratorStarted + new events → the SDK → new actions
    def _episode(self, new_events: list[dict[str, Any]]) -> dict[str, Any]:
        for event in self.history:
            event["IsPlayed"] = True
        self.history.append(self._event(12))
        self.history.extend(new_events)
        context = {
            "history": self.history,
            "instanceId": self.instance_id,
            "isReplaying": False,
            "parentInstanceId": None,
            "input": json.dumps(self.input),
            "upperSchemaVersion": 1,
            "upperSchemaVersionNew": 3,
        }
        self.last_context = json.loads(json.dumps(context))
        try:
            state = json.loads(self.handle(json.dumps(context)))
        except Exception as exc:
            text = str(exc)
            if OUT_OF_PROC not in text:
                raise
            state = json.loads(text.split(OUT_OF_PROC, 1)[1])
        self.history.append(self._event(13))
        self.state = state
        self._number(state)
        if state.get("isDone"):
            kind = 2 if state.get("error") else 1
            self.history.append(self._event(kind, Result=json.dumps(state.get("output"))))
        return state

    def _flatten(self, actions: list[Any]) -> list[dict[str, Any]]:
        flat: list[dict[str, Any]] = []
        for item in actions:
            if isinstance(item, list):
                flat.extend(self._flatten(item))
            elif item.get("actionType") in (11, 12):
                flat.extend(self._flatten(item.get("compoundActions", [])))
            else:
                flat.append(item)
        return flat

    def _number(self, state: dict[str, Any]) -> None:
        flat = self._flatten(state.get("actions") or [])
        for action in flat[: self._seen]:  # timers cancelled since they were scheduled
            if action.get("actionType") == 5 and action.get("isCanceled"):
                for tid, fire in list(self._timers.items()):
                    if fire.strftime(TS) == action.get("fireAt"):
                        self._timers.pop(tid, None)
        for action in flat[self._seen :]:
            kind = action.get("actionType")
            if kind in (0, 1):
                tid = self._take_id()
                payload = json.loads(action["input"]) if action.get("input") else None
                self.history.append(self._event(4, Name=action["functionName"]))
                retry = None
                if kind == 1:
                    opts = action["retryOptions"]
                    retry = _Retry(
                        action["functionName"],
                        payload,
                        opts["maxNumberOfAttempts"],
                        opts["firstRetryIntervalInMilliseconds"],
                    )
                self._ready.append(self._run_activity(tid, action["functionName"], payload, retry))
            elif kind == 5:
                tid = self._take_id()
                fire = parse_time(action["fireAt"])
                self.history.append(self._event(10, FireAt=action["fireAt"]))
                if not action.get("isCanceled"):
                    self._timers[tid] = fire
            elif kind == 6:
                self._waiting.add(action["externalEventName"])
            elif kind in (2, 3):
                tid = self._take_id()
                self.history.append(
                    self._event(7, Name=action["functionName"], InstanceId=action["instanceId"])
                )
                self._ready.append(self._run_child(tid, action))
        self._seen = len(flat)

    def _run_child(self, tid: int, action: dict[str, Any]) -> list[dict[str, Any]]:
        """Run a sub-orchestration to its end with the same stand-ins (its events from `child_events`)."""
        name, child_id = action["functionName"], action["instanceId"]
        child = Harness(
            self.sub_orchestrators[name],
            json.loads(action["input"]),
            self.activities,
            instance_id=child_id,
            now=self.now,
        )
        state = child.run(self.child_events(child_id) if self.child_events else None)
        self.children[child_id] = child
        if state.get("error"):  # the SDK's answer for a failed orchestration (isDone stays false)
            return [self._event(9, TaskScheduledId=tid, Reason=str(state["error"]), Details="")]
        if not state.get("isDone"):
            raise AssertionError(f"sub-orchestration {child_id} did not finish")
        return [self._event(8, TaskScheduledId=tid, Result=json.dumps(state.get("output")))]

    def _take_id(self) -> int:
        tid = self._next_id
        self._next_id += 1
        return tid

    def _run_activity(
        self, tid: int, name: str, payload: Any, retry: _Retry | None
    ) -> list[dict[str, Any]] | Callable[[], list[dict[str, Any]]]:
        self.calls.append((name, payload))
        try:
            result = self.activities[name](payload)
        except ActivityError as exc:
            failed = self._event(6, TaskScheduledId=tid, Reason=str(exc), Details="stand-in failure")
            if retry is None:
                return [failed]

            def with_retry_timer(retry: _Retry = retry) -> list[dict[str, Any]]:
                """The host inserts the retry timer with the next id when the failure arrives."""
                timer_id = self._take_id()
                fire = self.now + timedelta(milliseconds=retry.interval_ms)
                self._timers[timer_id] = fire
                self._retry_timers[timer_id] = retry
                return [failed, self._event(10, TimerId=timer_id, FireAt=fire.strftime(TS))]

            return with_retry_timer
        return [self._event(5, TaskScheduledId=tid, Result=json.dumps(result))]

    def run(
        self,
        events: dict[str, list[Any]] | None = None,
        max_episodes: int = 500,
        let_time_pass: bool = False,
        until_phase: str | None = None,
    ) -> dict[str, Any]:
        """Run until done or idle. `events`: name → payloads raised when waited for.

        A unit waiting for approval is idle unless `let_time_pass` (then its timeout timers fire).
        """
        pending = {k: list(v) for k, v in (events or {}).items()}
        if not self.history:
            self.start()
        for _ in range(max_episodes):
            if self.state.get("isDone"):
                return self.state
            if self._ready:
                ready = self._ready.pop(0)
                self._episode(ready() if callable(ready) else ready)
                continue
            name = next((n for n in self._waiting if pending.get(n)), None)
            if name is not None:
                self._waiting.discard(name)
                payload = pending[name].pop(0)
                self._episode([self._event(15, Name=name, Input=json.dumps(payload))])
                continue
            phase = (self.custom_status or {}).get("phase") if isinstance(self.custom_status, dict) else None
            if (phase == "AwaitingApproval" and not let_time_pass) or (until_phase and phase == until_phase):
                return self.state
            if self._timers:
                tid, fire = min(self._timers.items(), key=lambda kv: (kv[1], kv[0]))
                del self._timers[tid]
                self.now = max(self.now, fire)
                fired = [self._event(11, TimerId=tid, FireAt=fire.strftime(TS))]
                retry = self._retry_timers.pop(tid, None)
                again = retry is not None and retry.attempts < retry.max_attempts
                rid = self._take_id() if again else -1  # the SDK numbers the rescheduled task first
                self._episode(fired)
                if retry is not None and again:
                    retry.attempts += 1
                    self._ready.append(self._run_activity(rid, retry.name, retry.payload, retry))
                continue
            return self.state
        if let_time_pass:  # e.g. reminders forever: time ran out, not the orchestration
            return self.state
        raise AssertionError("the orchestration did not settle")

    @property
    def custom_status(self) -> Any:
        return self.state.get("customStatus")

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


def flat_actions(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The orchestrator's actions of a state, flattened (compound actions opened)."""
    return Harness(lambda _: "", None, {})._flatten(state.get("actions") or [])


def replay(handle: Callable[[str], str], context: dict[str, Any]) -> dict[str, Any]:
    """Replay a recorded context (history + input) once through the SDK; the resulting state."""
    try:
        return json.loads(handle(json.dumps(context)))
    except Exception as exc:
        text = str(exc)
        if OUT_OF_PROC not in text:
            raise
        return json.loads(text.split(OUT_OF_PROC, 1)[1])


def record(h: Harness) -> dict[str, Any]:
    """A committed-history record: the last episode's context and what the SDK answered."""
    return {
        "context": h.last_context,
        "expected": {
            "isDone": h.state.get("isDone"),
            "output": h.state.get("output"),
            "customStatus": h.state.get("customStatus"),
            "actions": flat_actions(h.state),
        },
    }
