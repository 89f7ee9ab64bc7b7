"""Migration of every unit kind through the real ASM API: states, operations, locks, ordering."""

from __future__ import annotations

import httpx
import pytest

from cli.stack.emulator import Emulator
from tests.integration.emulator.helpers import DNR_NEW, Admin, Asm, dnr, error_of, tls, x

HS = "/services/hostedservices"
SHUTDOWN = (
    '<ShutdownRoleOperation xmlns="http://schemas.microsoft.com/windowsazure">'
    "<OperationType>ShutdownRoleOperation</OperationType>"
    "<PostShutdownAction>StoppedDeallocated</PostShutdownAction></ShutdownRoleOperation>"
)
NW = "/services/networking"


def role_states(asm: Asm, service: str, deployment: str) -> list[str | None]:
    dep = asm.get(f"{HS}/{service}/deployments/{deployment}")
    return [r.findtext(x("MigrationState")) for r in dep.findall(x("RoleList/Role"))]


def vnet_state(asm: Asm, name: str) -> str | None:
    for site in asm.get(f"{NW}/virtualnetwork").findall(x("VirtualNetworkSite")):
        if site.findtext(x("Name")) == name:
            return site.findtext(x("MigrationState"))
    raise AssertionError(f"{name} not listed")


def arm_group(emu: Emulator, name: str) -> httpx.Response:
    with httpx.Client(verify=tls(emu)) as client:
        return client.get(
            f"{emu.url}/subscriptions/{emu.subscription_id}/resourcegroups/{name}",
            params={"api-version": "2025-04-01"},
            headers={"Authorization": "Bearer t"},
        )


def test_vnet_prepare_lock_commit(asm: Asm, emu: Emulator) -> None:
    vnet = f"{NW}/virtualnetwork/vnet-prod"
    assert [c for c, _ in asm.messages(vnet)] == ["Warning", "Warning"]  # BGInfo dropped, alerts dropped
    op = asm.run(vnet, "prepare")
    assert op.findtext(x("Status")) == "Succeeded" and op.findtext(x("HttpStatusCode")) == "200"
    assert vnet_state(asm, "vnet-prod") == "Prepared"
    assert role_states(asm, "shop-cs", "shop-prod") == ["Prepared"] * 3
    assert arm_group(emu, "vnet-prod-Migrated").status_code == 200
    # locked: writes are refused with the platform's messages, reads keep working
    disk = '<DataVirtualHardDisk xmlns="http://schemas.microsoft.com/windowsazure"><Lun>3</Lun><LogicalDiskSizeInGB>10</LogicalDiskSizeInGB><MediaLink>https://stprodweb.blob.core.windows.net/vhds/x.vhd</MediaLink></DataVirtualHardDisk>'
    r = asm.http.post(f"{HS}/shop-cs/deployments/shop-prod/roles/shop-web1/DataDisks", content=disk)
    assert r.status_code == 409
    assert error_of(r) == (
        "ConflictError",
        "Management operations on VM are disallowed because migration is in progress.",
    )
    r = asm.http.delete(f"{HS}/shop-cs/deployments/shop-prod")
    assert r.status_code == 409
    assert (
        error_of(r)[1]
        == "HostedService shop-cs is in the process of being migrated and hence cannot be changed."
    )
    netcfg = asm.http.get(f"{NW}/media").content
    r = asm.http.put(f"{NW}/media", content=netcfg)
    assert (
        r.status_code == 409
        and "Virtual Network vnet-prod is in the process of being migrated" in error_of(r)[1]
    )
    # idempotent repeat of prepare
    assert asm.run(vnet, "prepare").findtext(x("Status")) == "Succeeded"
    # commit removes the classic side
    assert asm.run(vnet, "commit").findtext(x("Status")) == "Succeeded"
    assert asm.http.get(f"{HS}/shop-cs").status_code == 404
    assert "vnet-prod" not in [
        s.findtext(x("Name")) for s in asm.get(f"{NW}/virtualnetwork").findall(x("VirtualNetworkSite"))
    ]
    assert "rip-shop" not in asm.http.get(f"{NW}/reservedips").text
    assert "shop-web1-os" not in asm.http.get("/services/disks").text
    assert asm.run(vnet, "commit").findtext(x("Status")) == "Succeeded"  # repeat: idempotent
    r = asm.migrate(vnet, "abort")
    assert r.status_code == 409 and "Abort isn't allowed" in error_of(r)[1]
    # the classic VNet is gone: it answers as a missing one does (recorded answers)
    gone = (
        "Virtual network 'vnet-prod' not found. Either it does not exist or it is an Azure Resource "
        "Manager resource, which cannot be used with Cloud Services."
    )
    r = asm.migrate(vnet, "prepare")
    assert r.status_code == 400 and error_of(r) == ("BadRequest", gone)
    assert asm.messages(vnet) == [("Error", gone)]
    assert arm_group(emu, "vnet-prod-Migrated").status_code == 200


