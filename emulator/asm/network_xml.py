"""XML for network configuration, VNets, reserved IPs, NSGs, route tables and ExpressRoute circuits."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.arm.circuits import service_key
from emulator.classic import reserved_ip_address
from emulator.state import Platform
from emulator.xmlw import DECL, NETCFG_NS, XSI_NS, E, L, document


def network_configuration(platform: Platform) -> str:
    """`GET /services/networking/media`: the NetworkConfiguration document."""
    est = platform.estate
    dns = {d["name"]: d["address"] for v in est["virtualNetworks"] for d in v["dnsServers"]}
    dns_xml = L("DnsServers", [f'<DnsServer name="{n}" IPAddress="{a}" />' for n, a in dns.items()])
    sites = [
        E(
            "LocalNetworkSite",
            [
                L("AddressSpace", [E("AddressPrefix", p) for p in s["addressSpace"]]),
                E("VPNGatewayAddress", s.get("vpnGatewayAddress")),
            ],
            name=s["name"],
        )
        for s in est["localNetworkSites"]
    ]
    vnets = []
    for v in est["virtualNetworks"]:
        conns = [c for g in v["gateways"] for c in g["connections"]]
        gateway = (
            E(
                "Gateway",
                [
                    L(
                        "ConnectionsToLocalNetwork",
                        [
                            E(
                                "LocalNetworkSiteRef",
                                [E("Connection", "", type=c["type"])],
                                name=c["localNetworkSite"],
                            )
                            for c in conns
                        ],
                    )
                ],
            )
            if v["gateways"]
            else ""
        )
        vnets.append(
            E(
                "VirtualNetworkSite",
                [
                    L("AddressSpace", [E("AddressPrefix", p) for p in v["addressSpace"]]),
                    L(
                        "Subnets",
                        [
                            E("Subnet", [E("AddressPrefix", s["prefix"])], name=s["name"])
                            for s in v["subnets"]
                        ],
                    ),
                    L("DnsServersRef", [f'<DnsServerRef name="{d["name"]}" />' for d in v["dnsServers"]])
                    if v["dnsServers"]
                    else "",
                    gateway,
                ],
                name=v["name"],
                Location=platform.location_of(v),
            )
        )
    body = E(
        "VirtualNetworkConfiguration",
        [E("Dns", [dns_xml]), L("LocalNetworkSites", sites), L("VirtualNetworkSites", vnets)],
    )
    return f'{DECL}<NetworkConfiguration xmlns="{NETCFG_NS}" xmlns:i="{XSI_NS}">{body}</NetworkConfiguration>'


def virtual_network_sites(platform: Platform) -> str:
    """`GET /services/networking/virtualnetwork`: VNets with State, Gateway and MigrationState."""
    est = platform.estate
    sites = {s["name"]: s for s in est["localNetworkSites"]}
    items = []
    for v in est["virtualNetworks"]:
        conns = [c for g in v["gateways"] for c in g["connections"]]
        profile = next((g.get("sku") for g in v["gateways"] if g["kind"] == "Vpn"), None) or "Small"
        gateway = E(
            "Gateway",
            [
                E("Profile", profile),
                L(
                    "Sites",
                    [
                        E(
                            "LocalNetworkSite",
                            [
                                E("Name", c["localNetworkSite"]),
                                E(
                                    "AddressSpace",
                                    [
                                        L(
                                            "AddressPrefixes",
                                            [
                                                E("AddressPrefix", p)
                                                for p in sites[c["localNetworkSite"]]["addressSpace"]
                                            ],
                                        )
                                    ],
                                ),
                                E("VpnGatewayAddress", sites[c["localNetworkSite"]].get("vpnGatewayAddress")),
                                L("Connections", [E("Connection", [E("Type", c["type"])])]),
                            ],
                        )
                        for c in conns
                        if c["localNetworkSite"] in sites
                    ],
                ),
                L("VPNClientAddressPool", []),
            ],
        )
        items.append(
            E(
                "VirtualNetworkSite",
                [
                    E("Name", v["name"]),
                    E("Label", v["name"]),
                    E("Id", platform_id(v["name"])),
                    E("Location", platform.location_of(v)),
                    E("State", "Created"),
                    E(
                        "AddressSpace",
                        [L("AddressPrefixes", [E("AddressPrefix", p) for p in v["addressSpace"]])],
                    ),
                    L(
                        "Subnets",
                        [
                            E(
                                "Subnet",
                                [
                                    E("Name", s["name"]),
                                    E("AddressPrefix", s["prefix"]),
                                    E("NetworkSecurityGroup", s.get("networkSecurityGroup")),
                                ],
                            )
                            for s in v["subnets"]
                        ],
                    ),
                    E(
                        "Dns",
                        [
                            L(
                                "DnsServers",
                                [
                                    E("DnsServer", [E("Name", d["name"]), E("Address", d["address"])])
                                    for d in v["dnsServers"]
                                ],
                            )
                        ],
                    ),
                    gateway if v["gateways"] else "",
                    L(
                        "Peerings",
                        [
                            E("Peering", [E("RemoteVirtualNetwork", p["remoteVirtualNetwork"])])
                            for p in v["peerings"]
                        ],
                    )
                    if v["peerings"]
                    else "",
                    L("Services", [E("Service", s) for s in v["services"]]) if v["services"] else "",
                    E("MigrationState", platform.reported_state(f"virtualNetwork/{v['name']}")),
                ],
            )
        )
    return document("VirtualNetworkSites", items)


def platform_id(name: str) -> str:
    h = hashlib.sha256(("vnet:" + name).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def reserved_ip(platform: Platform, rip: dict[str, Any]) -> str:
    cs = platform.find("cloudServices", rip["cloudService"]) if rip.get("cloudService") else None
    dep = (cs or {}).get("deployment") or {}
    return E(
        "ReservedIP",
        [
            E("Name", rip["name"]),
            E("Address", reserved_ip_address(rip)),
            E("Id", platform_id("rip:" + rip["name"])),
            E("Label", rip["name"]),
            E("State", "Created"),
            E("InUse", bool(cs and dep)),
            E("ServiceName", rip.get("cloudService")),
            E("DeploymentName", dep.get("name")),
            E("Location", platform.location_of(rip)),
        ],
    )


def reserved_ips(platform: Platform) -> str:
    return document("ReservedIPs", [reserved_ip(platform, r) for r in platform.estate["reservedIps"]])


def reserved_ip_doc(platform: Platform, rip: dict[str, Any]) -> str:
    return document("ReservedIP", [reserved_ip(platform, rip)[len("<ReservedIP>") : -len("</ReservedIP>")]])


def _rule(r: dict[str, Any]) -> list[str]:
    return [
        E("Name", r["name"]),
        E("Type", r["direction"]),
        E("Priority", r["priority"]),
        E("Action", r["access"]),
        E("SourceAddressPrefix", r["sourcePrefix"]),
        E("SourcePortRange", r["sourcePort"]),
        E("DestinationAddressPrefix", r["destinationPrefix"]),
        E("DestinationPortRange", r["destinationPort"]),
        E("Protocol", r["protocol"]),
        E("State", "Active"),
        E("IsDefault", False),
    ]


def _route(r: dict[str, Any]) -> list[str]:
    return [
        E("Name", r["name"]),
        E("AddressPrefix", r["prefix"]),
        E("NextHopType", [E("Type", r["nextHopType"]), E("IpAddress", r.get("nextHop"))]),
    ]


@dataclass(frozen=True)
class _Listed:
    """A classic network item with entries of its own (an NSG's rules, a route table's routes):
    its element, and its entries' list element, entry element, estate key and entry parts."""

    tag: str
    list_tag: str
    entry_tag: str
    key: str
    entry: Callable[[dict[str, Any]], list[str]]


