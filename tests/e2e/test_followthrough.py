"""The follow-through on the local stack (issue #18): a VNet with VMs in and out of an availability
set, migrated with `followThrough: {managedDisks: true}`, ends with every VM on managed disks,
running again if it was, the set Aligned, the downtime per VM in the report — also with the
devhost killed (SIGKILL) at each follow-through step; a refused conversion leaves the VM as it
was (started again) and the unit ends Committed with a finding and a remedy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.mgmt.compute import ComputeManagementClient

from tests.e2e.conftest import (
    APPROVER,
    OTHER_APPROVER,
    Stack,
    realistic_request,
    request,
    running_realistic,
    running_stack,
    wait_for,
    wait_phase,
)
from tests.integration.emulator.test_arm import StaticToken

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("followthrough")]
FINAL_FT = {"Completed", "CompletedWithFindings", "Aborted", "Failed"}
SETTINGS = {
    "APPROVERS": f"{APPROVER},{OTHER_APPROVER}",
    "TWO_PERSON_APPROVAL": "true",
    "OPERATION_POLL_MIN_SECONDS": "5",
    "OPERATION_POLL_MAX_SECONDS": "30",
    "AZURE_QUICK_RETRIES": "1",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    settings = {**SETTINGS, "MIGRATION_WINDOWS": "Wed 12:00-23:59"}
    with running_realistic(tmp_path_factory.mktemp("followthrough"), settings) as stack:
        yield stack


def compute(stack: Stack) -> ComputeManagementClient:
    info = stack.info
    return ComputeManagementClient(
        StaticToken(),
        info["subscriptionId"],
        base_url=info["emulatorUrl"],
        connection_verify=info["caFile"],
        retry_total=0,
    )


def power(client: ComputeManagementClient, group: str, vm: str) -> str:
    view = client.virtual_machines.instance_view(group, vm)
    return next(s.code for s in view.statuses if s.code.startswith("PowerState/"))


def unit_when(stack: Stack, unit_id: str, ready: Any, timeout: float = 120) -> dict[str, Any]:
    """The unit's status once `ready(follow-through part)` holds."""

    def check() -> dict[str, Any] | None:
        with stack.client() as client:
            doc = client.get(f"/api/migrations/{unit_id}").json()
        return doc if ready(doc.get("followThrough") or {}) else None

    return dict(wait_for(check, timeout, f"{unit_id}'s follow-through"))


def follow(stack: Stack, unit_id: str) -> dict[str, Any]:
    """The unit's status once its follow-through has started."""
    return unit_when(stack, unit_id, lambda ft: ft.get("id"))


def compute_ops(stack: Stack) -> list[dict[str, Any]]:
    with stack.emulator() as admin:
        return [
            op for op in admin.get("/admin/operations").json()["operations"] if op["kind"].startswith("vm:")
        ]


def approve(stack: Stack, instance_id: str) -> None:
    with stack.client(principal=APPROVER) as approver:
        response = approver.post(f"/api/migrations/{instance_id}/approve", json={"comment": "ok"})
        assert response.status_code == 202, response.text


