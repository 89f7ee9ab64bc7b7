"""The workflow contract (`migration.names`, `migration.workflow`): one spelling of every name the
host matches, and models that travel as the plain JSON the histories already hold."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

import activities
import orchestrators
from migration import names
from migration.requests import WorkflowConfig
from migration.workflow import (
    ActivityError,
    Decision,
    OperationPoll,
    SnapshotResult,
    UnitInput,
    UnitStep,
)


def _registered(blueprints: list, kind: str) -> set[str]:
    found = set()
    for bp in blueprints:
        for builder in bp._function_builders:
            function = builder._function
            bindings = function.get_bindings()
            if any(b.type == kind for b in bindings):
                found.add(function.get_function_name())
    return found


def test_every_activity_name_is_a_registered_activity() -> None:
    assert _registered(activities.BLUEPRINTS, "activityTrigger") == names.ACTIVITIES


def test_every_orchestrator_name_is_a_registered_orchestrator() -> None:
    assert _registered(orchestrators.BLUEPRINTS, "orchestrationTrigger") == names.ORCHESTRATORS


def test_a_model_travels_as_plain_json_not_the_sdks_envelope() -> None:
    step = OperationPoll(
        id="u1", request={"unit": {"kind": "virtualNetwork"}}, operation="commit", requestId=None
    )
    wire = step.to_json()
    assert wire == {
        "id": "u1",
        "request": {"unit": {"kind": "virtualNetwork"}},
        "operation": "commit",
        "requestId": None,
    }
    assert "__class__" not in json.dumps(wire)
    assert OperationPoll.from_json(wire) == step


def test_a_result_carries_its_error_only_when_there_is_one() -> None:
    assert SnapshotResult(digest="d", blob="b").to_json() == {"digest": "d", "blob": "b"}
    refused = SnapshotResult.from_json(
        {"error": {"code": "X", "message": "m", "reason": "notFound", "status": 404}}
    )
    assert refused.error is not None and refused.error.reason == "notFound"
    # spread into the status exactly as the activity sent it (the extra `status` kept, nothing added)
    assert refused.error.to_json() == {"code": "X", "message": "m", "reason": "notFound", "status": 404}
    assert ActivityError().to_json() == {}


def test_a_decision_keeps_what_the_trigger_raised() -> None:
    raised = {"decision": "commit", "approver": "ana", "comment": "", "signature": "s"}
    assert Decision.from_json(raised).to_json() == raised


def test_models_are_frozen_and_name_a_bad_field() -> None:
    step = UnitStep(id="u1", request={})
    with pytest.raises(ValidationError):
        step.id = "u2"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="operation"):
        OperationPoll.from_json({"id": "u1", "request": {}, "operation": "delete", "requestId": None})


def test_the_orchestrators_read_the_settings_with_their_one_default() -> None:
    """An input frozen before a setting existed reads WorkflowConfig's default for it."""
    inp = UnitInput.from_json({"request": {}, "config": {"windows": "Mon-Fri 22:00-06:00"}})
    assert inp.settings.operation_max_attempts == WorkflowConfig().operation_max_attempts == 3
    assert inp.settings.windows == "Mon-Fri 22:00-06:00"
