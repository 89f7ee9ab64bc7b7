"""Migration units and their `KIND/NAME` addresses (estate-format.md, "Migration units").

A unit is what one call of the platform's migration API moves:
`virtualNetwork/NAME` (the VNet with every cloud service deployed in it), `cloudService/NAME`
(only a service not in a VNet), `storageAccount/NAME`, and `reservedIp/NAME`,
`networkSecurityGroup/NAME`, `routeTable/NAME` when unassociated.

Public API: `UnitRef` (frozen, ordered, `str(ref)` = `KIND/NAME`), `UNIT_KINDS` (from `unit_kinds`),
`parse_unit(text) -> UnitRef` (ValueError with a clear message), `units_of(estate) -> list[UnitRef]`
(deterministic: kind order of the required migration order, then name), `unit_of_service(estate,
name)`, `resource_group_name(unit)` (`<name>-Migrated`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from migration.estate import CloudService, Estate, NetworkSecurityGroup, ReservedIp, RouteTable
from migration.unit_kinds import UNIT_KINDS as UNIT_KINDS  # re-exported: part of this module's API

_CANONICAL = {k.casefold(): k for k in UNIT_KINDS}


@dataclass(frozen=True, order=True, slots=True)
class UnitRef:
    """A migration unit's address. `kind` is one of `UNIT_KINDS` (canonical spelling)."""

    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def resource_group(self) -> str:
        """The ARM resource group the platform creates for the unit (`<name>-Migrated`)."""
        return resource_group_name(self)


def parse_unit(text: str) -> UnitRef:
    """`"cloudService/web-cs"` → `UnitRef("cloudService", "web-cs")`; the kind is case-insensitive."""
    kind, sep, name = text.strip().partition("/")
    if not sep or not name or "/" in name:
        raise ValueError(
            f"{text!r} is not a unit: expected KIND/NAME with KIND one of {', '.join(UNIT_KINDS)}"
        )
    canonical = _CANONICAL.get(kind.casefold())
    if canonical is None:
        raise ValueError(f"{kind!r} is not a unit kind: expected one of {', '.join(UNIT_KINDS)}")
    return UnitRef(canonical, name)


def resource_group_name(unit: UnitRef) -> str:
    return f"{unit.name}-Migrated"


def associated_reserved_ips(estate: Estate) -> set[str]:
    """Reserved IPs tied to a cloud service (by their `cloudService` or a deployment's `reservedIp`)."""
    names = {r.name for r in estate.reserved_ips if r.cloud_service}
    names |= {
        c.deployment.reserved_ip for c in estate.cloud_services if c.deployment and c.deployment.reserved_ip
    }
    return names


def associated_nsgs(estate: Estate) -> set[str]:
    """NSGs set on a subnet or a role (they migrate, cloned, with the VNet or service)."""
    names = {
        s.network_security_group
        for v in estate.virtual_networks
        for s in v.subnets
        if s.network_security_group
    }
    names |= {r.network_security_group for _, _, r in estate.roles() if r.network_security_group}
    return names


def associated_route_tables(estate: Estate) -> set[str]:
    return {s.route_table for v in estate.virtual_networks for s in v.subnets if s.route_table}


def units_of(estate: Estate) -> list[UnitRef]:
    """Every migration unit of the estate, in `UNIT_KINDS` order then by name."""
    units = [UnitRef("virtualNetwork", v.name) for v in estate.virtual_networks]
    units += [UnitRef("cloudService", c.name) for c in estate.cloud_services if c.virtual_network is None]
    units += [UnitRef("storageAccount", s.name) for s in estate.storage_accounts]
    rips, nsgs, rts = (
        associated_reserved_ips(estate),
        associated_nsgs(estate),
        associated_route_tables(estate),
    )
    units += [UnitRef("reservedIp", r.name) for r in estate.reserved_ips if r.name not in rips]
    units += [
        UnitRef("networkSecurityGroup", n.name) for n in estate.network_security_groups if n.name not in nsgs
    ]
    units += [UnitRef("routeTable", r.name) for r in estate.route_tables if r.name not in rts]
    order = {k: i for i, k in enumerate(UNIT_KINDS)}
    return sorted(units, key=lambda u: (order[u.kind], u.name))


def unit_of_service(estate: Estate, service: str) -> UnitRef | None:
    """The unit a cloud service migrates in: its VNet's, or its own when outside a VNet."""
    found = estate.named(CloudService, service)
    if found is None:
        return None
    if found.virtual_network:
        return UnitRef("virtualNetwork", found.virtual_network)
    return UnitRef("cloudService", found.name)


def resolve_unit(estate: Estate, unit: UnitRef) -> UnitRef:
    """Check that `unit` is a unit of `estate`; ValueError says why not (e.g. a service in a VNet)."""
    if unit in set(units_of(estate)):
        return unit
    if unit.kind == "cloudService" and (svc := estate.named(CloudService, unit.name)) and svc.virtual_network:
        raise ValueError(
            f"cloud service {unit.name!r} is in virtual network {svc.virtual_network!r}: "
            f"it migrates with virtualNetwork/{svc.virtual_network}"
        )
    if unit.kind in ("reservedIp", "networkSecurityGroup", "routeTable"):
        kinds: dict[str, type[Any]] = {
            "reservedIp": ReservedIp,
            "networkSecurityGroup": NetworkSecurityGroup,
            "routeTable": RouteTable,
        }
        if estate.named(kinds[unit.kind], unit.name) is not None:
            raise ValueError(f"{unit} is associated: it migrates with the VNet or cloud service that uses it")
    raise ValueError(f"{unit} is not in the estate")
