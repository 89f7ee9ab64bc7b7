"""Reading a subscription's classic estate through the ASM API into the core's `Estate`.

A unit's snapshot is the whole subscription's estate, not only the unit: the prechecks need the
neighbours (a storage account may migrate only once no classic VM uses its disks; a VNet's
subnets name NSGs and route tables that are separate units). The reads are all GETs, throttled
by the shared per-subscription limiter.

Not read from ASM (the API does not report them; they keep the model's defaults): alerts,
autoscale, RBAC assignments, blob sizes of disks and ExpressRoute circuits. ARM quotas and the
migration provider's registration are ARM facts: `connectors.arm_facts.with_arm_facts`.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from connectors.asm.client import AsmClient
from connectors.asm.units import seg
from connectors.asm.xml_common import child, text
from connectors.asm.xml_deployment import parse_cloud_service, parse_hosted_services
from connectors.asm.xml_network import (
    list_names,
    parse_local_network_sites,
    parse_network_security_group,
    parse_reserved_ips,
    parse_route_table,
    parse_virtual_networks,
)
from connectors.asm.xml_storage import parse_disks, parse_images, parse_storage_accounts
from connectors.errors import PermanentError, Reason
from migration.estate import DEFAULT_LOCATION, Estate, VirtualNetwork


def _optional(
    client: AsmClient, path: str, service: str, params: dict[str, str] | None = None
) -> Element | None:
    """A read whose 404 means "none" (a subscription without network configuration)."""
    try:
        return client.get_xml(path, service, params)
    except PermanentError as error:
        if error.reason == Reason.NOT_FOUND:
            return None
        raise


def _production(service_detail: Element) -> Element | None:
    """The production deployment of a hosted service read with `embed-detail=true`."""
    deployments = list(child(service_detail, "Deployments") or [])
    return next((d for d in deployments if (text(d, "DeploymentSlot") or "Production") == "Production"), None)


def _association(client: AsmClient, path: str) -> str | None:
    """The name in a subnet's NSG / route-table association answer; None when it has none (404)."""
    root = _optional(client, path, "network")
    if root is None:
        return None
    return (
        text(root, "Name")
        or text(root, "RouteTableName")
        or next(
            (
                e.text.strip()
                for e in root.iter()
                if e.tag in ("Name", "RouteTableName") and e.text and e.text.strip()
            ),
            None,
        )
    )


def _with_subnet_associations(client: AsmClient, vnet: VirtualNetwork) -> VirtualNetwork:
    """Fill each subnet's NSG and route table from the per-subnet reads the VNet list lacked.

    The VNet list may report them; when it does not, the platform's association reads
    (`…/virtualnetwork/{v}/subnets/{s}/networksecuritygroups` and `…/routetables`) do.
    """
    subnets = []
    for subnet in vnet.subnets:
        base = f"/services/networking/virtualnetwork/{seg(vnet.name)}/subnets/{seg(subnet.name)}"
        update: dict[str, str | None] = {}
        if subnet.name != "GatewaySubnet":
            if subnet.network_security_group is None:
                update["network_security_group"] = _association(client, f"{base}/networksecuritygroups")
            if subnet.route_table is None:
                update["route_table"] = _association(client, f"{base}/routetables")
        subnets.append(subnet.model_copy(update={k: v for k, v in update.items() if v}))
    return vnet.model_copy(update={"subnets": subnets})


def read_estate(client: AsmClient, location: str = DEFAULT_LOCATION) -> Estate:
    """The subscription's classic estate as the core's model (one read of each kind)."""
    compute, network, storage = "compute", "network", "storage"
    unattached, sizes = parse_disks(client.get_xml("/services/disks", compute))
    images = parse_images(client.get_xml("/services/images", compute))
    services = []
    for i, (name, service_location) in enumerate(
        parse_hosted_services(client.get_xml("/services/hostedservices", compute))
    ):
        detail = client.get_xml(f"/services/hostedservices/{seg(name)}", compute, {"embed-detail": "true"})
        certificates = _optional(client, f"/services/hostedservices/{seg(name)}/certificates", compute)
        services.append(
            parse_cloud_service(
                name,
                service_location or text(detail, "HostedServiceProperties", "Location"),
                _production(detail),
                certificates,
                sizes,
                where=f"cloudServices[{i}]",
            )
        )
    netcfg = _optional(client, "/services/networking/media", network)
    vnet_list = client.get_xml("/services/networking/virtualnetwork", network)
    nsg_names = list_names(
        client.get_xml("/services/networking/networksecuritygroups", network), "NetworkSecurityGroup"
    )
    nsgs = [
        parse_network_security_group(
            client.get_xml(
                f"/services/networking/networksecuritygroups/{seg(n)}", network, {"detaillevel": "Full"}
            ),
            f"networkSecurityGroups[{i}]",
        )
        for i, n in enumerate(nsg_names)
    ]
    rt_names = list_names(client.get_xml("/services/networking/routetables", network), "RouteTable")
    route_tables = [
        parse_route_table(
            client.get_xml(f"/services/networking/routetables/{seg(n)}", network, {"detailLevel": "full"}),
            f"routeTables[{i}]",
        )
        for i, n in enumerate(rt_names)
    ]
    vnets = parse_virtual_networks(netcfg, vnet_list) if netcfg is not None else []
    vnets = [_with_subnet_associations(client, v) for v in vnets]
    return Estate(
        version=1,
        subscription_id=client.http.subscription_id,
        location=location,
        virtual_networks=vnets,
        local_network_sites=parse_local_network_sites(netcfg) if netcfg is not None else [],
        network_security_groups=nsgs,
        route_tables=route_tables,
        reserved_ips=parse_reserved_ips(client.get_xml("/services/networking/reservedips", network)),
        storage_accounts=parse_storage_accounts(client.get_xml("/services/storageservices", storage)),
        disks=unattached,
        images=images,
        cloud_services=services,
    )