def test_abort_deletes_arm_and_unlocks(asm: Asm, emu: Emulator) -> None:
    unit = f"{NW}/virtualnetwork/vnet-prod"
    asm.run(unit, "prepare")
    assert asm.run(unit, "abort").findtext(x("Status")) == "Succeeded"
    # the platform's vocabulary has no `Aborted`: an aborted unit reads `None`
    assert vnet_state(asm, "vnet-prod") == "None"
    assert role_states(asm, "shop-cs", "shop-prod") == ["None"] * 3
    assert arm_group(emu, "vnet-prod-Migrated").status_code == 404
    assert asm.run(unit, "abort").findtext(x("Status")) == "Succeeded"  # repeat
    r = asm.http.post(
        f"{HS}/shop-cs/deployments/shop-prod/roleinstances/shop-web2/Operations", content=SHUTDOWN
    )
    assert r.status_code == 202
    inst = asm.get(f"{HS}/shop-cs/deployments/shop-prod").findall(x("RoleInstanceList/RoleInstance"))[1]
    assert inst.findtext(x("InstanceStatus")) == "StoppedDeallocated"


def test_commit_and_abort_need_prepare(asm: Asm) -> None:
    for comp in ("commit", "abort"):
        r = asm.migrate(f"{NW}/virtualnetwork/vnet-prod", comp)
        assert r.status_code == 400
        assert error_of(r) == ("BadRequest", "Virtual Network vnet-prod has not been prepared for Migration.")


@pytest.mark.usefixtures("emu")
def test_cloud_service_outside_vnet(asm: Asm) -> None:
    dep = f"{HS}/api-cs/deployments/api-prod"
    assert [c for c, _ in asm.messages(dep, DNR_NEW)] == ["Warning"]  # autoscale dropped
    op = asm.run(dep, "prepare", DNR_NEW)
    assert op.findtext(x("Status")) == "Succeeded"
    d = asm.get(dep)
    assert [i.findtext(x("InstanceStatus")) for i in d.findall(x("RoleInstanceList/RoleInstance"))] == [
        "StoppedDeallocated"
    ] * 2
    assert role_states(asm, "api-cs", "api-prod") == ["Prepared", "Prepared"]
    r = asm.http.post(
        f"{dep}/roleinstances/api1/Operations",
        content='<StartRoleOperation xmlns="http://schemas.microsoft.com/windowsazure"/>',
    )
    assert r.status_code == 409
    assert asm.run(dep, "commit").findtext(x("Status")) == "Succeeded"
    assert asm.http.get(f"{HS}/api-cs").status_code == 404


def test_cloud_service_destination_checks(asm: Asm) -> None:
    dep = f"{HS}/api-cs/deployments/api-prod"
    r = asm.migrate(dep, "prepare", dnr("Default"))
    assert r.status_code == 400 and error_of(r)[1] == "Default VNet destination option not implemented."
    r = asm.migrate(dep, "prepare", dnr("Existing", "net-rg", "hub", "apps"))
    assert r.status_code == 400 and error_of(r)[1] == "The virtual network hub doesn't exist."
    assert ("Error", "The virtual network hub doesn't exist.") in asm.messages(
        dep, dnr("Existing", "net-rg", "hub", "apps")
    )
    r = asm.migrate(dep, "prepare", dnr("Existing"))
    assert r.status_code == 400 and "ResourceGroupName is required" in error_of(r)[1]


