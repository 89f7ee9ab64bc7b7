"""Reading a subscription's classic estate through the ASM API into the core's `Estate`.

A unit's snapshot is the whole subscription's estate, not only the unit: the prechecks need the
neighbours (a storage account may migrate only once no classic VM uses its disks; a VNet's
subnets name NSGs and route tables that are separate units). The reads are all GETs, throttled
by the shared per-subscription limiter.

Gateways (kind, SKU, VIP, circuit, each connection's connectivity) and the ExpressRoute
circuits with their VNet links are read too (`xml_gateway`); whether a circuit was moved to ARM
is an ARM fact (`connectors.arm_facts`), matched by the circuits' service keys that
`read_snapshot` returns with the estate. Not read from ASM (the API does not report them; they
keep the model's defaults): alerts, autoscale, RBAC assignments and blob sizes of disks. ARM
quotas and the migration provider's registration are ARM facts:
`connectors.arm_facts.with_arm_facts`.

The reads are not one transaction: other units commit while a snapshot runs, and a commit
removes the unit's classic resources (a VNet's commit takes its cloud services with it). So a
resource that a list named and whose detail read then answers 404 has moved or been deleted
meanwhile: it is left out of the snapshot, as if the list had been read a moment later. A 404 on
a subscription-level list itself stays an error (`/services/networking/media` excepted: a
subscription without network configuration answers 404).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from connectors.asm.client import AsmClient
from connectors.asm.units import seg
from connectors.asm.xml_common import child, children, text
from connectors.asm.xml_deployment import parse_cloud_service, parse_hosted_services
from connectors.asm.xml_gateway import (
    circuit_service_keys,
    merge_gateways,
    parse_circuit_links,
    parse_circuits,
)
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
from migration.estate import DEFAULT_LOCATION, CloudService, Estate, VirtualNetwork


def _optional(
    client: AsmClient, path: str, service: str, params: dict[str, str] | None = None
) -> Element | None:
    """A read whose 404 means "none": no network configuration, no gateway, no association —
    or an item a list named a moment ago that has gone since (see the module's docstring)."""
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


def _cloud_services(client: AsmClient, sizes: dict[str, int]) -> list[CloudService]:
    """Every hosted service still there when its detail is read."""
    services = []
    listed = parse_hosted_services(client.get_xml("/services/hostedservices", "compute"))
    for i, (name, service_location) in enumerate(listed):
        path = f"/services/hostedservices/{seg(name)}"
        detail = _optional(client, path, "compute", {"embed-detail": "true"})
        if detail is None:
            continue  # gone since the list (committed or deleted meanwhile)
        certificates = _optional(client, f"{path}/certificates", "compute")
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
    return services


def _details(
    client: AsmClient, list_path: str, item_tag: str, params: dict[str, str]
) -> Iterator[tuple[int, Element]]:
    """`(index, detail)` of every item of a network list that is still there when read."""
    for i, name in enumerate(list_names(client.get_xml(list_path, "network"), item_tag)):
        detail = _optional(client, f"{list_path}/{seg(name)}", "network", params)
        if detail is not None:
            yield i, detail


def _virtual_networks(
    client: AsmClient, netcfg: Element | None, circuit_keys: dict[str, str]
) -> list[VirtualNetwork]:
    """The VNets with subnet associations and gateways (`xml_gateway.merge_gateways`)."""
    vnet_list = client.get_xml("/services/networking/virtualnetwork", "network")
    if netcfg is None:
        return []
    listed = {text(site, "Name"): site for site in children(vnet_list, "VirtualNetworkSite")}
    vnets = [_with_subnet_associations(client, v) for v in parse_virtual_networks(netcfg, vnet_list)]
    links = _circuit_links(client, circuit_keys)
    return [_with_gateways(client, vnet, listed.get(vnet.name), links, i) for i, vnet in enumerate(vnets)]


def _with_gateways(
    client: AsmClient, vnet: VirtualNetwork, listed: Element | None, links: dict[str, str], index: int
) -> VirtualNetwork:
    """`vnet` with its gateways (`xml_gateway.merge_gateways`) when it has, or may have, one: the
    network configuration names it, the VNet list shows one, or a circuit links the VNet."""
    if not (vnet.gateways or vnet.name in links or child(listed, "Gateway") is not None):
        return vnet
    base = f"/services/networking/{seg(vnet.name)}/gateway"
    gateways = merge_gateways(
        vnet,
        _optional(client, base, "network"),
        _optional(client, f"{base}/connections", "network"),
        links,
        f"virtualNetworks[{index}]",
    )
    return vnet.model_copy(update={"gateways": gateways})


def _circuit_links(client: AsmClient, circuit_keys: dict[str, str]) -> dict[str, str]:
    """`{vnet: circuit}` from each circuit's VNet links: the platform's way to tell which VNet's
    gateway is an ExpressRoute gateway on which circuit (a circuit gone since the list: none)."""
    links: dict[str, str] = {}
    for circuit, key in circuit_keys.items():
        answer = _optional(client, f"/services/networking/dedicatedcircuits/{seg(key)}/vnets", "network")
        for vnet in parse_circuit_links(answer):
            links.setdefault(vnet, circuit)
    return links


@dataclass(frozen=True)
class ClassicSnapshot:
    """A subscription's classic estate and what ARM facts need that the estate model does not hold:
    `{classic circuit name: service key}`, by which `with_arm_facts` finds a circuit moved to ARM."""

    estate: Estate
    circuit_keys: dict[str, str] = field(default_factory=dict)


def read_estate(client: AsmClient, location: str = DEFAULT_LOCATION) -> Estate:
    """The subscription's classic estate as the core's model (one read of each kind)."""
    return read_snapshot(client, location).estate


def read_snapshot(client: AsmClient, location: str = DEFAULT_LOCATION) -> ClassicSnapshot:
    """The subscription's classic estate with its circuits' service keys."""
    compute, network, storage = "compute", "network", "storage"
    unattached, sizes = parse_disks(client.get_xml("/services/disks", compute))
    images = parse_images(client.get_xml("/services/images", compute))
    services = _cloud_services(client, sizes)
    netcfg = _optional(client, "/services/networking/media", network)
    circuits = _optional(client, "/services/networking/dedicatedcircuits", network)
    circuit_keys = circuit_service_keys(circuits)
    vnets = _virtual_networks(client, netcfg, circuit_keys)
    nsgs = [
        parse_network_security_group(detail, f"networkSecurityGroups[{i}]")
        for i, detail in _details(
            client,
            "/services/networking/networksecuritygroups",
            "NetworkSecurityGroup",
            {"detaillevel": "Full"},
        )
    ]
    route_tables = [
        parse_route_table(detail, f"routeTables[{i}]")
        for i, detail in _details(
            client, "/services/networking/routetables", "RouteTable", {"detailLevel": "full"}
        )
    ]
    estate = Estate(
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
        express_route_circuits=parse_circuits(circuits),
        cloud_services=services,
    )
    return ClassicSnapshot(estate, circuit_keys)
