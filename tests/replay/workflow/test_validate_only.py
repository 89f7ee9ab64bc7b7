"""Replay tests: `validate_migration` (the live check that changes nothing) through the real SDK."""

from __future__ import annotations

from typing import Any

from orchestrators.validate_only import validate_migration
from tests.replay.workflow.harness import Harness, handle_of
from tests.replay.workflow.stand_ins import Platform, unit_input


def _validate(platform: Platform) -> dict[str, Any]:
    h = Harness(
        handle_of(validate_migration), unit_input(), platform.activities(), instance_id="validation-1"
    )
    state = h.run()
    assert state["isDone"] and h.custom_status == state["output"]
    assert platform.started == [] and platform.indexed == []  # nothing prepared, no phase index
    return dict(state["output"])


def test_a_migratable_unit_is_judged_as_a_migration_is_and_nothing_changes() -> None:
    doc = _validate(Platform(validate=[{"severity": "warning", "code": "W1", "message": "note"}]))
    assert [t["phase"] for t in doc["timeline"]] == [
        "Queued",
        "Snapshotting",
        "Prechecking",
        "Validating",
        "Completed",
    ]
    assert doc["kind"] == "validation" and doc["verdict"] == "migratable" and "dryRun" not in doc
    assert doc["snapshot"] == {"digest": "ab" * 32, "blob": "snapshots/validation-1.json"}
    assert [(f["source"], f["code"]) for f in doc["findings"]] == [("platform", "W1")]


def test_a_unit_that_is_not_there_is_not_migratable_and_one_that_cannot_be_read_fails() -> None:
    gone = _validate(
        Platform(snapshot_error={"code": "ResourceNotFound", "message": "no", "reason": "notFound"})
    )
    assert gone["phase"] == "Completed" and gone["verdict"] == "notMigratable"
    assert [f["source"] for f in gone["findings"]] == ["snapshot"]
    denied = _validate(Platform(snapshot_error={"code": "Forbidden", "message": "no", "reason": "forbidden"}))
    assert denied["phase"] == "Failed" and "verdict" not in denied
    assert denied["error"] == {
        "phase": "Snapshotting",
        "code": "Forbidden",
        "message": "no",
        "reason": "forbidden",
    }