def test_existing_destination_uses_an_arm_vnet(asm: Asm, emu: Emulator) -> None:
    asm.run(f"{NW}/virtualnetwork/vnet-prod", "prepare")
    dep = f"{HS}/api-cs/deployments/api-prod"
    op = asm.run(dep, "prepare", dnr("Existing", "vnet-prod-Migrated", "vnet-prod", "web"))
    assert op.findtext(x("Status")) == "Succeeded", op.findtext(x("Error/Message"))
    with httpx.Client(verify=tls(emu)) as client:
        nic = client.get(
            f"{emu.url}/subscriptions/{emu.subscription_id}/resourceGroups/api-cs-Migrated/providers/Microsoft.Network/networkInterfaces/api1-PrimaryNic",
            headers={"Authorization": "Bearer t"},
        ).json()
    cfg = nic["properties"]["ipConfigurations"][0]["properties"]
    assert cfg["privateIPAddress"] == "10.0.1.4"
    assert cfg["subnet"]["id"].endswith(
        "/resourceGroups/vnet-prod-Migrated/providers/Microsoft.Network/virtualNetworks/vnet-prod/subnets/web"
    )


def test_deployment_in_a_vnet_cannot_move_alone(asm: Asm) -> None:
    dep = f"{HS}/shop-cs/deployments/shop-prod"
    expected = "Deployment shop-prod in HostedService shop-cs belongs to Virtual Network vnet-prod. Migrate Virtual Network vnet-prod to migrate this HostedService."  # noqa: E501
    assert asm.messages(dep, DNR_NEW) == [("Error", expected)]
    r = asm.migrate(dep, "prepare", DNR_NEW)
    assert r.status_code == 400 and error_of(r) == ("BadRequest", expected)


def test_non_migratable_units_are_reported_by_validate(asm: Asm) -> None:
    paas = asm.messages(f"{HS}/paas-cs/deployments/paas-prod", DNR_NEW)
    assert paas == [
        (
            "Error",
            "Migration isn't supported for Deployment paas-prod in HostedService paas-cs because it's a PaaS deployment (Web/Worker).",  # noqa: E501
        )
    ]
    legacy = asm.messages(f"{NW}/virtualnetwork/vnet-legacy")
    assert any("in State: RoleStateUnknown" in m for _, m in legacy)
    assert any("Not Ready" in m for _, m in legacy)
    acl = asm.messages(f"{HS}/acl-cs/deployments/acl-prod", DNR_NEW)
    assert [c for c, _ in acl] == ["Error"] and "Endpoint ACL" in acl[0][1]
    nsg = asm.messages(f"{NW}/networksecuritygroups/nsg-web")
    assert nsg == [
        (
            "Error",
            "Network Security Group nsg-web is associated with subnet web of Virtual Network vnet-prod; it migrates with it and cannot be migrated on its own.",  # noqa: E501
        )
    ]
    rip = asm.messages(f"{NW}/reservedips/rip-api")
    assert "associated with HostedService api-cs" in rip[0][1]
    op = asm.run(f"{NW}/virtualnetwork/vnet-legacy", "prepare")
    assert op.findtext(x("Status")) == "Failed"
    assert "RoleStateUnknown" in op.findtext(x("Error/Message"))
    assert vnet_state(asm, "vnet-legacy") == "PrepareFailed"


def test_prepare_only_checks_fail_prepare_not_validate(asm: Asm, admin: Admin) -> None:
    er = f"{NW}/virtualnetwork/vnet-er"
    assert asm.messages(er) == []
    op = asm.run(er, "prepare")
    assert op.findtext(x("Status")) == "Failed"
    assert op.findtext(x("Error/Code")) == "BadRequest"
    assert "ExpressRoute circuit er-legacy hasn't been migrated" in op.findtext(x("Error/Message"))
    assert vnet_state(asm, "vnet-er") == "PrepareFailed"
    admin.post("/circuits/er-legacy/move")
    assert asm.run(er, "prepare").findtext(x("Status")) == "Succeeded"
    branch = f"{NW}/virtualnetwork/vnet-branch"
    assert asm.messages(branch) == []
    op = asm.run(branch, "prepare")
    assert "Local Network Site branch-office is in a Disconnected state" in op.findtext(x("Error/Message"))


