"""Replay tests from histories the devhost recorded (committed in `histories/`).

Each recorded episode's delivered events are fed again through the real SDK and the devhost's
episode bookkeeping (`devhost.episode`), at the recorded times; the history produced must equal
the recorded one event for event (types, task ids, names, inputs, fire times, results). An SDK
upgrade or a devhost change that alters numbering, actions or outputs fails here. Re-record
(`python -m tests.replay.devhost.record_histories`) only when such a change is intended.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from devhost import episode, replay
from tests.integration.devhost.helpers import SAMPLE_APP

HISTORIES = Path(__file__).resolve().parent / "histories"
DELIVERED = {
    replay.EXECUTION_STARTED,
    replay.TASK_COMPLETED,
    replay.TASK_FAILED,
    replay.SUB_ORCHESTRATION_COMPLETED,
    replay.SUB_ORCHESTRATION_FAILED,
    replay.TIMER_FIRED,
    replay.EVENT_RAISED,
}


@pytest.fixture(scope="module")
def orchestrators() -> dict[str, Any]:
    """The sample app's functions, imported under a private module name (not `function_app`)."""
    spec = importlib.util.spec_from_file_location("devhost_sample_app_replay", SAMPLE_APP / "function_app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return {f.get_function_name(): f.get_user_function() for f in module.app.get_functions()}


def _episodes(history: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    episodes: list[list[dict[str, Any]]] = []
    for ev in history:
        if ev["EventType"] == replay.ORCHESTRATOR_STARTED:
            episodes.append([])
        episodes[-1].append(ev)
    return episodes


def _strip(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    drop = {"IsPlayed", "OrchestrationInstance"}
    return [{k: v for k, v in e.items() if k not in drop} for e in events]


@pytest.mark.parametrize("name", sorted(p.stem for p in HISTORIES.glob("*.json")))
def test_recorded_history_replays_identically(name: str, orchestrators: dict[str, Any]) -> None:
    doc = json.loads((HISTORIES / f"{name}.json").read_text())
    fn = orchestrators[doc["orchestrator"]]
    produced: list[dict[str, Any]] = []
    actions_seen = next_id = 0
    retry_of_task: dict[int, dict[str, Any]] = {}
    retry_of_timer: dict[int, dict[str, Any]] = {}
    result = None
    for recorded in _episodes(doc["history"]):
        now = replay.parse_time(recorded[0]["Timestamp"])
        messages = []
        for ev in recorded[1:]:
            if ev["EventType"] not in DELIVERED:
                continue
            body = {k: v for k, v in ev.items() if k not in ("IsPlayed", "Timestamp")}
            retry = None
            if ev["EventType"] == replay.TASK_FAILED:
                retry = retry_of_task.get(ev["TaskScheduledId"])
            elif ev["EventType"] == replay.TIMER_FIRED:
                retry = retry_of_timer.get(ev["TimerId"])
            messages.append({"event": body, "retry": retry})
        delivered, work, next_id = episode.deliver(messages, now, next_id)
        new = [replay.event(replay.ORCHESTRATOR_STARTED, now), *delivered]
        result = replay.run_episode(
            fn, replay.context_json(doc["instanceId"], produced + new, doc["input"], None)
        )
        decision = episode.decide(
            result,
            instance_id=doc["instanceId"],
            execution_id="x",
            actions_seen=actions_seen,
            next_id=next_id,
            now=now,
        )
        for item in work.activities + decision.work.activities:
            if item.get("retry"):
                retry_of_task[item["task_id"]] = item["retry"]
        for timer in work.timers + decision.work.timers:
            if timer.get("retry"):
                retry_of_timer[timer["timer_id"]] = timer["retry"]
        produced += [{**e, "IsPlayed": True} for e in new + decision.events]
        actions_seen, next_id = decision.actions_seen, decision.next_id
    assert _strip(produced) == _strip(doc["history"])
    assert result is not None and result.done and json.loads(result.output or "null") == doc["output"]
