"""Builders of the ARM resources of the network side (VNets, NSGs, route tables, gateways, public IPs).

Part of the emulator's own classic → ARM translation (see translate.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.state import Platform

NET = "Microsoft.Network"


class Builder:
    """Collects the resources of one resource group."""

    def __init__(self, platform: Platform, group: str, location: str) -> None:
        self.sub = platform.subscription
        self.platform = platform
        self.group = group
        self.location = location
        self.resources: list[dict[str, Any]] = []

    def rid(self, rtype: str, name: str, group: str | None = None) -> str:
        return f"/subscriptions/{self.sub}/resourceGroups/{group or self.group}/providers/{rtype}/{name}"

    def add(self, rtype: str, name: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
        res = {
            "id": self.rid(rtype, name),
            "name": name,
            "type": rtype,
            "location": self.location,
            "tags": {},
            "properties": {"provisioningState": "Succeeded", **properties},
            **extra,
        }
        self.resources.append(res)
        return res

    def has(self, rtype: str, name: str) -> bool:
        rid = self.rid(rtype, name).lower()
        return any(r["id"].lower() == rid for r in self.resources)

    def with_children(
        self,
        rtype: str,
        name: str,
        collection: str,
        items: list[dict[str, Any]],
        properties: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> str:
        """The id of resource `name` with one child in `collection` per item (an NSG's rules, a
        route table's routes); added once per group, however many subnets refer to it."""
        rid = self.rid(rtype, name)
        if not self.has(rtype, name):
            children = [self.child(rid, collection, i["name"], properties(i)) for i in items]
            self.add(rtype, name, {collection: children})
        return rid

    def child(self, parent_id: str, collection: str, name: str, properties: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": f"{parent_id}/{collection}/{name}",
            "name": name,
            "properties": {"provisioningState": "Succeeded", **properties},
        }


def nsg(b: Builder, nsg: dict[str, Any]) -> str:
    return b.with_children(f"{NET}/networkSecurityGroups", nsg["name"], "securityRules", nsg["rules"], _rule)


def _rule(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "priority": r["priority"],
        "direction": r["direction"],
        "access": r["access"],
        "protocol": {"TCP": "Tcp", "UDP": "Udp"}.get(r["protocol"], "*"),
        "sourceAddressPrefix": r["sourcePrefix"],
        "sourcePortRange": r["sourcePort"],
        "destinationAddressPrefix": r["destinationPrefix"],
        "destinationPortRange": r["destinationPort"],
    }


def route_table(b: Builder, rt: dict[str, Any]) -> str:
    return b.with_children(f"{NET}/routeTables", rt["name"], "routes", rt["routes"], _route)


def _route(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "addressPrefix": r["prefix"],
        "nextHopType": r["nextHopType"],
        **({"nextHopIpAddress": r["nextHop"]} if r.get("nextHop") else {}),
    }


def vnet(b: Builder, vnet: dict[str, Any]) -> str:
    rtype = f"{NET}/virtualNetworks"
    rid = b.rid(rtype, vnet["name"])
    subnets = []
    for s in vnet["subnets"]:
        props: dict[str, Any] = {"addressPrefix": s["prefix"]}
        if s.get("networkSecurityGroup"):
            props["networkSecurityGroup"] = {
                "id": nsg(b, b.platform.item("networkSecurityGroups", s["networkSecurityGroup"]))
            }
        if s.get("routeTable"):
            props["routeTable"] = {"id": route_table(b, b.platform.item("routeTables", s["routeTable"]))}
        subnets.append(b.child(rid, "subnets", s["name"], props))
    b.add(
        rtype,
        vnet["name"],
        {
            "addressSpace": {"addressPrefixes": list(vnet["addressSpace"])},
            "dhcpOptions": {"dnsServers": [d["address"] for d in vnet["dnsServers"]]},
            "subnets": subnets,
        },
    )
    return rid


def gateways(b: Builder, vnet: dict[str, Any], vnet_id: str) -> None:
    platform = b.platform
    for g in vnet["gateways"]:
        name = f"{vnet['name']}-Gateway"
        sku = g.get("sku") or ("Basic" if g["kind"] == "Vpn" else "Standard")
        gw = b.add(
            f"{NET}/virtualNetworkGateways",
            name if not b.has(f"{NET}/virtualNetworkGateways", name) else f"{name}-{g['kind']}",
            {
                "gatewayType": g["kind"],
                "vpnType": "RouteBased",
                "sku": {"name": sku, "tier": sku},
                "ipConfigurations": [
                    {
                        "name": "default",
                        "properties": {
                            "privateIPAllocationMethod": "Dynamic",
                            "subnet": {"id": f"{vnet_id}/subnets/GatewaySubnet"},
                        },
                    }
                ],
                "vipAddress": g.get("vip"),
            },
        )
        for c in g["connections"]:
            site = platform.find("localNetworkSites", c["localNetworkSite"])
            lng_type = f"{NET}/localNetworkGateways"
            if site and not b.has(lng_type, site["name"]):
                b.add(
                    lng_type,
                    site["name"],
                    {
                        "localNetworkAddressSpace": {"addressPrefixes": list(site["addressSpace"])},
                        "gatewayIpAddress": site.get("vpnGatewayAddress"),
                    },
                )
            b.add(
                f"{NET}/connections",
                f"{vnet['name']}-{c['localNetworkSite']}-Connection",
                {
                    "connectionType": "IPsec" if c["type"] == "IPsec" else "ExpressRoute",
                    "virtualNetworkGateway1": {"id": gw["id"]},
                    "localNetworkGateway2": {"id": b.rid(lng_type, c["localNetworkSite"])},
                    "connectionStatus": "Connected" if c["state"] == "Connected" else "NotConnected",
                },
            )


def public_ip(b: Builder, name: str, static: bool, address: str, label: str | None = None) -> str:
    props: dict[str, Any] = {
        "publicIPAllocationMethod": "Static" if static else "Dynamic",
        "publicIPAddressVersion": "IPv4",
        "ipAddress": address,
        "idleTimeoutInMinutes": 4,
    }
    if label:
        props["dnsSettings"] = {"domainNameLabel": label, "fqdn": f"{label}.{b.location}.cloudapp.azure.com"}
    resource_id: str = b.add(f"{NET}/publicIPAddresses", name, props, sku={"name": "Basic"})["id"]
    return resource_id