_LISTED = {
    "networkSecurityGroups": _Listed("NetworkSecurityGroup", "Rules", "Rule", "rules", _rule),
    "routeTables": _Listed("RouteTable", "RouteList", "Route", "routes", _route),
}


def _listed_parts(platform: Platform, kind: _Listed, item: dict[str, Any], full: bool) -> list[str]:
    """Name, Label (the name) and Location; the entries only with `detaillevel=Full`."""
    entries = L(kind.list_tag, [E(kind.entry_tag, kind.entry(x)) for x in item[kind.key]]) if full else ""
    return [
        E("Name", item["name"]),
        E("Label", item["name"]),
        E("Location", platform.location_of(item)),
        entries,
    ]


def listed_items(platform: Platform, collection: str) -> str:
    """List Network Security Groups / List Route Tables (no entries in a list)."""
    kind = _LISTED[collection]
    parts = [E(kind.tag, _listed_parts(platform, kind, x, False)) for x in platform.estate[collection]]
    return document(kind.tag + "s", parts)


def listed_item(platform: Platform, collection: str, item: dict[str, Any], full: bool) -> str:
    """Get Network Security Group / Get Route Table."""
    kind = _LISTED[collection]
    return document(kind.tag, _listed_parts(platform, kind, item, full))


def circuits(platform: Platform) -> str:
    """`GET /services/networking/dedicatedcircuits` (List Dedicated Circuits). A circuit moved to
    ARM is still listed here; "moved" shows only on the ARM side (`emulator.arm.circuits`).
    Bandwidth, location and provider are not in the estate: fixed, plausible values."""
    items = [
        E(
            "DedicatedCircuit",
            [
                E("Bandwidth", 1000),
                E("CircuitName", c["name"]),
                E("Location", "Emulated"),
                E("ServiceKey", service_key(c["name"])),
                E("ServiceProviderName", "Emulated Provider"),
                E("ServiceProviderProvisioningState", "Provisioned"),
                E("Status", "Enabled"),
                E("Sku", "Standard"),
            ],
        )
        for c in platform.estate["expressRouteCircuits"]
    ]
    return document("DedicatedCircuits", items)


