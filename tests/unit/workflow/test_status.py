"""The custom status models (`migration/status.py`): the JSON the API and the review page read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from migration.status import PlanState, SnapshotRef, UnitState, View
from triggers._runtime import public_view
from triggers.validations import _public as validation_view

ROOT = Path(__file__).resolve().parents[3]
HISTORIES = sorted((ROOT / "tests" / "replay" / "histories").glob("*.json"))
WORKFLOW_MD = (ROOT / "docs" / "workflow.md").read_text()


def _recorded_statuses() -> list[tuple[str, dict[str, Any]]]:
    """Every unit and plan status a committed history recorded (output and custom status)."""
    found = []
    for path in HISTORIES:
        recorded = json.loads(path.read_text())
        expected = recorded.get("expected") or {}
        for name, doc in (
            ("output", expected.get("output")),
            ("customStatus", expected.get("customStatus")),
            ("expectedOutput", recorded.get("expectedOutput")),
        ):
            if isinstance(doc, dict):
                found.append((f"{path.stem}:{name}", doc))
    return found


STATUSES = _recorded_statuses()


def test_the_histories_hold_unit_and_plan_statuses() -> None:
    kinds = {"plan" if "waves" in doc else "unit" for _, doc in STATUSES}
    assert kinds == {"plan", "unit"} and len(STATUSES) >= 8


@pytest.mark.parametrize("doc", [doc for _, doc in STATUSES], ids=[name for name, _ in STATUSES])
def test_a_recorded_status_parses_and_dumps_back_to_the_same_json(doc: dict[str, Any]) -> None:
    """The models know every key the orchestrators published (an unknown one would be dropped)."""
    model = PlanState if "waves" in doc else UnitState
    assert model.from_json(doc).to_json() == doc


def _unit(**more: Any) -> UnitState:
    return UnitState(
        id="u1",
        unit={"kind": "virtualNetwork", "name": "v"},
        phase="Queued",
        createdAt="t0",
        updatedAt="t0",
        **more,
    )


def test_a_key_is_in_the_json_once_set_even_to_null_and_gone_once_unset() -> None:
    state = _unit()
    assert "approver" not in state.to_json() and "requestedBy" not in state.to_json()
    state.approver = None
    assert state.to_json()["approver"] is None
    state.current = "vm-1"
    assert state.to_json()["current"] == "vm-1"
    state.unset("current")
    assert "current" not in state.to_json()


def test_the_keys_come_in_the_order_the_fields_are_declared() -> None:
    state = _unit(requestedBy="ops@contoso.com")
    state.report = {"json": "reports/u1.json"}
    state.snapshot = SnapshotRef(digest="d", blob="snapshots/u1/d.json")
    state.operations = []
    aliases = [f.alias or n for n, f in UnitState.model_fields.items()]
    keys = list(state.to_json())
    assert keys == [a for a in aliases if a in keys]
    assert keys[-3:] == ["operations", "snapshot", "report"]


def test_an_assigned_list_is_kept_so_a_step_that_fills_it_shows() -> None:
    attempts: list[dict[str, Any]] = []
    state = _unit()
    state.operations = attempts
    attempts.append({"operation": "prepare", "status": "Started"})
    assert state.to_json()["operations"] == [{"operation": "prepare", "status": "Started"}]


# what a GET answer never shows: the orchestrators' own bookkeeping
BOOKKEEPING = {"requestedById", "operations", "indexError", "prepareDecision", "current"}
BOOKKEEPING |= {"armResources", "reminders", "ignoredDecisions", "decision", "abortError"}
BOOKKEEPING |= {"reportError", "notifyError"}


def test_each_get_answer_shows_the_fields_marked_for_it_and_none_of_the_bookkeeping() -> None:
    migration, validation = UnitState.shown_in(View.MIGRATION), UnitState.shown_in(View.VALIDATION)
    every = {f.alias or n for n, f in UnitState.model_fields.items()}
    assert set(migration) == every - BOOKKEEPING - {"verdict"}  # a validation's only
    shared = {"id", "kind", "unit", "phase", "findings", "findingsTotal", "timeline", "error"}
    assert set(validation) == shared | {"createdAt", "updatedAt", "verdict"}


def test_the_answers_keep_the_shown_keys_and_an_error_only_when_there_is_one() -> None:
    doc = _unit(requestedBy="ops", requestedById="oid-1", links={"status": "s"}).to_json()
    doc |= {"verdict": "migratable", "error": None, "snapshot": {"digest": "d", "blob": "b"}}
    shown = ["id", "unit", "phase", "requestedBy", "createdAt", "updatedAt", "links", "snapshot"]
    assert list(public_view(doc)) == shown
    assert list(validation_view(doc)) == ["id", "unit", "phase", "createdAt", "updatedAt", "verdict", "kind"]
    assert validation_view(doc)["kind"] == "validation"
    assert public_view(doc | {"error": {"code": "X"}})["error"] == {"code": "X"}


@pytest.mark.parametrize("model", [UnitState, PlanState])
def test_every_key_is_documented(model: type[UnitState | PlanState]) -> None:
    """docs/workflow.md names every key of both statuses (`snapshot {digest, blob}` among them)."""
    keys = [f.alias or n for n, f in model.model_fields.items()]
    assert [k for k in keys if f"`{k}" not in WORKFLOW_MD] == []