def test_storage_ordering(asm: Asm) -> None:
    unit = "/services/storageservices/stapi"
    messages = asm.messages(unit)
    assert {m.split(" attached to VM ")[1].split(" ")[0] for _, m in messages} == {"api1", "api2", "acl1"}
    op = asm.run(unit, "prepare")
    assert op.findtext(x("Status")) == "Failed" and "hasn't been migrated" in op.findtext(x("Error/Message"))
    diag = "/services/storageservices/stdiag"
    assert asm.messages(diag) == []
    assert asm.run(diag, "prepare").findtext(x("Status")) == "Succeeded"
    assert asm.get(diag).findtext(x("MigrationState")) == "Prepared"
    r = asm.http.put(
        diag,
        content='<UpdateStorageServiceInput xmlns="http://schemas.microsoft.com/windowsazure"><AccountType>Standard_GRS</AccountType></UpdateStorageServiceInput>',
    )
    assert (
        r.status_code == 409
        and "Storage account stdiag is in the process of being migrated" in error_of(r)[1]
    )
    assert asm.run(diag, "commit").findtext(x("Status")) == "Succeeded"
    assert asm.http.get(diag).status_code == 404


def test_small_estate_vnet_then_storage(small_emulator: Emulator) -> None:
    with Asm(small_emulator) as asm:
        storage = "/services/storageservices/stsmall"
        assert asm.messages(storage) != []
        vnet = f"{NW}/virtualnetwork/vnet-small"
        for comp in ("prepare", "commit"):
            assert asm.run(vnet, comp).findtext(x("Status")) == "Succeeded"
        assert asm.messages(storage) == []
        for comp in ("prepare", "commit"):
            assert asm.run(storage, comp).findtext(x("Status")) == "Succeeded"


def test_unassociated_network_units(asm: Asm, emu: Emulator) -> None:
    for path, group in (
        (f"{NW}/reservedips/rip-spare", "rip-spare"),
        (f"{NW}/networksecuritygroups/nsg-spare", "nsg-spare"),
        (f"{NW}/routetables/rt-spare", "rt-spare"),
    ):
        assert asm.messages(path) == []
        assert asm.run(path, "prepare").findtext(x("Status")) == "Succeeded"
        # no MigrationState on these kinds (recorded GETs carry none): the ARM side shows prepare
        assert asm.get(path).find(x("MigrationState")) is None
        assert arm_group(emu, f"{group}-Migrated").status_code == 200
        r = asm.http.delete(path)
        assert r.status_code == 409 and "is in the process of being migrated" in error_of(r)[1]
        assert asm.run(path, "commit").findtext(x("Status")) == "Succeeded"
        assert asm.http.get(path).status_code == 404
        assert arm_group(emu, f"{group}-Migrated").status_code == 200


def test_no_migration_state_on_reserved_ips_nsgs_route_tables(asm: Asm) -> None:
    """Microsoft's clients parse no MigrationState for these kinds and recorded GETs carry none
    (azure-xplat-cli cli.network.migration-tests, 2016-09-14): the emulator sends none either."""
    for unit in ("routetables/rt-spare", "reservedips/rip-spare", "networksecuritygroups/nsg-spare"):
        asm.run(f"{NW}/{unit}", "prepare")
    for path in (
        "routetables",
        "reservedips",
        "networksecuritygroups",
        "reservedips/rip-spare",
        "routetables/rt-spare",
        "networksecuritygroups/nsg-spare?detaillevel=Full",
    ):
        assert "MigrationState" not in asm.http.get(f"{NW}/{path}").text, path


def test_timed_and_manual_progress(asm: Asm, admin: Admin) -> None:
    admin.put("/progress", json={"mode": "manual"})
    unit = f"{NW}/reservedips/rip-spare"
    r = asm.migrate(unit, "prepare")
    op_id = r.headers["x-ms-request-id"]
    assert asm.get(f"/operations/{op_id}").findtext(x("Status")) == "InProgress"
    assert admin.get("/state")["units"]["reservedIp/rip-spare"]["state"] == "Preparing"
    again = asm.migrate(unit, "prepare")  # repeat while running: the same operation
    assert again.headers["x-ms-request-id"] == op_id
    r = asm.migrate(unit, "abort")
    assert r.status_code == 409 and "being prepared" in error_of(r)[1]
    admin.post(f"/operations/{op_id}/complete", json={"status": "Succeeded"})
    assert asm.get(f"/operations/{op_id}").findtext(x("Status")) == "Succeeded"
    r = asm.migrate(unit, "commit")
    admin.post(
        f"/operations/{r.headers['x-ms-request-id']}/complete",
        json={"status": "Failed", "message": "Internal server error"},
    )
    op = asm.get(f"/operations/{r.headers['x-ms-request-id']}")
    assert (op.findtext(x("Status")), op.findtext(x("Error/Code"))) == ("Failed", "InternalError")
    assert admin.get("/state")["units"]["reservedIp/rip-spare"]["state"] == "CommitFailed"  # retried:
    admin.put("/progress", json={"mode": "timed", "durations": {"commit": 0.3}})
    r = asm.migrate(unit, "commit")
    assert asm.get(f"/operations/{r.headers['x-ms-request-id']}").findtext(x("Status")) == "InProgress"
    assert asm.wait(r.headers["x-ms-request-id"]).findtext(x("Status")) == "Succeeded"