def test_vnet_with_a_set_ends_on_managed_disks_across_devhost_kills(stack: Stack) -> None:
    from cli.stack.up import restart_app

    body = realistic_request("ft-prod", "virtualNetwork", "vnet-prod", followThrough={"managedDisks": True})
    with stack.client(principal="ops@contoso.com") as client:
        assert client.post("/api/migrations", json=body).status_code == 202
    assert wait_phase(stack, "ft-prod", {"AwaitingApproval", "Failed", "NotMigratable"}, 120)["phase"] == (
        "AwaitingApproval"
    )
    approve(stack, "ft-prod")
    doc = follow(stack, "ft-prod")
    assert doc["phase"] == "Committed"  # the unit's phases are unchanged
    ft_id = doc["followThrough"]["id"]
    assert ft_id == "ft-prod~follow" and doc["links"]["followThrough"].endswith(ft_id)
    ft = wait_phase(stack, ft_id, {"AwaitingApproval"} | FINAL_FT, 120)
    assert ft["phase"] == "AwaitingApproval" and ft["kind"] == "followThrough"
    assert {line["vm"]: line["downtime"] for line in ft["vmPlan"]} == {
        "nva1": True,
        "shop-sql1": True,
        "shop-web1": True,
        "shop-web2": True,
    }
    with stack.client(principal="ops@contoso.com") as requester:  # two-person rule, as for commit
        assert requester.post(f"/api/migrations/{ft_id}/approve", json={}).status_code == 403
    with stack.client(principal=APPROVER) as approver:
        page = approver.get(f"/api/migrations/{ft_id}/review")
        assert page.status_code == 200 and "Follow-through: managed disks" in page.text
        assert "shop-sql1-data0.vhd" in page.text
    approve(stack, ft_id)

    kills, seen = 0, 0
    with stack.client() as client:

        def status_after_a_kill() -> dict[str, Any]:
            """The follow-through's status; after each new step (up to six) the devhost is killed."""
            nonlocal kills, seen
            ft = client.get(f"/api/migrations/{ft_id}").json()
            steps = sum(len(v.get("steps") or []) for v in ft.get("vms") or [])
            if ft["phase"] not in FINAL_FT and steps > seen and kills < 6:
                seen = steps
                restart_app(stack.state_dir, crash=True)
                kills += 1
            return ft

        wait_for(
            status_after_a_kill,
            360,
            f"{ft_id} to end while its host is killed",
            interval=0.3,
            until=lambda ft: ft["phase"] in FINAL_FT,
        )
    ft = wait_phase(stack, ft_id, FINAL_FT, 120)
    assert ft["phase"] == "Completed", ft.get("findings") or ft.get("error")
    assert kills >= 3

    arm = compute(stack)
    group = "vnet-prod-Migrated"
    for vm in ("nva1", "shop-sql1", "shop-web1", "shop-web2"):
        profile = arm.virtual_machines.get(group, vm).properties.storage_profile
        assert all(d.managed_disk is not None for d in [profile.os_disk, *profile.data_disks]), vm
        assert power(arm, group, vm) == "PowerState/running", vm
    assert arm.availability_sets.get(group, "as-web").sku.name == "Aligned"
    converts = [o for o in compute_ops(stack) if o["kind"] == "vm:convert"]  # started, whatever the end
    assert sorted(op["data"]["vm"].rsplit("/", 1)[-1] for op in converts) == [
        "nva1",
        "shop-sql1",
        "shop-web1",
        "shop-web2",
    ]  # nothing converted twice

    unit = unit_when(stack, "ft-prod", lambda ft: ft.get("phase") in FINAL_FT, 60)
    assert unit["phase"] == "Committed" and unit["followThrough"]["phase"] == "Completed"
    with stack.client() as client:  # the unit's id map gained the managed disks
        id_map = client.get("/api/migrations/ft-prod/report").json()["resourceMap"]
    assert "/Microsoft.Compute/disks/shop-sql1_shop-sql1-data0_" in id_map["shop-sql1-data0"]
    with stack.client() as client:
        report = client.get(f"/api/migrations/{ft_id}/report").json()
    rows = {r["vm"]: r for r in report["vms"]}
    assert set(rows) == {"nva1", "shop-sql1", "shop-web1", "shop-web2"}
    assert all(r["outcome"] == "converted" and r["downtimeSeconds"] > 0 for r in rows.values())
    assert len(rows["shop-sql1"]["idMap"]) == 3 and all(m["arm"] for m in rows["shop-sql1"]["idMap"])
    assert rows["shop-sql1"]["vhdsStillBilling"][0].endswith("shop-sql1-os.vhd")
    assert rows["nva1"]["remainingByHand"]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    settings = {**SETTINGS, "OPERATION_POLL_MIN_SECONDS": "2", "OPERATION_POLL_MAX_SECONDS": "10"}
    with running_stack(tmp_path_factory.mktemp("followthrough-small"), settings) as stack:
        yield stack


def test_a_refused_conversion_leaves_the_vm_running_and_a_finding(small: Stack) -> None:
    with small.emulator() as admin:
        fault = {
            "match": {"unit": "virtualMachine/app1", "operation": "convertToManagedDisks"},
            "action": {
                "type": "operationFailed",
                "transient": False,
                "code": "BadRequest",
                "message": "The disk blob is leased by another operation.",
            },
        }
        assert admin.post("/admin/faults", json=fault).status_code == 201
    body = request("ft-small", followThrough={"managedDisks": True, "approval": "waived"})
    with small.client(principal="ops@contoso.com") as client:
        assert client.post("/api/migrations", json=body).status_code == 202
    wait_phase(small, "ft-small", {"AwaitingApproval"}, 90)
    approve(small, "ft-small")
    ft_id = follow(small, "ft-small")["followThrough"]["id"]
    ft = wait_phase(small, ft_id, FINAL_FT, 120)
    assert ft["phase"] == "CompletedWithFindings"
    finding = next(f for f in ft["findings"] if f["source"] == "followThrough")
    assert finding["code"] == "C2A-FT-03" and "leased" in finding["message"] and finding["remedy"]
    arm = compute(small)
    vm = arm.virtual_machines.get("vnet-small-Migrated", "app1")
    assert vm.properties.storage_profile.os_disk.vhd is not None  # as it was
    assert power(arm, "vnet-small-Migrated", "app1") == "PowerState/running"  # started again
    unit = unit_when(small, "ft-small", lambda ft: ft.get("phase") in FINAL_FT, 60)
    assert unit["phase"] == "Committed"
    assert any(f["source"] == "followThrough" and f["remedy"] for f in unit["findings"])