def circuit_by_key(platform: Platform, key: str) -> dict[str, Any] | None:
    """The estate's circuit whose service key is `key` (case-insensitive, as GUIDs are)."""
    return next(
        (c for c in platform.estate["expressRouteCircuits"] if service_key(c["name"]) == key.lower()), None
    )


def circuit_links(platform: Platform, circuit: dict[str, Any]) -> str:
    """`GET /services/networking/dedicatedcircuits/{serviceKey}/vnets` (List Dedicated Circuit
    Links): every classic VNet whose ExpressRoute gateway is linked to the circuit."""
    items = [
        E("DedicatedCircuitLink", [E("State", "Provisioned"), E("VnetName", v["name"])])
        for v in platform.estate["virtualNetworks"]
        if any(g["kind"] == "ExpressRoute" and g.get("circuit") == circuit["name"] for g in v["gateways"])
    ]
    return document("DedicatedCircuitLinks", items)


def gateway_doc(v: dict[str, Any]) -> str | None:
    """`GET /services/networking/{vnet}/gateway` (Get Virtual Network Gateway): the VPN gateway
    when there is one, else the ExpressRoute gateway; None when the VNet has no gateway.

    `GatewayType` is the routing type (`StaticRouting` / `DynamicRouting`): a classic
    ExpressRoute gateway is `DynamicRouting` too, told apart only by its `Dedicated` connections
    and the circuit's links. The size is `GatewaySize` (Microsoft's client reads `GATEWAYSIZE`
    into its `gatewaySKU` field)."""
    if not v["gateways"]:
        return None
    g = next((g for g in v["gateways"] if g["kind"] == "Vpn"), v["gateways"][0])
    return document(
        "Gateway",
        [
            E("State", "Provisioned"),
            E("VIPAddress", g.get("vip")),
            E("GatewayType", "DynamicRouting"),
            E("GatewaySize", g.get("sku") or ("Basic" if g["kind"] == "Vpn" else "Standard")),
        ],
    )


def gateway_connections_doc(v: dict[str, Any]) -> str:
    """`GET /services/networking/{vnet}/gateway/connections`: every gateway connection with its
    `ConnectivityState` (`Connected` or, for the estate's `Disconnected`, `NotConnected`)."""
    items = [
        E(
            "Connection",
            [
                E("ConnectivityState", "Connected" if c["state"] == "Connected" else "NotConnected"),
                E("EgressBytesTransferred", 0),
                E("IngressBytesTransferred", 0),
                E("LocalNetworkSiteName", c["localNetworkSite"]),
            ],
        )
        for g in v["gateways"]
        for c in g["connections"]
    ]
    return document("Connections", items)
