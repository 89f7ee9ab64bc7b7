"""`migrate_unit` starting its follow-through (`orchestrators/_after_commit.py`), both replayed through
the real SDK: the unit stays Committed whatever the follow-through does, and only the failure the
host recorded for the follow-through ends it `Failed` — an error in the unit's own code is a bug
and fails the unit's orchestration (#17 item 10)."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df
import pytest

from orchestrators.follow_through import follow_through
from orchestrators.migrate_unit import migrate_unit
from tests.replay.workflow.harness import Harness, handle_of
from tests.replay.workflow.stand_ins import Platform, signed, unit_input
from tests.replay.workflow.test_follow_through import Compute

COMMIT = signed("change-1", "commit", "commit", comment="go")


def harness(ft_activities: dict[str, Any]) -> Harness:
    inp = unit_input()
    inp["request"]["followThrough"] = {"managedDisks": True, "approval": "waived"}
    activities = {**Platform().activities(), **ft_activities}
    return Harness(
        handle_of(migrate_unit),
        inp,
        activities,
        instance_id="change-1",
        sub_orchestrators={"follow_through": handle_of(follow_through)},
    )


def test_a_finished_follow_through_is_linked_and_its_disks_join_the_id_map() -> None:
    h = harness(Compute().activities())
    out = h.run({"Approval": [COMMIT]})["output"]
    assert out["phase"] == "Committed"
    assert out["followThrough"]["phase"] == "Completed" and out["followThrough"]["id"] == "change-1~follow"
    assert {v["vm"]: v["outcome"] for v in out["followThrough"]["vms"]} == {
        "vm-a": "converted",
        "vm-b": "converted",
    }
    assert "change-1~follow" in h.children


def test_a_failed_follow_through_leaves_the_unit_committed() -> None:
    """The follow-through's own orchestration fails (a survey it cannot read): the host records
    TaskFailed for it, the unit shows the follow-through Failed and its phase stays Committed."""
    activities = Compute().activities()
    activities["ft_survey"] = lambda _p: {"vms": "not a list", "plan": []}
    h = harness(activities)
    state = h.run({"Approval": [COMMIT]})
    assert h.children["change-1~follow"].state.get("error")  # the child orchestration failed
    out = state["output"]
    assert out["phase"] == "Committed" and out["followThrough"]["phase"] == "Failed"
    assert "string indices" in out["followThrough"]["error"]


def test_an_error_in_the_units_own_code_is_not_taken_for_the_follow_throughs_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bug while starting the follow-through (here: the SDK call raising in the unit's code) fails
    the unit's orchestration, so the host records it, instead of a follow-through shown `Failed`."""

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug in the unit's code")

    monkeypatch.setattr(df.DurableOrchestrationContext, "call_sub_orchestrator", broken)
    h = harness(Compute().activities())
    state = h.run({"Approval": [COMMIT]})
    assert state.get("error") and "a bug in the unit's code" in state["error"], state
    assert not state.get("output")
