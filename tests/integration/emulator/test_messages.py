"""The emulator's messages that no other test pins, each said where the platform says it, word for
word (the catalogue is emulator/asm/messages.py; docs/fidelity.md names each one's source).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from emulator.asm.errors import AsmError
from emulator.asm.requests import MAX_BODY, parse_xml
from tests.integration.emulator.helpers import DNR_NEW, ESTATES, Asm, dnr, error_of, start, x

HS = "/services/hostedservices"
NW = "/services/networking"
SHOP = f"{HS}/shop-cs/deployments/shop-prod"
WA = "http://schemas.microsoft.com/windowsazure"


def disk(lun: str, media: str = "https://stprodweb.blob.core.windows.net/vhds/new.vhd") -> str:
    link = f"<MediaLink>{media}</MediaLink>" if media else ""
    return (
        f'<DataVirtualHardDisk xmlns="{WA}"><Lun>{lun}</Lun><LogicalDiskSizeInGB>10</LogicalDiskSizeInGB>'
        f"{link}</DataVirtualHardDisk>"
    )


def netcfg(site: str) -> str:
    return (
        '<NetworkConfiguration xmlns="http://schemas.microsoft.com/ServiceHosting/2011/07/NetworkConfiguration">'
        f"<VirtualNetworkConfiguration><VirtualNetworkSites>{site}</VirtualNetworkSites>"
        "</VirtualNetworkConfiguration></NetworkConfiguration>"
    )


SPACE = "<AddressSpace><AddressPrefix>10.50.0.0/16</AddressPrefix></AddressSpace>"

# (method, path, body, status, code, message)
SHUTDOWN = (
    f'<ShutdownRoleOperation xmlns="{WA}"><OperationType>ShutdownRoleOperation</OperationType>'
    "<PostShutdownAction>Bogus</PostShutdownAction></ShutdownRoleOperation>"
)
API = f"{HS}/api-cs/deployments/api-prod/migration?comp=validate"
REFUSALS = [
    (
        "POST",
        API,
        dnr("Bogus"),
        400,
        "BadRequest",
        "DestinationVirtualNetwork 'Bogus' is not one of New, Existing, Default.",
    ),
    (
        "POST",
        API,
        dnr("Existing"),
        400,
        "BadRequest",
        "ResourceGroupName is required when DestinationVirtualNetwork is Existing.",
    ),
    (
        "POST",
        f"{SHOP}/roleinstances/shop-web1/Operations",
        SHUTDOWN,
        400,
        "BadRequest",
        "PostShutdownAction 'Bogus' is not one of Stopped, StoppedDeallocated.",
    ),
    (
        "POST",
        f"{NW}/virtualnetwork/vnet-prod/migration?comp=bogus",
        "",
        400,
        "BadRequest",
        "The value 'bogus' of query parameter comp is not one of validate, prepare, commit, abort.",
    ),
    (
        "POST",
        f"{NW}/reservedips/nope/migration?comp=prepare",
        "",
        404,
        "ResourceNotFound",
        "The reserved ip nope does not exist.",
    ),
    (
        "GET",
        f"{HS}/shop-cs/deployments/nope",
        None,
        404,
        "ResourceNotFound",
        "The deployment does not exist.",
    ),
    (
        "GET",
        f"{HS}/shop-cs/deploymentslots/Staging",
        None,
        404,
        "ResourceNotFound",
        "No deployments were found in the Staging slot.",
    ),
    (
        "POST",
        f"{SHOP}/roles/nope/DataDisks",
        disk("3"),
        404,
        "ResourceNotFound",
        "The role nope does not exist.",
    ),
    (
        "PUT",
        "/services/storageservices/nope",
        "<x/>",
        404,
        "ResourceNotFound",
        "The storage account does not exist.",
    ),
    ("GET", "/operations/nope", None, 404, "ResourceNotFound", "The operation nope does not exist."),
    ("GET", f"{NW}/nope/gateway", None, 404, "ResourceNotFound", "The virtual network nope doesn't exist."),
    (
        "GET",
        f"{NW}/virtualnetwork/vnet-prod/subnets/nope/routetables",
        None,
        404,
        "ResourceNotFound",
        "The subnet nope does not exist in virtual network vnet-prod.",
    ),
    (
        "GET",
        f"{NW}/vnet-legacy/gateway",
        None,
        404,
        "ResourceNotFound",
        "No current gateway for virtual network vnet-legacy.",
    ),
    (
        "GET",
        f"{NW}/dedicatedcircuits/nope/vnets",
        None,
        404,
        "ResourceNotFound",
        "The dedicated circuit nope doesn't exist.",
    ),
    ("POST", f"{SHOP}/roles/shop-web1/DataDisks", disk("3", ""), 400, "BadRequest", "MediaLink is required."),
    (
        "POST",
        f"{SHOP}/roles/shop-web1/DataDisks",
        disk("x"),
        400,
        "BadRequest",
        "Lun and LogicalDiskSizeInGB must be integers.",
    ),
    (
        "POST",
        f"{SHOP}/roles/shop-web1/DataDisks",
        disk("64"),
        400,
        "BadRequest",
        "Lun must be 0–63 and LogicalDiskSizeInGB at least 1.",
    ),
    (
        "POST",
        f"{SHOP}/roles/shop-sql1/DataDisks",
        disk("0"),
        409,
        "ConflictError",
        "A disk is already attached at LUN 0 of role shop-sql1.",
    ),
    (
        "PUT",
        f"{NW}/media",
        netcfg(f"<VirtualNetworkSite>{SPACE}</VirtualNetworkSite>"),
        400,
        "BadRequest",
        "VirtualNetworkSite needs a name attribute.",
    ),
    (
        "PUT",
        f"{NW}/media",
        netcfg(
            f'<VirtualNetworkSite name="v9">{SPACE}<Subnets><Subnet name="a"/></Subnets></VirtualNetworkSite>'
        ),
        400,
        "BadRequest",
        "Subnet of VirtualNetworkSite v9 needs a name and an AddressPrefix.",
    ),
    (
        "PUT",
        f"{NW}/media",
        netcfg('<VirtualNetworkSite name="v9"></VirtualNetworkSite>'),
        400,
        "BadRequest",
        "VirtualNetworkSite v9 needs an AddressSpace.",
    ),
    (
        "POST",
        f"{SHOP}/roles/shop-web1/DataDisks",
        "",
        400,
        "BadRequest",
        "The request body is empty; expected a DataVirtualHardDisk element.",
    ),
    (
        "POST",
        f"{SHOP}/roles/shop-web1/DataDisks",
        '<!DOCTYPE d [<!ENTITY e "x">]><DataVirtualHardDisk/>',
        400,
        "BadRequest",
        "The request body was rejected: DTDForbidden (DTDs, entities and external references are not allowed).",  # noqa: E501
    ),
    (
        "POST",
        f"{SHOP}/roles/shop-web1/DataDisks",
        "<DataVirtualHardDisk/>",
        400,
        "BadRequest",
        f"Element DataVirtualHardDisk must be in namespace {WA}, got none.",
    ),
    (
        "POST",
        f"{SHOP}/roles/shop-web1/DataDisks",
        f'<Disk xmlns="{WA}"/>',
        400,
        "BadRequest",
        "Expected root element DataVirtualHardDisk, got Disk.",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "code", "message"), REFUSALS)
def test_refusals_say_the_catalogue_message(
    asm: Asm, method: str, path: str, body: str | None, status: int, code: str, message: str
) -> None:
    response = asm.http.request(method, path, content=body)
    assert response.status_code == status, response.text
    assert error_of(response) == (code, message)


def test_malformed_body_names_the_parse_error(asm: Asm) -> None:
    response = asm.http.post(f"{SHOP}/roles/shop-web1/DataDisks", content="<DataVirtualHardDisk")
    assert response.status_code == 400
    assert error_of(response)[1].startswith("The request body is not well-formed XML: ")


def test_an_oversized_body_is_refused_before_parsing() -> None:
    """The server refuses bodies over 256 KiB with 413 first; the parser says the same if called."""
    with pytest.raises(AsmError) as caught:
        parse_xml(b"<" * (MAX_BODY + 1), "DataVirtualHardDisk")
    assert caught.value.message == f"The request body is larger than {MAX_BODY} bytes."


def test_validate_findings_of_the_realistic_estate(asm: Asm) -> None:
    """Findings of the realistic estate that the rule tests do not word in full."""
    vnet = asm.messages(f"{NW}/virtualnetwork/vnet-prod", information=True)
    assert (
        "Warning",
        "HostedService shop-cs has 2 alert rule(s); alerts are not migrated and will be dropped.",
    ) in vnet
    assert (
        "Warning",
        "VM shop-web1 in HostedService shop-cs contains Extension BGInfo which isn't supported in Azure "
        "Resource Manager (XML extension). It will be dropped by the migration; add it back in Resource "
        "Manager afterwards.",
    ) in vnet
    assert (
        "Information",
        "Deployment shop-prod in HostedService shop-cs will be migrated (3 role(s)).",
    ) in vnet
    api = asm.messages(f"{HS}/api-cs/deployments/api-prod", DNR_NEW)
    assert api == [
        (
            "Warning",
            "HostedService api-cs has 1 autoscale polic(ies); autoscale is not migrated and will be dropped.",
        )
    ]
    legacy = asm.messages(f"{NW}/virtualnetwork/vnet-legacy")
    assert (
        "Error",
        "VM legacy-vm1 in HostedService legacy-cs is reporting the VM Agent status as Not Ready. Hence, "
        "the VM cannot be migrated. Ensure that the VM Agent is reporting the overall agent status as Ready.",
    ) in legacy
    assert asm.messages(f"{NW}/networksecuritygroups/nsg-data") == [
        (
            "Error",
            "Network Security Group nsg-data is associated with subnet data of Virtual Network vnet-prod, "
            "VM shop-sql1 in HostedService shop-cs; it migrates with it and cannot be migrated on its own.",
        )
    ]
    storage = asm.messages("/services/storageservices/stapi")
    assert (
        "Error",
        "Storage account stapi has Disk api1-os attached to VM api1 in HostedService api-cs, which "
        "hasn't been migrated. Migrate the VM first.",
    ) in storage


@pytest.mark.usefixtures("admin")
def test_existing_destination_must_exist(asm: Asm) -> None:
    api = f"{HS}/api-cs/deployments/api-prod"
    messages = asm.messages(api, dnr("Existing", "rg-nope", "vnet-nope", "s"))
    assert ("Error", "The virtual network vnet-nope doesn't exist.") in messages
    assert asm.run(f"{NW}/virtualnetwork/vnet-prod", "prepare").findtext(x("Status")) == "Succeeded"
    r = asm.migrate(api, "prepare", dnr("Existing", "vnet-prod-Migrated", "vnet-prod", "nope"))
    assert r.status_code == 400
    assert error_of(r) == ("BadRequest", "The subnet nope doesn't exist in virtual network vnet-prod.")


def test_findings_of_an_odd_small_estate(tmp_path: Path, asm_for) -> None:
    raw = yaml.safe_load((ESTATES / "small.yaml").read_text())
    role = raw["cloudServices"][0]["deployment"]["roles"][0]
    role["extensions"].append(
        {
            "name": "SiteRecoveryAgent",
            "publisher": "Microsoft.Azure.RecoveryServices.SiteRecovery",
            "version": "1",
        }
    )
    role["state"] = "RoleStateUnknown"
    role["dataDisks"][0]["mediaLink"] = "https://stsmall.blob.core.windows.net/vhds/sub/app1-data0.vhd"
    raw["virtualNetworks"].append({"name": "vnet-odd", "addressSpace": ["10.9.0.1/16"], "subnets": []})
    estate = tmp_path / "estate.yaml"
    estate.write_text(yaml.safe_dump(raw))
    emulator = start(tmp_path, estate)
    try:
        assert asm_for(emulator).messages(f"{NW}/virtualnetwork/vnet-small") == [
            (
                "Error",
                "Migration isn't allowed for HostedService app-cs because it has VM app1 in State: "
                "RoleStateUnknown. Migration is allowed only when the VM is in one of the following states - "
                "Running, Stopped, Stopped Deallocated.",
            ),
            (
                "Error",
                "VM app1 in HostedService app-cs contains Extension SiteRecoveryAgent (Site Recovery) which "
                "isn't supported in Azure Resource Manager. It is recommended to uninstall it from the VM "
                "before continuing with migration.",
            ),
            (
                "Error",
                "VM app1 in HostedService app-cs contains Disk with MediaLink "
                "https://stsmall.blob.core.windows.net/vhds/sub/app1-data0.vhd which has blob name "
                "sub/app1-data0.vhd that isn't supported in Azure Resource Manager.",
            ),
        ]
        op = asm_for(emulator).run(f"{NW}/virtualnetwork/vnet-odd", "prepare")
        assert op.findtext(x("Error/Message")) == (
            "Address prefix 10.9.0.1/16 of Virtual Network vnet-odd isn't valid in Azure Resource Manager."
        )
    finally:
        emulator.stop()


def test_unattached_disks_and_images_are_named_at_prepare(asm: Asm) -> None:
    op = asm.run("/services/storageservices/starchive", "prepare")
    assert op.findtext(x("Error/Message")) == (
        "Storage account starchive has unattached Disk archive-orphan, which isn't supported in Azure "
        "Resource Manager. Delete the disk before migrating the storage account. Storage account starchive "
        "has VM Image golden-ws2012, which isn't supported in Azure Resource Manager. Delete the image "
        "before migrating the storage account."
    )
