"""Gateway and ExpressRoute XML → the model's `Gateway`s and `ExpressRouteCircuit`s.

The classic API spreads a VNet's gateway facts over several reads, and the prechecks need all
of them (both gateway kinds on one VNet, a disconnected connection, a circuit not yet in ARM):

- the network configuration (`GET /services/networking/media`): the connections and their type
  (`Dedicated` is ExpressRoute, `IPsec` a VPN) — `xml_network.parse_virtual_networks`; a
  `Gateway` element without connections is a gateway of unknown kind;
- Get Virtual Network Gateway (`GET /services/networking/{vnet}/gateway`): `State`,
  `VIPAddress`, `GatewayType` (the routing type, `StaticRouting` / `DynamicRouting`: it does not
  tell ExpressRoute from VPN) and `GatewaySize` of the one gateway the platform reports;
- List Connections (`GET /services/networking/{vnet}/gateway/connections`): each connection's
  `ConnectivityState` (`Connected`, `Connecting`, `NotConnected`);
- the ExpressRoute circuits (`GET /services/networking/dedicatedcircuits`) and each circuit's
  VNet links (`GET …/dedicatedcircuits/{serviceKey}/vnets`): a linked VNet has an ExpressRoute
  gateway on that circuit, even when its `Dedicated` connections were taken out of the network
  configuration (the reference's way around the migration).

Whether a circuit was moved to ARM is not a classic fact: `connectors.arm_facts` reads it from
the ARM side (an `expressRouteCircuits` resource whose `serviceKey` is the classic key).
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from connectors.asm.xml_common import children, text
from connectors.asm.xml_model import build
from migration.estate import ExpressRouteCircuit, Gateway, VirtualNetwork


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
    """The subscription's classic ExpressRoute circuits (List Dedicated Circuits). ASM cannot
    tell whether one was moved to ARM: `moved_to_arm` stays False until
    `connectors.arm_facts.with_arm_facts` reads it from ARM."""
    return [
        build(ExpressRouteCircuit, f"expressRouteCircuits[{i}]", name=text(c, "CircuitName"))
        for i, c in enumerate(children(root, "DedicatedCircuit"))
    ]


def circuit_service_keys(root: Element | None) -> dict[str, str]:
    """`{circuit name: service key}`, for reading a circuit's VNet links and matching ARM."""
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


def _with_circuit(base: list[dict[str, Any]], circuit: str | None) -> None:
    """Put the linked circuit on the VNet's ExpressRoute gateway; a gateway the network
    configuration left without connections is that gateway, else one is added."""
    if not circuit:
        return
    target = next((g for g in base if g["kind"] == "ExpressRoute"), None)
    if target is None:
        target = next((g for g in base if g["kind"] == "Vpn" and not g["connections"]), None)
        if target is None:
            target = {"kind": "ExpressRoute", "connections": []}
            base.append(target)
        target["kind"] = "ExpressRoute"
    target["circuit"] = target.get("circuit") or circuit


def merge_gateways(
    vnet: VirtualNetwork,
    gateway: Element | None,
    connections: Element | None,
    circuits_by_vnet: dict[str, str] | None = None,
    where: str = "virtualNetworks[0]",
) -> list[Gateway]:
    """The VNet's gateways from every read that reports them (see the module's docstring).

    `vnet.gateways` are the network configuration's (kinds from connection types); `gateway`
    and `connections` the Get Gateway and List Connections answers (None when the VNet has
    none); `circuits_by_vnet` the circuits' links (`{vnet: circuit}`). Get Gateway's SKU and VIP
    belong to the VPN gateway when the VNet has one (the platform reports that one), else to
    its only gateway.
    """
    base = [g.model_dump() for g in vnet.gateways]
    if not base and gateway is None:
        return []
    if not base:
        base = [{"kind": "Vpn", "connections": []}]
    _with_circuit(base, (circuits_by_vnet or {}).get(vnet.name))
    if gateway is not None:
        target = next((g for g in base if g["kind"] == "Vpn"), base[0])
        target["sku"] = text(gateway, "GatewaySize") or target.get("sku")
        target["vip"] = text(gateway, "VIPAddress") or target.get("vip")
    states = parse_connection_states(connections)
    for g in base:
        for conn in g["connections"]:
            conn["state"] = states.get(conn["local_network_site"], conn.get("state"))
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
