"""A plan over the realistic estate: waves in dependency order, approved wave by wave."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from tests.e2e.conftest import APPROVER, OTHER_APPROVER, REALISTIC_SUB, Stack, running_realistic, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("plan_stack")]
UNIT_FINAL = {"Committed", "Aborted", "NotMigratable", "Failed", "NeedsSupport"}


@pytest.fixture(scope="module")
def plan_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    settings = {
        "APPROVERS": f"{APPROVER},{OTHER_APPROVER}",
        "OPERATION_POLL_MIN_SECONDS": "5",
        "OPERATION_POLL_MAX_SECONDS": "30",
    }
    with running_realistic(tmp_path_factory.mktemp("plan"), settings) as stack:
        yield stack


def plan_view(stack: Stack) -> dict:
    with stack.client() as client:
        response = client.get("/api/plans/plan-r")
        assert response.status_code == 200, response.text
        return dict(response.json())


def wave_awaiting(stack: Stack, index: int) -> dict | None:
    view = plan_view(stack)
    if len(view["waves"]) <= index:
        return None
    phases = {u["phase"] for u in view["waves"][index]["units"]}
    assert not phases & {"Failed", "NeedsSupport", "NotMigratable", "Aborted", "Blocked"}, view
    return view if phases == {"AwaitingApproval"} else None


def committed_at(stack: Stack, unit_id: str) -> datetime:
    with stack.client() as client:
        timeline = client.get(f"/api/migrations/{unit_id}").json()["timeline"]
    return datetime.fromisoformat(next(t["at"] for t in timeline if t["phase"] == "Committed").rstrip("Z"))


def test_plan_commits_every_migratable_unit_in_dependency_order(plan_stack: Stack) -> None:
    body = {"planId": "plan-r", "subscriptionId": REALISTIC_SUB, "approval": "perWave", "concurrency": 4}
    with plan_stack.client(principal="ops@contoso.com") as client:
        response = client.post("/api/plans", json=body)
        assert response.status_code == 202, response.text
        assert client.post("/api/plans", json=body).status_code == 409
    waves = len(wait_for(lambda: plan_view(plan_stack)["waves"], timeout=30, what="the waves"))
    assert waves == 2  # the core's plan of this estate (c2arm plan): VNet/service/any-time, then storage
    for index in range(waves):
        wait_for(
            lambda index=index: wave_awaiting(plan_stack, index), timeout=60, what=f"wave {index} awaiting"
        )
        with plan_stack.client(principal=APPROVER) as approver:
            if index == 0:
                early = approver.post("/api/plans/plan-r/approve", json={"wave": 1, "comment": "too early"})
                assert early.status_code == 409
            response = approver.post("/api/plans/plan-r/approve", json={"wave": index, "comment": "go"})
            assert response.status_code == 202, response.text
    view = wait_for(
        lambda: (v := plan_view(plan_stack))["phase"] == "Completed" and v,
        timeout=90,
        what="the plan completed",
    )
    units = {u["unit"]["name"]: u for w in view["waves"] for u in w["units"]}
    assert set(units) == {"vnet-prod", "api-cs", "stdiag", "rip-spare", "stproddata", "nsg-spare", "rt-spare"}
    assert {u["phase"] for u in units.values()} == {"Committed"}, units
    left_out = {u["unit"]["name"]: u for u in view["notMigratable"]}
    assert {"vnet-legacy", "vnet-branch", "paas-cs", "acl-cs", "starchive", "vnet-er", "stapi"} <= set(
        left_out
    )
    assert all(u["reasons"] for u in left_out.values())
    # storage after the VNet whose VMs used its disks
    assert committed_at(plan_stack, units["stproddata"]["id"]) > committed_at(
        plan_stack, units["vnet-prod"]["id"]
    )
    with plan_stack.client() as client:
        audit = client.get(f"/api/migrations/{units['vnet-prod']['id']}/audit").json()["entries"]
    assert [(e["principal"], e["action"]) for e in audit] == [(APPROVER, "approve")]
    for name in ("vnet-prod", "api-cs", "stproddata"):
        assert plan_stack.arm_group(f"{name}-Migrated"), name