def test_bad_requests_change_nothing(asm: Asm, admin: Admin) -> None:
    before = admin.get("/state")["units"]
    dep = f"{HS}/api-cs/deployments/api-prod"
    cases = [
        (asm.migrate(f"{NW}/virtualnetwork/vnet-prod", "explode"), 400, "comp"),
        (asm.migrate(f"{NW}/virtualnetwork/vnet-prod", ""), 400, "comp"),
        (asm.migrate(dep, "prepare", "<DeploymentNetworkResource"), 400, "not well-formed"),
        (
            asm.migrate(dep, "prepare", "<Other xmlns='http://schemas.microsoft.com/windowsazure'/>"),
            400,
            "Expected root element DeploymentNetworkResource",
        ),
        (asm.migrate(dep, "prepare", "<DeploymentNetworkResource/>"), 400, "namespace"),
        (
            asm.migrate(
                dep,
                "prepare",
                '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><DeploymentNetworkResource xmlns="http://schemas.microsoft.com/windowsazure">&lol2;</DeploymentNetworkResource>',  # noqa: E501
            ),
            400,
            "DTD",
        ),
        (
            asm.migrate(
                dep,
                "prepare",
                '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><DeploymentNetworkResource xmlns="http://schemas.microsoft.com/windowsazure">&x;</DeploymentNetworkResource>',  # noqa: E501
            ),
            400,
            "rejected",
        ),
        (asm.migrate(f"{NW}/virtualnetwork/nope", "prepare"), 400, "'nope' not found"),
        (asm.migrate(f"{HS}/api-cs/deployments/other", "commit"), 404, "does not exist"),
    ]
    for response, status, fragment in cases:
        assert response.status_code == status, (response.status_code, response.text)
        assert fragment in error_of(response)[1], response.text
    big = asm.migrate(dep, "prepare", "<a>" + "x" * 300_000 + "</a>")
    assert big.status_code == 413 and error_of(big)[0] == "RequestEntityTooLarge"
    assert admin.get("/state")["units"] == before


def test_unattached_disks_and_images_block_storage_at_prepare(asm: Asm) -> None:
    unit = "/services/storageservices/starchive"
    assert asm.messages(unit) == []  # validate does not check disks
    op = asm.run(unit, "prepare")
    assert op.findtext(x("Status")) == "Failed"
    message = op.findtext(x("Error/Message"))
    assert "unattached Disk archive-orphan" in message and "VM Image golden-ws2012" in message


def test_prepare_of_a_paas_deployment_fails_cleanly(asm: Asm, admin: Admin) -> None:
    op = asm.run(f"{HS}/paas-cs/deployments/paas-prod", "prepare", DNR_NEW)
    assert op.findtext(x("Status")) == "Failed" and "PaaS deployment" in op.findtext(x("Error/Message"))
    assert admin.get("/state")["units"]["cloudService/paas-cs"]["state"] == "PrepareFailed"


def test_passing_validate_lists_what_it_migrates_as_information(asm: Asm) -> None:
    """PowerShell: "Validation Passed. Please see ValidationMessages object for a list of
    resources that will be migrated" — a passing validate carries `Information` messages; one
    that fails lists none; an empty NSG's is empty, as recorded (azure-xplat-cli, 2016-09-14)."""
    listed = asm.messages(f"{HS}/api-cs/deployments/api-prod", DNR_NEW, information=True)
    assert listed and {c for c, _ in listed} <= {"Information", "Warning"}
    assert any(c == "Information" and "will be migrated" in m for c, m in listed)
    legacy = asm.messages(f"{NW}/virtualnetwork/vnet-legacy", information=True)
    assert "Error" in {c for c, _ in legacy} and "Information" not in {c for c, _ in legacy}
    assert asm.messages(f"{NW}/networksecuritygroups/nsg-spare", information=True) == []
