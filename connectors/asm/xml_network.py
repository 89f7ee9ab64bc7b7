"""Network XML (network configuration, VNet list, reserved IPs, NSGs, route tables) → the model.

The network configuration document (`GET /services/networking/media`) is the source of a VNet's
address space, subnets, DNS servers, local sites and gateway connections; the VNet list
(`GET /services/networking/virtualnetwork`) adds the `MigrationState` and, where the platform
reports them, a subnet's NSG and route table. A connection of type `Dedicated` is ExpressRoute,
`IPsec` a VPN: that is how the classic API tells the two gateway kinds apart.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from connectors.asm.xml_common import boolean, child, children, integer, one_or_list, text
from connectors.asm.xml_model import build, build_each
from migration.estate import (
    DnsServer,
    Gateway,
    GatewayConnection,
    LocalNetworkSite,
    NetworkSecurityGroup,
    NsgRule,
    ReservedIp,
    Route,
    RouteTable,
    Subnet,
    VirtualNetwork,
)

# Which element feeds which field of the flat list items (`build_each`).
_RESERVED_IP = {
    "name": ("Name",),
    "address": ("Address",),
    "location": ("Location",),
    "cloud_service": ("ServiceName",),
}
_ROUTE = {
    "name": ("Name",),
    "prefix": ("AddressPrefix",),
    "next_hop_type": ("NextHopType", "Type"),
    "next_hop": ("NextHopType", "IpAddress"),
}


def _prefixes(element: Element | None) -> list[str]:
    """AddressPrefix texts under `element` (directly or in an `AddressPrefixes` wrapper)."""
    if element is None:
        return []
    return [p.text.strip() for p in element.iter("AddressPrefix") if p.text and p.text.strip()]


def parse_local_network_sites(netcfg: Element) -> list[LocalNetworkSite]:
    sites = children(netcfg, "VirtualNetworkConfiguration", "LocalNetworkSites", "LocalNetworkSite")
    return [
        build(
            LocalNetworkSite,
            f"localNetworkSites[{i}]",
            name=s.get("name"),
            address_space=_prefixes(child(s, "AddressSpace")),
            vpn_gateway_address=text(s, "VPNGatewayAddress"),
        )
        for i, s in enumerate(sites)
    ]


def _gateways(site: Element, where: str) -> list[Gateway]:
    gateway = child(site, "Gateway")
    if gateway is None:
        return []
    by_kind: dict[str, list[GatewayConnection]] = {}
    for ref in children(gateway, "ConnectionsToLocalNetwork", "LocalNetworkSiteRef"):
        connection = child(ref, "Connection")
        kind_type = (connection.get("type") if connection is not None else None) or "IPsec"
        kind = "ExpressRoute" if kind_type.lower() == "dedicated" else "Vpn"
        by_kind.setdefault(kind, []).append(
            build(
                GatewayConnection, f"{where}.connections", local_network_site=ref.get("name"), type=kind_type
            )
        )
    if not by_kind:
        by_kind["Vpn"] = []
    return [
        build(Gateway, f"{where}.gateways[{i}]", kind=kind, connections=conns)
        for i, (kind, conns) in enumerate(sorted(by_kind.items(), key=lambda kv: kv[0] != "Vpn"))
    ]


def parse_virtual_networks(netcfg: Element, vnet_list: Element | None = None) -> list[VirtualNetwork]:
    """VNets from the network configuration, with subnet NSGs/route tables from the VNet list."""
    config = child(netcfg, "VirtualNetworkConfiguration")
    dns = {d.get("name"): d.get("IPAddress") for d in children(config, "Dns", "DnsServers", "DnsServer")}
    listed = {}
    for site in children(vnet_list, "VirtualNetworkSite"):
        listed[text(site, "Name")] = {
            text(s, "Name"): (text(s, "NetworkSecurityGroup"), text(s, "RouteTableName"))
            for s in children(site, "Subnets", "Subnet")
        }
    result = []
    for i, site in enumerate(children(config, "VirtualNetworkSites", "VirtualNetworkSite")):
        where = f"virtualNetworks[{i}]"
        name = site.get("name")
        extras = listed.get(name, {})
        subnets = []
        for j, s in enumerate(children(site, "Subnets", "Subnet")):
            nsg, rt = extras.get(s.get("name"), (None, None))
            subnets.append(
                build(
                    Subnet,
                    f"{where}.subnets[{j}]",
                    name=s.get("name"),
                    prefix=text(s, "AddressPrefix"),
                    network_security_group=nsg,
                    route_table=rt,
                )
            )
        dns_servers = [
            build(
                DnsServer, f"{where}.dnsServers[{j}]", name=ref.get("name"), address=dns.get(ref.get("name"))
            )
            for j, ref in enumerate(children(site, "DnsServersRef", "DnsServerRef"))
        ]
        result.append(
            build(
                VirtualNetwork,
                where,
                name=name,
                location=site.get("Location"),
                address_space=_prefixes(child(site, "AddressSpace")),
                subnets=subnets,
                dns_servers=dns_servers,
                gateways=_gateways(site, where),
            )
        )
    return result


def parse_reserved_ips(root: Element) -> list[ReservedIp]:
    return build_each(ReservedIp, "reservedIps", one_or_list(root, "ReservedIP"), _RESERVED_IP)


def parse_network_security_group(
    root: Element, where: str = "networkSecurityGroups[0]"
) -> NetworkSecurityGroup:
    """One NSG with its rules (`?detaillevel=Full`); the platform's default rules are left out."""
    rules = []
    for j, r in enumerate(children(root, "Rules", "Rule")):
        priority = integer(r, "Priority")
        if boolean(r, "IsDefault") or (priority is not None and priority > 4096):
            continue  # default rules (65000+) are the platform's, not the estate's
        rules.append(
            build(
                NsgRule,
                f"{where}.rules[{j}]",
                name=text(r, "Name"),
                priority=priority,
                direction=text(r, "Type"),
                access=text(r, "Action"),
                protocol=text(r, "Protocol"),
                source_prefix=text(r, "SourceAddressPrefix"),
                source_port=text(r, "SourcePortRange"),
                destination_prefix=text(r, "DestinationAddressPrefix"),
                destination_port=text(r, "DestinationPortRange"),
            )
        )
    return build(
        NetworkSecurityGroup, where, name=text(root, "Name"), location=text(root, "Location"), rules=rules
    )


def parse_route_table(root: Element, where: str = "routeTables[0]") -> RouteTable:
    """One route table with its routes (`?detailLevel=full`)."""
    routes = build_each(Route, f"{where}.routes", children(root, "RouteList", "Route"), _ROUTE)
    return build(RouteTable, where, name=text(root, "Name"), location=text(root, "Location"), routes=routes)


def list_names(root: Element, item_tag: str) -> list[str]:
    """The `Name` of every item of a list answer (NSGs, route tables)."""
    return [n for n in (text(i, "Name") for i in children(root, item_tag)) if n]
