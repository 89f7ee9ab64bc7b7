"""Valid but unusual estates (`estates/unusual.yaml`): roles without disks (PaaS, in and outside a
VNet), deployments without endpoints or roles, VNets without subnets or services, a service
without a deployment, an ILB-only service. Every read and every migration step must get the
platform's answer — a 200, a named 4xx, or an operation that ends `Failed` with the platform's
message — and never a 500 or an operation failed by an error inside the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from cli.stack.emulator import Emulator
from tests.integration.emulator.helpers import DNR_NEW, Admin, Asm, error_of, platform_state, start, x
from tests.integration.emulator.test_arm import StaticToken

ESTATE = Path(__file__).parent / "estates" / "unusual.yaml"
HS = "/services/hostedservices"
NW = "/services/networking"
PAAS_ERROR = "Migration isn't supported for Deployment {d} in HostedService {h} because it's a PaaS deployment (Web/Worker)."  # noqa: E501


@pytest.fixture(scope="module")
def unusual(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emulator = start(tmp_path_factory.mktemp("unusual"), ESTATE)
    yield emulator
    emulator.stop()


@pytest.fixture
def asm(unusual: Emulator) -> Iterator[Asm]:
    with Admin(unusual) as admin, Asm(unusual) as client:
        admin.post("/reset")
        admin.put("/progress", json={"mode": "immediate"})
        admin.delete("/requests")
        yield client
        requests = admin.get("/requests")["requests"]
    # nothing this module does may reach a 500, nor end an operation by an emulator bug
    statuses = [(r["method"], r["path"], r["status"]) for r in requests]
    assert statuses and not [s for s in statuses if s[2] >= 500], statuses
    log = (unusual.state_dir / "emulator.log").read_text(errors="replace")
    assert "Traceback" not in log and "failed inside the emulator" not in log


def _prepare(asm: Asm, path: str) -> tuple[str | None, str | None, str | None]:
    body = DNR_NEW if "/deployments/" in path else None
    op = asm.run(path, "prepare", body)
    return op.findtext(x("Status")), op.findtext(x("Error/Code")), op.findtext(x("Error/Message"))


READS = [
    "",
    HS,
    f"{NW}/media",
    f"{NW}/virtualnetwork",
    f"{NW}/reservedips",
    f"{NW}/networksecuritygroups",
    f"{NW}/networksecuritygroups/nsg-norules",
    f"{NW}/routetables",
    f"{NW}/routetables/rt-noroutes",
    f"{NW}/dedicatedcircuits",
    f"{NW}/vnet-quiet/gateway",
    "/services/storageservices",
    "/services/storageservices/stempty",
    "/services/disks",
    "/services/images",
    *(
        f"{HS}/{cs}{suffix}"
        for cs in ("cs-nodeployment", "cs-paas-out", "cs-paas-in", "cs-noroles", "cs-noendpoints", "cs-ilb")
        for suffix in ("", "?embed-detail=true", "/certificates")
    ),
    *(
        f"{HS}/{cs}/deployments/{dep}"
        for cs, dep in (
            ("cs-paas-out", "paas-out"),
            ("cs-paas-in", "paas-in"),
            ("cs-noroles", "dep-noroles"),
            ("cs-noendpoints", "dep-noendpoints"),
            ("cs-ilb", "dep-ilb"),
        )
    ),
    f"{HS}/cs-noroles/deploymentslots/Production",
]


def test_every_read_answers(asm: Asm) -> None:
    for path in READS:
        response = asm.http.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text)
    # a service without a deployment, a VNet without a gateway: the platform's 404s
    for path in (f"{HS}/cs-nodeployment/deploymentslots/Production", f"{NW}/vnet-bare/gateway"):
        response = asm.http.get(path)
        assert response.status_code == 404 and error_of(response)[0] == "ResourceNotFound", path
    paas = asm.get(f"{HS}/cs-paas-out/deployments/paas-out")
    assert [r.findtext(x("RoleName")) for r in paas.findall(x("RoleList/Role"))] == [
        "WebRole1",
        "WorkerRole1",
    ]
    assert paas.find(x("RoleList/Role/OSVirtualHardDisk")) is None  # web/worker roles have no disks


def test_paas_deployments_are_refused_at_validate_and_prepare(asm: Asm, unusual: Emulator) -> None:
    outside = f"{HS}/cs-paas-out/deployments/paas-out"
    message = PAAS_ERROR.format(d="paas-out", h="cs-paas-out")
    assert asm.messages(outside, DNR_NEW) == [("Error", message)]
    assert _prepare(asm, outside) == ("Failed", "BadRequest", message)
    units = platform_state(unusual)["units"]
    assert units.get("cloudService/cs-paas-out", {}).get("state") == "PrepareFailed"
    # the deployment was not touched: its roles still run, nothing was created in ARM
    states = asm.get(outside).findall(x("RoleInstanceList/RoleInstance/InstanceStatus"))
    assert {s.text for s in states} == {"ReadyRole"}
    assert platform_state(unusual)["resourceGroups"] == []

    inside = f"{NW}/virtualnetwork/vnet-paas"
    vnet_message = (
        "Migration isn't supported for Virtual Network vnet-paas because it has non-gateway PaaS deployments."
    )
    assert [m for _, m in asm.messages(inside)] == [
        vnet_message,
        PAAS_ERROR.format(d="paas-in", h="cs-paas-in"),
    ]
    status, code, text = _prepare(asm, inside)
    assert (status, code) == ("Failed", "BadRequest") and vnet_message in (text or "")


@pytest.mark.parametrize(
    "path",
    [
        f"{NW}/virtualnetwork/vnet-empty",  # subnets, nothing deployed
        f"{NW}/virtualnetwork/vnet-bare",  # no subnets at all
        f"{NW}/virtualnetwork/vnet-quiet",  # a role without endpoints, an ILB-only service, a bare gateway
        f"{HS}/cs-noroles/deployments/dep-noroles",  # a deployment without roles
        "/services/storageservices/stempty",
        f"{NW}/networksecuritygroups/nsg-norules",
        f"{NW}/routetables/rt-noroutes",
    ],
)
def test_unusual_units_go_through_prepare_abort_prepare_commit(
    asm: Asm, unusual: Emulator, path: str
) -> None:
    assert asm.messages(path, DNR_NEW if "/deployments/" in path else None) == []
    assert _prepare(asm, path) == ("Succeeded", None, None)
    # the prepared ARM side reads with the real clients, whatever it holds
    kw = {"base_url": unusual.url, "connection_verify": str(unusual.ca_file), "retry_total": 0}
    rm = ResourceManagementClient(StaticToken(), unusual.subscription_id, **kw)
    network = NetworkManagementClient(StaticToken(), unusual.subscription_id, **kw)
    groups = [g.name for g in rm.resource_groups.list()]
    assert len(groups) == 1
    for resource in rm.resources.list_by_resource_group(groups[0]):
        assert rm.resources.get_by_id(resource.id, api_version="2021-04-01").name == resource.name
    list(network.load_balancers.list_all())
    list(network.network_interfaces.list_all())
    list(network.virtual_networks.list_all())
    assert asm.run(path, "abort").findtext(x("Status")) == "Succeeded"
    assert list(rm.resource_groups.list()) == []
    assert _prepare(asm, path) == ("Succeeded", None, None)
    assert asm.run(path, "commit").findtext(x("Status")) == "Succeeded"


def test_vnet_quiet_translation_has_no_public_side(asm: Asm, unusual: Emulator) -> None:
    """No input endpoint → no public load balancer and no public IP; the ILB stays private."""
    assert _prepare(asm, f"{NW}/virtualnetwork/vnet-quiet") == ("Succeeded", None, None)
    kw = {"base_url": unusual.url, "connection_verify": str(unusual.ca_file), "retry_total": 0}
    network = NetworkManagementClient(StaticToken(), unusual.subscription_id, **kw)
    balancers = {lb.name: lb for lb in network.load_balancers.list("vnet-quiet-Migrated")}
    assert set(balancers) == {"ilb1"}
    frontend = balancers["ilb1"].frontend_ip_configurations[0]
    assert frontend.private_ip_address == "10.4.1.100" and frontend.public_ip_address is None
    public = {ip.name for ip in network.public_ip_addresses.list("vnet-quiet-Migrated")}
    assert public == set()
    nics = {n.name for n in network.network_interfaces.list("vnet-quiet-Migrated")}
    assert nics == {"ilb1-vm-PrimaryNic", "bare-vm-PrimaryNic"}


def test_refusals_on_unusual_units_are_named(asm: Asm) -> None:
    missing = asm.migrate(f"{HS}/cs-nodeployment/deployments/none", "prepare", DNR_NEW)
    assert missing.status_code == 404 and error_of(missing) == (
        "ResourceNotFound",
        "The deployment name 'none' does not exist.",  # the recorded wording
    )
    rip = f"{NW}/reservedips/rip-noendpoint"
    status, code, text = _prepare(asm, rip)
    assert (status, code) == (
        "Failed",
        "BadRequest",
    ) and "is associated with HostedService cs-noendpoints" in text
    status, code, text = _prepare(asm, f"{HS}/cs-noendpoints/deployments/dep-noendpoints")
    assert (status, code) == (
        "Failed",
        "BadRequest",
    ) and "Reserved IP rip-noendpoint has no input endpoint" in text


WA = 'xmlns="http://schemas.microsoft.com/windowsazure"'


def test_vm_writes_on_web_worker_roles_are_refused_and_change_nothing(asm: Asm, unusual: Emulator) -> None:
    dep = f"{HS}/cs-paas-out/deployments/paas-out"
    before = asm.http.get(dep).text
    disk = (
        f"<DataVirtualHardDisk {WA}><Lun>0</Lun><LogicalDiskSizeInGB>8</LogicalDiskSizeInGB>"
        "<MediaLink>https://stempty.blob.core.windows.net/vhds/x.vhd</MediaLink></DataVirtualHardDisk>"
    )
    for response in (
        asm.http.post(f"{dep}/roles/WebRole1/DataDisks", content=disk),
        asm.http.put(
            f"{dep}/roles/WorkerRole1",
            content=f"<PersistentVMRole {WA}><RoleSize>Large</RoleSize></PersistentVMRole>",
        ),
        asm.http.post(
            f"{dep}/roleinstances/WebRole1/Operations",
            content=f"<ShutdownRoleOperation {WA}><PostShutdownAction>Stopped</PostShutdownAction></ShutdownRoleOperation>",  # noqa: E501
        ),
    ):
        code, message = error_of(response)
        assert response.status_code == 400 and code == "BadRequest", response.text
        assert "is a web/worker role, not a persistent VM role" in (message or "")
    assert asm.http.get(dep).text == before
    assert platform_state(unusual)["units"] == {}


def test_writes_on_quiet_deployments_work(asm: Asm) -> None:
    """A VM without endpoints takes a data disk; a deployment without roles can be deleted."""
    dep = f"{HS}/cs-ilb/deployments/dep-ilb"
    disk = (
        f"<DataVirtualHardDisk {WA}><Lun>1</Lun><LogicalDiskSizeInGB>8</LogicalDiskSizeInGB>"
        "<MediaLink>https://stquiet.blob.core.windows.net/vhds/bare-d1.vhd</MediaLink></DataVirtualHardDisk>"
    )
    response = asm.http.post(f"{dep}/roles/bare-vm/DataDisks", content=disk)
    assert response.status_code == 202, response.text
    assert asm.wait(response.headers["x-ms-request-id"]).findtext(x("Status")) == "Succeeded"
    roles = {r.findtext(x("RoleName")): r for r in asm.get(dep).findall(x("RoleList/Role"))}
    assert roles["bare-vm"].findtext(x("DataVirtualHardDisks/DataVirtualHardDisk/Lun")) == "1"
    response = asm.http.delete(f"{HS}/cs-noroles/deployments/dep-noroles")
    assert response.status_code == 202, response.text
    assert asm.wait(response.headers["x-ms-request-id"]).findtext(x("Status")) == "Succeeded"
    assert asm.http.get(f"{HS}/cs-noroles/deployments/dep-noroles").status_code == 404
