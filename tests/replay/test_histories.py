"""Determinism guard: committed histories replayed through today's `migrate_unit`.

If the orchestrator's decisions drift (an activity added, reordered, a different timer), the
replayed actions or output differ from the recorded ones and this fails — the same failure an
in-flight instance would meet after a deploy.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migration import names
from orchestrators.migrate_plan import migrate_plan
from orchestrators.migrate_unit import migrate_unit
from tests.replay.determinism import NonDeterminismError, check_replay
from tests.replay.workflow.harness import flat_actions, handle_of

HISTORY_DIR = Path(__file__).parent / "histories"
HISTORIES = sorted(HISTORY_DIR.glob("migrate_unit_*.json"))
PLAN_HISTORIES = sorted((Path(__file__).parent / "histories").glob("migrate_plan_*.json"))
# histories recorded by the real devhost during an e2e run (its own numbering, retries, timers)
HOST_HISTORIES = sorted((Path(__file__).parent / "histories").glob("devhost_*.json"))


def test_there_are_committed_histories() -> None:
    assert len(HISTORIES) >= 3 and len(HOST_HISTORIES) >= 1


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
def test_replay_makes_the_recorded_decisions(path: Path) -> None:
    recorded = json.loads(path.read_text())
    state = check_replay(handle_of(migrate_unit), recorded["context"])
    expected = recorded["expected"]
    assert flat_actions(state) == expected["actions"]
    assert state.get("isDone") == expected["isDone"]
    assert state.get("output") == expected["output"]
    assert state.get("customStatus") == expected["customStatus"]


def test_a_finished_migration_replays_unchanged() -> None:
    """The committed history of a migration that ran to `Committed` replays to the same end."""
    recorded = json.loads((HISTORY_DIR / "migrate_unit_committed.json").read_text())
    state = check_replay(handle_of(migrate_unit), recorded["context"])
    assert state["isDone"] is True and state["output"]["phase"] == "Committed"
    assert state["output"] == recorded["expected"]["output"]


@pytest.mark.parametrize("path", PLAN_HISTORIES, ids=[p.stem for p in PLAN_HISTORIES])
def test_plan_replay_makes_the_recorded_decisions(path: Path) -> None:
    """The dependency-driven scheduler starts the same units in the same order on every replay."""
    recorded = json.loads(path.read_text())
    state = check_replay(handle_of(migrate_plan), recorded["context"])
    assert flat_actions(state) == recorded["expected"]["actions"]
    assert state.get("output") == recorded["expected"]["output"]
    assert state["output"]["summary"] == {"Blocked": 1, "Committed": 3, "NotMigratable": 1}


@pytest.mark.parametrize("path", HOST_HISTORIES, ids=[p.stem for p in HOST_HISTORIES])
def test_host_recorded_history_replays_to_the_same_final_status(path: Path) -> None:
    recorded = json.loads(path.read_text())
    state = check_replay(handle_of(migrate_unit), recorded["context"])
    assert state["isDone"] is True and not state.get("error")
    assert state["output"] == recorded["expectedOutput"]
    assert state["output"]["phase"] == "Committed"


def test_a_drifted_history_fails_replay() -> None:
    """`drifted_migrate_unit_validate_first.json`: a finished migration recorded by an orchestrator
    that validated before it prechecked (the committed history with the two swapped, see
    tests/replay/histories/README.md). Today's code must refuse it, not carry on."""
    recorded = json.loads((HISTORY_DIR / "drifted_migrate_unit_validate_first.json").read_text())
    with pytest.raises(NonDeterminismError, match="'validate_unit'"):
        check_replay(handle_of(migrate_unit), recorded["context"])


def test_a_drifted_orchestrator_fails_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real `migrate_unit` with one activity renamed (a deploy that renamed it) fails on the
    committed history of a finished migration."""
    recorded = json.loads((HISTORY_DIR / "migrate_unit_committed.json").read_text())
    monkeypatch.setattr(names, "VALIDATE", "validate_unit_v2")
    with pytest.raises(NonDeterminismError, match="validate_unit_v2"):
        check_replay(handle_of(migrate_unit), recorded["context"])
