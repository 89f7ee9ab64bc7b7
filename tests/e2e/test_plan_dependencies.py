"""Dependency-driven plan scheduling on the real stack: a storage account starts as soon as its
VNet has committed, while an unrelated unit of the earlier wave still awaits approval; an aborted
VNet blocks only its own storage account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import APPROVER, SUB, Stack, running_stack, wait_for, wait_phase, wait_plan_completed

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("plan_dependencies_stack")]


def estate() -> dict[str, Any]:
    """Two VNets, each with a one-VM cloud service whose disk lives in its own storage account,
    and one unassociated NSG."""
    services = []
    for i in range(2):
        disk = {
            "name": f"vm{i}-os",
            "os": "Linux",
            "sizeGB": 30,
            "mediaLink": f"https://st{i}dep.blob.core.windows.net/vhds/vm{i}-os.vhd",
        }
        role = {
            "name": f"vm{i}",
            "size": "Standard_D2",
            "subnets": ["app"],
            "staticIp": f"10.{i}.1.4",
            "osDisk": disk,
        }
        services.append(
            {
                "name": f"cs{i}",
                "deployment": {"name": f"dep{i}", "virtualNetwork": f"vnet{i}", "roles": [role]},
            }
        )
    return {
        "version": 1,
        "subscriptionId": SUB,
        "location": "West Europe",
        "virtualNetworks": [
            {
                "name": f"vnet{i}",
                "addressSpace": [f"10.{i}.0.0/16"],
                "subnets": [{"name": "app", "prefix": f"10.{i}.1.0/24"}],
            }
            for i in range(2)
        ],
        "storageAccounts": [{"name": f"st{i}dep", "sku": "Standard_LRS"} for i in range(2)],
        "cloudServices": services,
        "networkSecurityGroups": [{"name": "nsg0", "rules": []}],
    }


@pytest.fixture(scope="module")
def dep_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    base = tmp_path_factory.mktemp("plan-deps")
    path = base / "estate.yaml"
    path.write_text(yaml.safe_dump(estate()))
    settings = {"APPROVERS": APPROVER, "OPERATION_POLL_MAX_SECONDS": "60"}
    with running_stack(base / "stack", settings, path) as stack:
        yield stack


def plan_rows(stack: Stack) -> dict[str, dict[str, Any]]:
    with stack.client() as client:
        view = client.get("/api/plans/pd").json()
    return {row["unit"]["name"]: {**row, "wave": w["index"]} for w in view["waves"] for row in w["units"]}


def test_dependants_start_early_and_a_failed_unit_blocks_only_its_own(dep_stack: Stack) -> None:
    units = [
        "virtualNetwork/vnet0",
        "virtualNetwork/vnet1",
        "networkSecurityGroup/nsg0",
        "storageAccount/st0dep",
        "storageAccount/st1dep",
    ]
    body = {"planId": "pd", "subscriptionId": SUB, "approval": "perUnit", "concurrency": 4, "units": units}
    with dep_stack.client(principal="ops@contoso.com") as client:
        assert client.post("/api/plans", json=body).status_code == 202
    rows = wait_for(lambda: len(plan_rows(dep_stack)) == 5 and plan_rows(dep_stack), timeout=30, what="rows")
    assert rows["st0dep"]["wave"] > rows["nsg0"]["wave"] == rows["vnet0"]["wave"]  # the planner's waves
    for name in ("vnet0", "vnet1", "nsg0"):
        wait_phase(dep_stack, rows[name]["id"], {"AwaitingApproval"}, timeout=60)
    with dep_stack.client(principal=APPROVER) as approver:
        assert approver.post(f"/api/migrations/{rows['vnet0']['id']}/approve", json={}).status_code == 202
        assert approver.post(f"/api/migrations/{rows['vnet1']['id']}/abort", json={}).status_code == 202
    # st0dep (a later wave) starts once vnet0 committed, while nsg0 (an earlier wave) still waits
    wait_phase(dep_stack, rows["st0dep"]["id"], {"AwaitingApproval"}, timeout=60)
    now = wait_for(
        lambda: (r := plan_rows(dep_stack))["st1dep"]["phase"] == "Blocked" and r,
        timeout=60,
        what="st1dep blocked",
    )
    assert now["nsg0"]["phase"] == "AwaitingApproval" and now["vnet1"]["phase"] == "Aborted"
    assert now["st1dep"]["blockedBy"] == ["virtualNetwork/vnet1"]
    with dep_stack.client(principal=APPROVER) as approver:
        for name in ("st0dep", "nsg0"):
            assert approver.post(f"/api/migrations/{rows[name]['id']}/approve", json={}).status_code == 202

    view = wait_plan_completed(dep_stack, "pd")
    phases = {row["unit"]["name"]: row["phase"] for w in view["waves"] for row in w["units"]}
    assert phases == {
        "vnet0": "Committed",
        "vnet1": "Aborted",
        "nsg0": "Committed",
        "st0dep": "Committed",
        "st1dep": "Blocked",
    }
    with dep_stack.client() as client:  # st1dep never started: no instance of it exists
        assert client.get(f"/api/migrations/{rows['st1dep']['id']}").status_code == 404
    assert dep_stack.arm_group("st0dep-Migrated") and dep_stack.arm_group("st1dep-Migrated") is None
