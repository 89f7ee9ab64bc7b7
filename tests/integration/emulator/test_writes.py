"""Management-plane writes when nothing is being migrated: they do what they say."""

from __future__ import annotations

import pytest

from tests.integration.emulator.helpers import Asm, error_of, x

WA = 'xmlns="http://schemas.microsoft.com/windowsazure"'
DEP = "/services/hostedservices/shop-cs/deployments/shop-prod"


@pytest.mark.usefixtures("admin")
def test_add_data_disk_update_role_and_start(asm: Asm) -> None:
    disk = f"<DataVirtualHardDisk {WA}><DiskName>web1-extra</DiskName><Lun>5</Lun><LogicalDiskSizeInGB>64</LogicalDiskSizeInGB><MediaLink>https://stprodweb.blob.core.windows.net/vhds/extra.vhd</MediaLink></DataVirtualHardDisk>"
    r = asm.http.post(f"{DEP}/roles/shop-web1/DataDisks", content=disk)
    assert r.status_code == 202
    assert asm.wait(r.headers["x-ms-request-id"]).findtext(x("Status")) == "Succeeded"
    role = asm.get(DEP).find(x("RoleList/Role"))
    assert [
        d.findtext(x("DiskName")) for d in role.findall(x("DataVirtualHardDisks/DataVirtualHardDisk"))
    ] == ["web1-extra"]
    r = asm.http.post(f"{DEP}/roles/shop-web1/DataDisks", content=disk)
    assert r.status_code == 409 and "LUN 5" in error_of(r)[1]
    r = asm.http.put(
        f"{DEP}/roles/shop-web2",
        content=f"<PersistentVMRole {WA}><RoleSize>Standard_D4</RoleSize></PersistentVMRole>",
    )
    assert r.status_code == 202
    assert asm.get(DEP).findall(x("RoleList/Role"))[1].findtext(x("RoleSize")) == "Standard_D4"
    branch = "/services/hostedservices/branch-cs/deployments/branch-prod"
    r = asm.http.post(
        f"{branch}/roleinstances/branch1/Operations",
        content=f"<StartRoleOperation {WA}><OperationType>StartRoleOperation</OperationType></StartRoleOperation>",  # noqa: E501
    )
    assert r.status_code == 202
    assert asm.get(branch).findtext(x("RoleInstanceList/RoleInstance/InstanceStatus")) == "ReadyRole"


def test_bad_write_bodies(asm: Asm) -> None:
    cases = [
        (
            f"{DEP}/roles/shop-web1/DataDisks",
            f"<DataVirtualHardDisk {WA}><Lun>x</Lun><MediaLink>m</MediaLink></DataVirtualHardDisk>",
            "integers",
        ),
        (
            f"{DEP}/roles/shop-web1/DataDisks",
            f"<DataVirtualHardDisk {WA}><Lun>1</Lun></DataVirtualHardDisk>",
            "MediaLink is required",
        ),
        (f"{DEP}/roles/nope/DataDisks", f"<DataVirtualHardDisk {WA}/>", "role nope does not exist"),
        (
            f"{DEP}/roleinstances/shop-web1/Operations",
            f"<ShutdownRoleOperation {WA}><PostShutdownAction>Sleep</PostShutdownAction></ShutdownRoleOperation>",  # noqa: E501
            "PostShutdownAction",
        ),
        (
            f"{DEP}/roleinstances/shop-web1/Operations",
            f"<DanceOperation {WA}/>",
            "Expected StartRoleOperation",
        ),
    ]
    for path, body, fragment in cases:
        r = asm.http.post(path, content=body)
        assert r.status_code in (400, 404), r.text
        assert fragment in error_of(r)[1]
    disks = asm.get(DEP).find(x("RoleList/Role/DataVirtualHardDisks"))
    assert [d.findtext(x("DiskName")) for d in disks] == []


def test_set_network_configuration_and_delete_deployment(asm: Asm) -> None:
    netns = "http://schemas.microsoft.com/ServiceHosting/2011/07/NetworkConfiguration"
    body = (
        f'<NetworkConfiguration xmlns="{netns}"><VirtualNetworkConfiguration><VirtualNetworkSites>'
        '<VirtualNetworkSite name="vnet-new" Location="West Europe"><AddressSpace><AddressPrefix>10.77.0.0/16</AddressPrefix>'  # noqa: E501
        '</AddressSpace><Subnets><Subnet name="a"><AddressPrefix>10.77.1.0/24</AddressPrefix></Subnet></Subnets>'  # noqa: E501
        "</VirtualNetworkSite></VirtualNetworkSites></VirtualNetworkConfiguration></NetworkConfiguration>"
    )
    assert asm.http.put("/services/networking/media", content=body).status_code == 202
    names = [
        s.findtext(x("Name"))
        for s in asm.get("/services/networking/virtualnetwork").findall(x("VirtualNetworkSite"))
    ]
    assert names[-1] == "vnet-new" and "vnet-prod" in names
    wrong_ns = body.replace(netns, "urn:other")
    r = asm.http.put("/services/networking/media", content=wrong_ns)
    assert r.status_code == 400 and "namespace" in error_of(r)[1]
    assert asm.http.delete("/services/hostedservices/acl-cs/deployments/acl-prod").status_code == 202
    assert asm.http.get("/services/hostedservices/acl-cs/deployments/acl-prod").status_code == 404
    assert asm.http.delete("/services/networking/routetables/rt-spare").status_code == 202
    assert asm.http.get("/services/networking/routetables/rt-spare").status_code == 404


def test_method_not_allowed_and_unknown_paths(asm: Asm) -> None:
    r = asm.http.patch("/services/hostedservices")
    assert r.status_code == 405 and error_of(r)[0] == "MethodNotAllowed"
    r = asm.http.get("/services/whatever/else")
    assert r.status_code == 404 and error_of(r)[0] == "ResourceNotFound"
