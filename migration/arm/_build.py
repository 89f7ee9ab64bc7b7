"""Shared pieces of the translation: the collector and the resources several units produce
(cloned NSGs and route tables, reserved IPs)."""

from __future__ import annotations

from typing import Any

from migration.arm import model
from migration.arm.model import ArmResource
from migration.arm.normalise import arm_location, next_hop_type, protocol
from migration.estate import EstateIndex, NetworkSecurityGroup, ReservedIp, RouteTable
from migration.units import UnitRef


class Builder:
    """Collects resources for one unit's resource group."""

    def __init__(self, idx: EstateIndex, unit: UnitRef) -> None:
        self.idx = idx
        self.group = unit.resource_group
        self.out: dict[tuple[str, str, str], ArmResource] = {}

    def add(
        self,
        type_: str,
        name: str,
        location: str,
        properties: dict[str, Any] | None = None,
        *,
        parent: str | None = None,
        may_change: tuple[str, ...] = (),
    ) -> None:
        res = ArmResource(
            type_, name, arm_location(location), self.group, properties or {}, parent, may_change
        )
        self.out.setdefault(res.key, res)


def add_nsg(b: Builder, nsg: NetworkSecurityGroup) -> None:
    rules = {
        r.name: {
            "priority": r.priority,
            "direction": r.direction,
            "access": r.access,
            "protocol": protocol(r.protocol),
            "sourceAddressPrefix": r.source_prefix,
            "sourcePortRange": r.source_port,
            "destinationAddressPrefix": r.destination_prefix,
            "destinationPortRange": r.destination_port,
        }
        for r in nsg.rules
    }
    b.add(model.NSG, nsg.name, b.idx.location_of(nsg), {"securityRules": dict(sorted(rules.items()))})


def add_route_table(b: Builder, table: RouteTable) -> None:
    routes = {
        r.name: {
            "addressPrefix": r.prefix,
            "nextHopType": next_hop_type(r.next_hop_type),
            "nextHopIpAddress": r.next_hop,
        }
        for r in table.routes
    }
    b.add(model.ROUTE_TABLE, table.name, b.idx.location_of(table), {"routes": dict(sorted(routes.items()))})


def add_reserved_ip(b: Builder, name: str, dns_label: str | None = None) -> None:
    """A reserved IP becomes a static public IP with the same address (and, when it is a
    deployment's VIP, the service's DNS label)."""
    rip = b.idx.named(ReservedIp, name)
    if rip is None:
        return
    props: dict[str, Any] = {"publicIPAllocationMethod": "Static"}
    if rip.address:
        props["ipAddress"] = rip.address
    if dns_label:
        props["domainNameLabel"] = dns_label
    b.add(model.PUBLIC_IP, rip.name, b.idx.location_of(rip), props)
