"""The ARM compute side of migrated VMs, driven by the real azure-mgmt-compute client (issue #18).

vnet-prod of the realistic estate: shop-web1/2 and shop-sql1 in availability set as-web, nva1
outside any set; all Running before migration, disks as VHDs in the classic storage accounts.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.mgmt.compute import ComputeManagementClient

from cli.stack.emulator import Emulator
from tests.integration.emulator.helpers import ESTATES, Admin, Asm, immediate, start, tls
from tests.integration.emulator.test_arm import StaticToken

NW = "/services/networking"
RG = "vnet-prod-Migrated"


def compute(emu: Emulator) -> ComputeManagementClient:
    return ComputeManagementClient(
        StaticToken(),
        emu.subscription_id,
        base_url=emu.url,
        connection_verify=str(emu.ca_file),
        retry_total=0,
        polling_interval=0,
    )


@pytest.fixture
def migrated(asm: Asm, emu: Emulator) -> ComputeManagementClient:
    for comp in ("prepare", "commit"):
        op = asm.run(f"{NW}/virtualnetwork/vnet-prod", comp)
        assert op.findtext("{http://schemas.microsoft.com/windowsazure}Status") == "Succeeded"
    return compute(emu)


def power(client: ComputeManagementClient, vm: str) -> str:
    view = client.virtual_machines.instance_view(RG, vm)
    return next(s.code for s in view.statuses if s.code.startswith("PowerState/"))


def test_migrated_vm_is_running_on_vhds_in_the_classic_account(migrated: ComputeManagementClient) -> None:
    vm = migrated.virtual_machines.get(RG, "shop-sql1", expand="instanceView")
    os_disk = vm.properties.storage_profile.os_disk
    assert os_disk.vhd.uri == "https://stproddata.blob.core.windows.net/vhds/shop-sql1-os.vhd"
    assert os_disk.managed_disk is None
    assert [d.vhd.uri for d in vm.properties.storage_profile.data_disks] == [
        "https://stproddata.blob.core.windows.net/vhds/shop-sql1-data0.vhd",
        "https://stproddata.blob.core.windows.net/vhds/shop-sql1-log0.vhd",
    ]
    codes = [s.code for s in vm.properties.instance_view.statuses]
    assert codes == ["ProvisioningState/succeeded", "PowerState/running"]
    assert vm.properties.availability_set.id.endswith("/availabilitySets/as-web")
    aset = migrated.availability_sets.get(RG, "as-web")
    assert aset.sku.name == "Classic"
    assert sorted(m.id.rsplit("/", 1)[-1] for m in aset.properties.virtual_machines) == [
        "shop-sql1",
        "shop-web1",
        "shop-web2",
    ]


def test_convert_a_vm_outside_a_set(migrated: ComputeManagementClient) -> None:
    with pytest.raises(ResourceExistsError) as refused:  # 409 while running
        migrated.virtual_machines.begin_convert_to_managed_disks(RG, "nva1").result()
    assert refused.value.error.code == "OperationNotAllowed"
    assert "running" in refused.value.message
    migrated.virtual_machines.begin_deallocate(RG, "nva1").result()
    assert power(migrated, "nva1") == "PowerState/deallocated"
    migrated.virtual_machines.begin_convert_to_managed_disks(RG, "nva1").result()
    assert power(migrated, "nva1") == "PowerState/running"  # the platform starts it again
    vm = migrated.virtual_machines.get(RG, "nva1")
    managed = vm.properties.storage_profile.os_disk.managed_disk
    assert vm.properties.storage_profile.os_disk.vhd is None and managed is not None
    disk = migrated.disks.get(RG, managed.id.rsplit("/", 1)[-1])
    assert disk.managed_by == vm.id
    assert (
        disk.properties.creation_data.source_uri == "https://stprodweb.blob.core.windows.net/vhds/nva1-os.vhd"
    )
    assert disk.properties.disk_size_gb == 30 and disk.properties.os_type == "Linux"
    with pytest.raises(ResourceExistsError, match="already uses managed disks"):
        migrated.virtual_machines.begin_convert_to_managed_disks(RG, "nva1").result()


def test_a_vm_in_an_unaligned_set_is_refused_until_the_set_is_aligned(
    migrated: ComputeManagementClient,
) -> None:
    migrated.virtual_machines.begin_deallocate(RG, "shop-sql1").result()
    with pytest.raises(ResourceExistsError, match="as-web"):
        migrated.virtual_machines.begin_convert_to_managed_disks(RG, "shop-sql1").result()
    skus = [s for s in migrated.resource_skus.list(filter="location eq 'westeurope'") if s.name == "Aligned"]
    most = int(next(c.value for c in skus[0].capabilities if c.name == "MaximumPlatformFaultDomainCount"))
    assert skus[0].resource_type == "availabilitySets" and most == 3
    aset = migrated.availability_sets.update(
        RG, "as-web", {"sku": {"name": "Aligned"}, "properties": {"platformFaultDomainCount": 2}}
    )
    assert aset.sku.name == "Aligned" and aset.properties.platform_fault_domain_count == 2
    migrated.virtual_machines.begin_convert_to_managed_disks(RG, "shop-sql1").result()
    profile = migrated.virtual_machines.get(RG, "shop-sql1").properties.storage_profile
    assert all(d.managed_disk is not None for d in [profile.os_disk, *profile.data_disks])
    names = sorted(d.name for d in migrated.disks.list_by_resource_group(RG))
    assert len(names) == 3 and all(n.startswith("shop-sql1_") for n in names)


def test_the_set_cannot_be_aligned_beyond_the_regions_fault_domains(
    migrated: ComputeManagementClient, admin: Admin
) -> None:
    admin.put("/settings", json={"maxFaultDomains": {"westeurope": 1}})
    with pytest.raises(HttpResponseError) as refused:
        migrated.availability_sets.update(RG, "as-web", {"sku": {"name": "Aligned"}})
    assert refused.value.status_code == 400
    assert "fault domain count 2 must fall in the range 1 to 1" in refused.value.message
    assert migrated.availability_sets.get(RG, "as-web").sku.name == "Classic"


def test_long_running_protocol_headers_and_polling(
    migrated: ComputeManagementClient, emu: Emulator, admin: Admin
) -> None:
    admin.put("/progress", json={"mode": "manual"})
    with httpx.Client(verify=tls(emu), headers={"Authorization": "Bearer t"}, timeout=10) as http:
        base = (
            f"{emu.url}/subscriptions/{emu.subscription_id}/resourceGroups/{RG}/providers/Microsoft.Compute"
        )
        answer = http.post(f"{base}/virtualMachines/shop-web2/deallocate?api-version=2024-07-01")
        assert answer.status_code == 202
        status_url = answer.headers["Azure-AsyncOperation"]
        assert answer.headers["Location"].startswith(status_url)
        assert http.get(status_url).json()["status"] == "InProgress"
        assert http.get(answer.headers["Location"]).status_code == 202
        assert power(migrated, "shop-web2") == "PowerState/deallocating"
        # a list answers each VM and set as its GET does (the same models): busy VM, set members
        listed = {vm.name: vm.as_dict() for vm in migrated.virtual_machines.list(RG)}
        assert listed["shop-web2"]["properties"]["provisioningState"] == "Updating"
        assert listed == {n: migrated.virtual_machines.get(RG, n).as_dict() for n in listed}
        sets = {s.name: s.as_dict() for s in migrated.availability_sets.list(RG)}
        assert sets == {n: migrated.availability_sets.get(RG, n).as_dict() for n in sets}
        again = http.post(f"{base}/virtualMachines/shop-web2/deallocate?api-version=2024-07-01")
        assert again.headers["Azure-AsyncOperation"] == status_url  # a repeat returns the running one
        busy = http.post(f"{base}/virtualMachines/shop-web2/start?api-version=2024-07-01")
        assert busy.status_code == 409
        op_id = status_url.split("/operations/")[1].split("?")[0]
        admin.post(f"/operations/{op_id}/complete", json={})
        done = http.get(status_url).json()
        assert done["status"] == "Succeeded" and "endTime" in done
        assert http.get(answer.headers["Location"]).status_code == 200
        assert power(migrated, "shop-web2") == "PowerState/deallocated"


def test_an_extension_that_did_not_succeed_refuses_the_conversion(tmp_path: Path) -> None:
    """A stopped VM whose extension is not Ready migrates (classic validation lets it), not converts."""
    text = (ESTATES / "small.yaml").read_text()
    text = text.replace(
        "          size: Standard_D2\n", "          size: Standard_D2\n          state: StoppedDeallocated\n"
    )
    text = text.replace('version: "2.1"}', 'version: "2.1", status: NotReady}')
    (tmp_path / "estate.yaml").write_text(text)
    emu = start(tmp_path, tmp_path / "estate.yaml")
    try:
        immediate(emu)
        with Asm(emu) as asm:
            for comp in ("prepare", "commit"):
                asm.run(f"{NW}/virtualnetwork/vnet-small", comp)
        client = compute(emu)
        view = client.virtual_machines.instance_view("vnet-small-Migrated", "app1")
        assert [(e.name, e.statuses[0].code) for e in view.extensions] == [
            ("CustomScript", "ProvisioningState/failed")
        ]
        assert any(s.code == "PowerState/deallocated" for s in view.statuses)
        with pytest.raises(
            ResourceExistsError, match="since extension 'CustomScript' is in provisioning state '"
        ):
            client.virtual_machines.begin_convert_to_managed_disks("vnet-small-Migrated", "app1").result()
    finally:
        emu.stop()


def test_operation_faults_fail_the_conversion_and_leave_the_vm_deallocated(
    migrated: ComputeManagementClient, admin: Admin
) -> None:
    admin.post(
        "/faults",
        json={
            "match": {"unit": "virtualMachine/nva1", "operation": "convertToManagedDisks"},
            "count": 1,
            "action": {"type": "operationFailed"},
        },
        status=201,
    )
    migrated.virtual_machines.begin_deallocate(RG, "nva1").result()
    with pytest.raises(HttpResponseError, match="Internal server error"):
        migrated.virtual_machines.begin_convert_to_managed_disks(RG, "nva1").result()
    assert power(migrated, "nva1") == "PowerState/deallocated"
    assert migrated.virtual_machines.get(RG, "nva1").properties.storage_profile.os_disk.vhd is not None
    migrated.virtual_machines.begin_convert_to_managed_disks(RG, "nva1").result()  # the fault fired once
    assert power(migrated, "nva1") == "PowerState/running"
