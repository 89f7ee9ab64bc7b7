"""Gateway and ExpressRoute XML → the model's `Gateway`s and `ExpressRouteCircuit`s.

The classic API spreads a VNet's gateway facts over several reads, and the prechecks need all
of them (both gateway kinds on one VNet, a disconnected connection, a circuit not yet in ARM):

- the network configuration (`GET /services/networking/media`): the connections and their type
  (`Dedicated` is ExpressRoute, `IPsec` a VPN) — `xml_network.parse_virtual_networks`;
- Get Virtual Network Gateway (`GET /services/networking/{vnet}/gateway`): `State`,
  `VIPAddress`, `GatewayType` and the SKU (`GatewaySKU` on the platform; `GatewaySize` is read
  too) of the VNet's one gateway the platform reports;
- List Connections (`GET /services/networking/{vnet}/gateway/connections`): each connection's
  `ConnectivityState` (`Connected`, `Connecting`, `NotConnected`);
- the ExpressRoute circuits (`GET /services/networking/dedicatedcircuits`) and, where nothing
  else names a gateway's circuit, each circuit's VNet links (`…/dedicatedcircuits/{key}/vnets`).

The emulator adds `VirtualNetworkSite/Gateways/VirtualNetworkGateway` to the VNet list (every
gateway with kind, SKU, VIP, circuit and connections: a VNet may hold a VPN and an ExpressRoute
gateway, which the real reads above show only in part) and `DedicatedCircuit/MovedToArm`
(docs/emulator.md, "Invented elements"). They are used when present; what the platform's own
reads report (SKU, VIP, connectivity) wins over them.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from connectors.asm.xml_common import boolean, children, text
from connectors.asm.xml_model import build
from migration.estate import ExpressRouteCircuit, Gateway, VirtualNetwork

#: Gateway types that mean ExpressRoute (`ExpressRoute` is the emulator's; the platform's
#: ExpressRoute gateways report a routing type and are told apart by `Dedicated` connections).
_EXPRESS_ROUTE_TYPES = {"expressroute", "dedicated", "dedicatedrouting"}


def connectivity(value: str | None) -> str | None:
    """A connection's `ConnectivityState` as the model's state: only `Connected` is connected
    (`Connecting` and `NotConnected` would both fail a prepare); None when not reported."""
    if value is None:
        return None
    return "Connected" if value.strip().lower() == "connected" else "Disconnected"


def parse_connection_states(root: Element | None) -> dict[str, str]:
    """`{local network site: "Connected" | "Disconnected"}` from a List Connections answer."""
    states = {}
    for conn in children(root, "Connection"):
        site, state = text(conn, "LocalNetworkSiteName"), connectivity(text(conn, "ConnectivityState"))
        if site and state:
            states[site] = state
    return states


def parse_circuits(root: Element | None) -> list[ExpressRouteCircuit]:
    """The subscription's classic ExpressRoute circuits (`MovedToArm` absent → not moved)."""
    return [
        build(
            ExpressRouteCircuit,
            f"expressRouteCircuits[{i}]",
            name=text(c, "CircuitName"),
            moved_to_arm=boolean(c, "MovedToArm"),
        )
        for i, c in enumerate(children(root, "DedicatedCircuit"))
    ]


def circuit_service_keys(root: Element | None) -> dict[str, str]:
    """`{circuit name: service key}`, for reading a circuit's VNet links."""
    return {
        name: key
        for name, key in (
            (text(c, "CircuitName"), text(c, "ServiceKey")) for c in children(root, "DedicatedCircuit")
        )
        if name and key
    }


def parse_circuit_links(root: Element | None) -> list[str]:
    """The VNet names of a circuit's links (`DedicatedCircuitLinks/DedicatedCircuitLink`)."""
    return [n for n in (text(link, "VnetName") for link in children(root, "DedicatedCircuitLink")) if n]


def _listed(site: Element | None) -> list[dict[str, Any]]:
    """The gateways of the VNet list's `Gateways` element (empty when the answer has none)."""
    return [
        {
            "kind": text(g, "Kind"),
            "sku": text(g, "Sku"),
            "vip": text(g, "VIPAddress"),
            "circuit": text(g, "Circuit"),
            "connections": [
                {
                    "local_network_site": text(c, "LocalNetworkSiteName"),
                    "type": text(c, "Type"),
                    "state": connectivity(text(c, "ConnectivityState")),
                }
                for c in children(g, "Connections", "Connection")
            ],
        }
        for g in children(site, "Gateways", "VirtualNetworkGateway")
    ]


def _reported_kind(gateway: Element | None, base: list[dict[str, Any]]) -> str | None:
    """The kind of the one gateway Get Virtual Network Gateway describes."""
    gateway_type = (text(gateway, "GatewayType") or "").lower()
    if gateway_type in _EXPRESS_ROUTE_TYPES:
        return "ExpressRoute"
    if len(base) == 1:
        return str(base[0]["kind"])
    return "Vpn"  # with both kinds the platform reports the VPN gateway


def merge_gateways(
    vnet: VirtualNetwork,
    listed_site: Element | None,
    gateway: Element | None,
    connections: Element | None,
    circuits_by_vnet: dict[str, str] | None = None,
    where: str = "virtualNetworks[0]",
) -> list[Gateway]:
    """The VNet's gateways from every read that reports them (see the module's docstring).

    `vnet.gateways` are the network configuration's (kinds from connection types);
    `listed_site` is the VNet's `VirtualNetworkSite` from the VNet list; `gateway` and
    `connections` the Get Gateway and List Connections answers (None when the VNet has none);
    `circuits_by_vnet` the circuit links (`{vnet: circuit}`).
    """
    base = _listed(listed_site) or [g.model_dump() for g in vnet.gateways]
    if not base and gateway is None:
        return []
    if not base:
        base = [{"kind": "Vpn", "connections": []}]
    if gateway is not None:
        kind = _reported_kind(gateway, base)
        if len(base) == 1 and not base[0]["connections"]:
            base[0]["kind"] = kind  # a gateway without connections: only the platform tells its kind
        target = next((g for g in base if g["kind"] == kind), None)
        if target is not None:
            target["sku"] = text(gateway, "GatewaySKU") or text(gateway, "GatewaySize") or target.get("sku")
            target["vip"] = text(gateway, "VIPAddress") or target.get("vip")
    states = parse_connection_states(connections)
    for g in base:
        for conn in g["connections"]:
            conn["state"] = states.get(conn["local_network_site"], conn.get("state"))
        if g["kind"] == "ExpressRoute" and not g.get("circuit") and circuits_by_vnet:
            g["circuit"] = circuits_by_vnet.get(vnet.name)
    return [
        build(
            Gateway,
            f"{where}.gateways[{i}]",
            kind=g["kind"],
            sku=g.get("sku"),
            vip=g.get("vip"),
            circuit=g.get("circuit"),
            connections=[{k: v for k, v in c.items() if v is not None} for c in g["connections"]],
        )
        for i, g in enumerate(base)
    ]
