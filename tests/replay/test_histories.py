"""Determinism guard: committed histories replayed through today's `migrate_unit`.

If the orchestrator's decisions drift (an activity added, reordered, a different timer), the
replayed actions or output differ from the recorded ones and this fails — the same failure an
in-flight instance would meet after a deploy.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrators.migrate_plan import migrate_plan
from orchestrators.migrate_unit import migrate_unit
from tests.workflow.harness import flat_actions, handle_of, replay

HISTORIES = sorted((Path(__file__).parent / "histories").glob("migrate_unit_*.json"))
PLAN_HISTORIES = sorted((Path(__file__).parent / "histories").glob("migrate_plan_*.json"))
# histories recorded by the real devhost during an e2e run (its own numbering, retries, timers)
HOST_HISTORIES = sorted((Path(__file__).parent / "histories").glob("devhost_*.json"))


def test_there_are_committed_histories() -> None:
    assert len(HISTORIES) >= 3 and len(HOST_HISTORIES) >= 1


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
def test_replay_makes_the_recorded_decisions(path: Path) -> None:
    recorded = json.loads(path.read_text())
    state = replay(handle_of(migrate_unit), recorded["context"])
    expected = recorded["expected"]
    assert flat_actions(state) == expected["actions"]
    assert state.get("isDone") == expected["isDone"]
    assert state.get("output") == expected["output"]
    assert state.get("customStatus") == expected["customStatus"]


@pytest.mark.parametrize("path", PLAN_HISTORIES, ids=[p.stem for p in PLAN_HISTORIES])
def test_plan_replay_makes_the_recorded_decisions(path: Path) -> None:
    """The dependency-driven scheduler starts the same units in the same order on every replay."""
    recorded = json.loads(path.read_text())
    state = replay(handle_of(migrate_plan), recorded["context"])
    assert flat_actions(state) == recorded["expected"]["actions"]
    assert state.get("output") == recorded["expected"]["output"]
    assert recorded["expected"]["output"]["summary"] == {"Blocked": 1, "Committed": 3, "NotMigratable": 1}


@pytest.mark.parametrize("path", HOST_HISTORIES, ids=[p.stem for p in HOST_HISTORIES])
def test_host_recorded_history_replays_to_the_same_final_status(path: Path) -> None:
    recorded = json.loads(path.read_text())
    state = replay(handle_of(migrate_unit), recorded["context"])
    assert state["isDone"] is True and not state.get("error")
    assert state["output"] == recorded["expectedOutput"]
    assert state["output"]["phase"] == "Committed"


def test_a_drifted_orchestrator_is_caught() -> None:
    recorded = json.loads((Path(__file__).parent / "histories" / "migrate_unit_committed.json").read_text())
    # drift: the same history, but the code now asks for the validate activity under another name
    context = json.loads(json.dumps(recorded["context"]))
    text = json.dumps(context).replace('"validate_unit"', '"validate_unit_v2"')
    context = json.loads(text)

    import azure.durable_functions as df

    def drifted(ctx: df.DurableOrchestrationContext):  # type: ignore[no-untyped-def]
        yield ctx.call_activity_with_retry("snapshot_unit", df.RetryOptions(1000, 5), {})
        yield ctx.call_activity_with_retry("validate_unit", df.RetryOptions(1000, 5), {})
        return "done"

    state = replay(df.Orchestrator.create(drifted), context)
    assert flat_actions(state) != recorded["expected"]["actions"]
