"""The replay contract with azure-functions-durable, from the examples of the protocol reference.

Pure tests: history in → the real SDK → actions out, through devhost.replay and devhost.episode.
Several of these facts are SDK internals; an SDK upgrade that changes them must fail here, loudly.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import azure.durable_functions as df
import pytest
from azure.functions._durable_functions import OrchestrationContext

from devhost import episode, replay

bp = df.DFApp()
T0 = datetime(2030, 1, 8, 12, 0, tzinfo=UTC)


@bp.orchestration_trigger(context_name="context")
def chain(context: df.DurableOrchestrationContext):
    a = yield context.call_activity("step", context.get_input())
    b = yield context.call_activity("step", a)
    return [a, b, context.current_utc_datetime.isoformat()]


@bp.orchestration_trigger(context_name="context")
def fan(context: df.DurableOrchestrationContext):
    results = yield context.task_all([context.call_activity("step", i) for i in range(3)])
    return results


@bp.orchestration_trigger(context_name="context")
def retry(context: df.DurableOrchestrationContext):
    options = df.RetryOptions(first_retry_interval_in_milliseconds=5000, max_number_of_attempts=3)
    return (yield context.call_activity_with_retry("flaky", options, None))


@bp.orchestration_trigger(context_name="context")
def race(context: df.DurableOrchestrationContext):
    timer = context.create_timer(context.current_utc_datetime + timedelta(hours=1))
    event = context.wait_for_external_event("Approval")
    winner = yield context.task_any([event, timer])
    if winner == event:
        timer.cancel()
        return event.result
    return "timeout"


@bp.orchestration_trigger(context_name="context")
def again(context: df.DurableOrchestrationContext):
    n = context.get_input()
    if n < 0:  # never: makes this a generator, as orchestrators are
        yield context.call_activity("step", n)
    context.set_custom_status({"n": n})
    if n >= 2:
        raise ValueError(f"stop at {n}")
    context.continue_as_new(n + 1)
    return None


FUNCTIONS = {f.get_function_name(): f.get_user_function() for f in bp.get_functions()}


class History:
    """A history builder: episodes of OrchestratorStarted + new events, the rest marked played."""

    def __init__(self, name: str, input_: Any = None) -> None:
        self.name = name
        self.input_text = None if input_ is None else json.dumps(input_)
        self.events: list[dict[str, Any]] = []
        self.now = T0
        self.actions_seen = 0
        self.next_id = 0
        self.pending: list[dict[str, Any]] = [
            {
                "event": {
                    "EventType": replay.EXECUTION_STARTED,
                    "Name": name,
                    "Input": self.input_text,
                    "Version": "",
                }
            }
        ]

    def add(self, event: dict[str, Any], retry: dict[str, Any] | None = None) -> History:
        self.pending.append({"event": event, "retry": retry})
        return self

    def replay(self, minutes: float = 1) -> tuple[replay.EpisodeResult, episode.EpisodeRecord]:
        """One episode with everything pending (as the engine batches it)."""
        self.now += timedelta(minutes=minutes)
        delivered, work, self.next_id = episode.deliver(self.pending, self.now, self.next_id)
        self.pending = []
        new = [replay.event(replay.ORCHESTRATOR_STARTED, self.now), *delivered]
        payload = replay.context_json("i-1", self.events + new, self.input_text, None)
        result = replay.run_episode(FUNCTIONS[self.name], payload)
        decision = episode.decide(
            result,
            instance_id="i-1",
            execution_id="e",
            actions_seen=self.actions_seen,
            next_id=self.next_id,
            now=self.now,
        )
        decision.work.activities[:0] = work.activities
        decision.work.timers[:0] = work.timers
        self.events += [{**e, "IsPlayed": True} for e in new + decision.events]
        self.actions_seen, self.next_id = decision.actions_seen, decision.next_id
        return result, decision


def completed(task_id: int, value: Any) -> dict[str, Any]:
    return {"EventType": replay.TASK_COMPLETED, "TaskScheduledId": task_id, "Result": json.dumps(value)}


def test_first_episode_schedules_the_first_activity_with_json_text_input() -> None:
    h = History("chain", {"a": 5})
    result, decision = h.replay()
    assert not result.done
    assert result.actions == [
        {"actionType": replay.CALL_ACTIVITY, "functionName": "step", "input": '{"a": 5}'}
    ]
    assert [a["task_id"] for a in decision.work.activities] == [0]
    assert [e["EventType"] for e in decision.events] == [replay.TASK_SCHEDULED, replay.ORCHESTRATOR_COMPLETED]


def test_actions_accumulate_since_the_start_and_the_clock_is_orchestrator_started() -> None:
    h = History("chain", "x")
    h.replay()
    h.add(completed(0, "A"))
    result, decision = h.replay()
    assert [a["input"] for a in result.actions] == ['"x"', '"A"']  # all actions since the start
    assert [a["task_id"] for a in decision.work.activities] == [1]
    h.add(completed(1, "B"))
    result, decision = h.replay(minutes=5)
    assert result.done and decision.outcome == "completed"
    assert json.loads(result.output) == ["A", "B", (T0 + timedelta(minutes=7)).isoformat()]


def test_fan_out_is_a_when_all_compound_action_under_schema_v3() -> None:
    h = History("fan")
    payload = replay.context_json(
        "i",
        [
            replay.event(replay.ORCHESTRATOR_STARTED, T0),
            {**replay.event(replay.EXECUTION_STARTED, T0), "Name": "fan", "Version": ""},
        ],
        None,
        None,
    )
    raw = json.loads(FUNCTIONS["fan"](OrchestrationContext(payload)))
    assert raw["schemaVersion"] == 2  # ReplaySchema.V3 (the host sent upperSchemaVersionNew 3)
    assert raw["actions"][0][0]["actionType"] == replay.WHEN_ALL
    result, decision = h.replay()
    assert [a["task_id"] for a in decision.work.activities] == [0, 1, 2]
    # several completions in one episode, in any order
    h.add(completed(2, 20)).add(completed(0, 0)).add(completed(1, 10))
    result, decision = h.replay()
    assert json.loads(result.output) == [0, 10, 20]


def test_execution_started_must_carry_version() -> None:
    history = [
        replay.event(replay.ORCHESTRATOR_STARTED, T0),
        replay.event(replay.EXECUTION_STARTED, T0, Name="chain"),
    ]
    result = replay.run_episode(FUNCTIONS["chain"], replay.context_json("i", history, '"x"', None))
    assert result.failed and "AttributeError" in (result.error or "")


def test_retry_ids_follow_the_sdk_numbering_and_the_last_timer_raises() -> None:
    h = History("retry")
    _, decision = h.replay()
    ids = [decision.work.activities[0]["task_id"]]
    retry_info = decision.work.activities[0]["retry"]
    assert retry_info["max"] == 3 and retry_info["interval_ms"] == 5000
    timers = []
    for _attempt in range(3):
        fail = {"EventType": replay.TASK_FAILED, "TaskScheduledId": ids[-1], "Reason": "boom", "Details": "d"}
        h.add(fail, retry=retry_info)
        result, decision = h.replay()
        assert not result.done
        timer = decision.work.timers[0]
        assert timer["fire_at"] == h.now + timedelta(seconds=5)
        timers.append(timer["timer_id"])
        h.add(
            {
                "EventType": replay.TIMER_FIRED,
                "TimerId": timer["timer_id"],
                "FireAt": replay.iso(timer["fire_at"]),
            },
            retry=timer["retry"],
        )
        result, decision = h.replay()
        if decision.work.activities:
            ids.append(decision.work.activities[0]["task_id"])
            retry_info = decision.work.activities[0]["retry"]
    assert ids == [0, 2, 4]
    assert timers == [1, 3, 5]
    assert result.failed and "boom" in (result.error or "")


def test_retry_messages_are_delivered_alone() -> None:
    a = {"event": {"EventType": replay.TASK_COMPLETED}}
    b = {"event": {"EventType": replay.TASK_FAILED}, "retry": {"max": 2}}
    assert episode.batch([a, a, b, a]) == [a, a]
    assert episode.batch([b, a]) == [b]


def test_event_wins_and_the_timer_is_cancelled_on_later_replays() -> None:
    h = History("race")
    _, decision = h.replay()
    assert decision.work.timers[0]["timer_id"] == 0
    assert decision.work.timers[0]["fire_at"] == h.now + timedelta(hours=1)
    h.add({"EventType": replay.EVENT_RAISED, "Name": "Approval", "Input": json.dumps({"ok": True})})
    result, decision = h.replay()
    assert json.loads(result.output) == {"ok": True}
    # the compound's order: [event, timer]; the timer shows isCanceled on the later replay
    assert [a["actionType"] for a in result.actions] == [replay.WAIT_FOR_EXTERNAL_EVENT, replay.CREATE_TIMER]
    assert result.actions[1]["isCanceled"] is True
    assert decision.work.cancel_tags == [episode.timer_tag("e", 1)]


def test_event_raised_before_the_orchestrator_waits_is_buffered() -> None:
    h = History("race")
    h.add({"EventType": replay.EVENT_RAISED, "Name": "Approval", "Input": '"early"'})
    result, _ = h.replay()
    assert json.loads(result.output or "null") == "early"


def test_timer_wins() -> None:
    h = History("race")
    _, decision = h.replay()
    timer = decision.work.timers[0]
    h.add(
        {
            "EventType": replay.TIMER_FIRED,
            "TimerId": timer["timer_id"],
            "FireAt": replay.iso(timer["fire_at"]),
        }
    )
    result, _ = h.replay(minutes=61)
    assert json.loads(result.output) == "timeout"


def test_continue_as_new_is_action_4_and_an_exception_uses_the_out_of_proc_marker() -> None:
    h = History("again", 1)
    result, decision = h.replay()
    assert result.done and decision.outcome == "continued"
    assert result.continue_as_new == {"actionType": replay.CONTINUE_AS_NEW_ACTION, "input": "2"}
    h2 = History("again", 2)
    result, decision = h2.replay()
    assert result.failed and decision.outcome == "failed"
    assert result.error == "stop at 2"
    assert json.loads(result.custom_status) == {"n": 2}  # the state after the marker is decoded


@pytest.mark.parametrize("payload", [[1, 2], 5])
def test_input_must_be_json_text(payload: Any) -> None:
    history = [
        replay.event(replay.ORCHESTRATOR_STARTED, T0),
        replay.event(replay.EXECUTION_STARTED, T0, Name="chain", Version=""),
    ]
    body = json.loads(replay.context_json("i", history, None, None))
    body["input"] = payload  # not a JSON text: the SDK cannot decode it
    result = replay.run_episode(FUNCTIONS["chain"], json.dumps(body))
    assert result.failed


@pytest.mark.parametrize(
    "text", ["2030-01-08T12:00:00.000000Z", "2030-12-31T23:59:59.999999Z", "2030-01-08T12:00:00Z"]
)
def test_the_timestamp_short_cut_gives_what_dateutil_gives(text: str) -> None:
    import importlib

    from dateutil.parser import parse

    module = importlib.import_module("azure.durable_functions.models.history.HistoryEvent")
    assert module.dt_parse is replay.fast_dt_parse  # installed: the SDK parses history timestamps with it
    fast = replay.fast_dt_parse(text)
    assert fast == parse(text)
    assert repr(fast) == repr(parse(text))  # same fields and the same tzinfo object type


def _history_of(n: int) -> list[dict[str, Any]]:
    events = [
        replay.event(replay.ORCHESTRATOR_STARTED, T0),
        replay.event(replay.EXECUTION_STARTED, T0, Name="chain", Version="", Input='"é"'),
    ]
    for i in range(n):
        events.append(replay.event(replay.TASK_SCHEDULED, T0, i, Name="step", Input=json.dumps({"i": i})))
        events.append(replay.event(replay.TASK_COMPLETED, T0, TaskScheduledId=i, Result=json.dumps([i, "ü"])))
    return [{**e, "IsPlayed": True} for e in events]


@pytest.mark.parametrize("played", [0, 1, 2, 5])
@pytest.mark.parametrize("input_text", [None, '"x"'])
def test_the_payload_from_kept_event_texts_is_the_payload_json_dumps_writes(
    played: int, input_text: str | None
) -> None:
    """The engine hands context_json the stored texts of played events; the payload is the same text."""
    history = _history_of(3)
    kept = replay.PlayedHistory(json.dumps(e) for e in history[:played])
    assert list(kept) == history[:played] and len(kept.texts) == played
    payload = replay.context_json("i-1", history, input_text, "parent", kept.texts)
    body: dict[str, Any] = {
        "history": history,
        "instanceId": "i-1",
        "isReplaying": True,
        "parentInstanceId": "parent",
        "upperSchemaVersion": 1,
        "upperSchemaVersionNew": 3,
    }
    if input_text is not None:
        body["input"] = input_text
    assert payload == json.dumps(body)
    assert replay.context_json("i-1", [], input_text, None) == json.dumps(
        {**body, "history": [], "isReplaying": False, "parentInstanceId": None}
    )


def test_the_sdk_builds_its_namedtuple_class_once() -> None:
    import importlib

    module = importlib.import_module("azure.durable_functions.models.TaskOrchestrationExecutor")
    assert module.namedtuple is replay.shared_namedtuple  # installed where the executor looks it up
    first, second = module.TaskOrchestrationExecutor(), module.TaskOrchestrationExecutor()
    a = first.event_to_SetTaskValuePayload[replay.TASK_COMPLETED]
    b = second.event_to_SetTaskValuePayload[replay.TASK_COMPLETED]
    assert type(a) is type(b) and a == b == (True, "TaskScheduledId")
    # arguments namedtuple accepts but a cache cannot hash still build a class
    assert replay.shared_namedtuple("P", ["x", "y"])(1, 2).y == 2


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2030, 1, 8, 12, 0, tzinfo=UTC),
        datetime(2030, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2030, 6, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-7))),
        datetime(2030, 6, 1, 2, 3, 4),
        datetime(999, 6, 1, 2, 3, 4, tzinfo=UTC),
    ],
)
def test_iso_writes_what_strftime_writes(moment: datetime) -> None:
    utc = moment.astimezone(UTC) if moment.tzinfo else moment
    assert replay.iso(moment) == utc.strftime(replay.TIME_FORMAT)
    if moment.year >= 1000:
        assert replay.fast_dt_parse(replay.iso(moment)) == utc.replace(tzinfo=UTC)
