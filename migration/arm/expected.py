"""The translation: which ARM resources the platform should make of a unit (estate-format.md,
"What the platform makes of a unit" — the contract), written independently of the emulator.

`expected_resources(estate, unit)` returns them sorted by (type, parent, name). A VNet unit's
group holds the VNet, its gateways, sites and connections, the NSGs and route tables its subnets
and roles use (cloned), and every resource of every cloud service deployed in it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from migration._gc import bulk
from migration.arm import model
from migration.arm._build import Builder, add_nsg, add_reserved_ip, add_route_table
from migration.arm.expected_compute import cloud_service_resources
from migration.arm.model import ArmResource
from migration.arm.normalise import connection_type
from migration.estate import (
    CloudService,
    Estate,
    EstateIndex,
    LocalNetworkSite,
    NetworkSecurityGroup,
    ReservedIp,
    RouteTable,
    StorageAccount,
    VirtualNetwork,
)
from migration.units import UnitRef, resolve_unit, units_of


def expected_resources(estate: Estate, unit: UnitRef) -> list[ArmResource]:
    """The ARM resources the platform should create for `unit` (ValueError if it is not a unit)."""
    resolve_unit(estate, unit)
    return _expected(EstateIndex(estate), unit)


@bulk
def expected_by_unit(
    estate: Estate, units: Iterable[UnitRef] | None = None
) -> dict[UnitRef, list[ArmResource]]:
    """The translation of many units (default: all), sharing one index: linear in the estate."""
    idx = EstateIndex(estate)
    known = units_of(estate)
    wanted = known if units is None else list(units)
    valid = set(known)
    for unit in wanted:
        if unit not in valid:
            resolve_unit(estate, unit)  # raises with the reason
    return {unit: _expected(idx, unit) for unit in wanted}


def _expected(estate: EstateIndex, unit: UnitRef) -> list[ArmResource]:
    b = Builder(estate, unit)
    kind, add = _KINDS.get(unit.kind, _KINDS["routeTable"])
    item = estate.named(kind, unit.name)
    if item is None:
        raise ValueError(f"{unit} is not in the estate")
    _group(b, estate.location_of(item))
    add(b, item)
    return sorted(b.out.values(), key=lambda r: r.key)


def _vnet_unit(b: Builder, vnet: VirtualNetwork) -> None:
    """A VNet and every cloud service deployed in it."""
    _virtual_network(b, vnet)
    for service in b.idx.services_in(vnet.name):
        cloud_service_resources(b, service, vnet)


def _storage_account(b: Builder, account: StorageAccount) -> None:
    b.add(model.STORAGE_ACCOUNT, account.name, b.idx.location_of(account), {"sku": account.sku})


# per unit kind: its model class (to find it in the estate), what its group holds besides the group
_KINDS: dict[str, tuple[type[Any], Callable[[Builder, Any], None]]] = {
    "virtualNetwork": (VirtualNetwork, _vnet_unit),
    "cloudService": (CloudService, lambda b, service: cloud_service_resources(b, service, None)),
    "storageAccount": (StorageAccount, _storage_account),
    "reservedIp": (ReservedIp, lambda b, rip: add_reserved_ip(b, rip.name)),
    "networkSecurityGroup": (NetworkSecurityGroup, add_nsg),
    "routeTable": (RouteTable, add_route_table),
}


def _group(b: Builder, location: str) -> None:
    b.add(model.RESOURCE_GROUP, b.group, location)


def _virtual_network(b: Builder, vnet: VirtualNetwork) -> None:
    estate = b.idx
    location = estate.location_of(vnet)
    subnets = {
        s.name: {
            "addressPrefix": s.prefix,
            "networkSecurityGroup": s.network_security_group,
            "routeTable": s.route_table,
        }
        for s in vnet.subnets
    }
    b.add(
        model.VIRTUAL_NETWORK,
        vnet.name,
        location,
        {
            "addressPrefixes": sorted(vnet.address_space),
            "dnsServers": [d.address for d in vnet.dns_servers],
            "subnets": dict(sorted(subnets.items())),
        },
    )
    for subnet in vnet.subnets:
        if subnet.network_security_group and (
            nsg := estate.named(NetworkSecurityGroup, subnet.network_security_group)
        ):
            add_nsg(b, nsg)
        if subnet.route_table and (table := estate.named(RouteTable, subnet.route_table)):
            add_route_table(b, table)
    for gateway in vnet.gateways:
        b.add(model.VNET_GATEWAY, f"{vnet.name}-Gateway", location, {"gatewayType": gateway.kind})
        for conn in gateway.connections:
            site = estate.named(LocalNetworkSite, conn.local_network_site)
            if site is not None:
                b.add(
                    model.LOCAL_GATEWAY,
                    site.name,
                    location,
                    {
                        "addressPrefixes": sorted(site.address_space),
                        "gatewayIpAddress": site.vpn_gateway_address,
                    },
                )
            b.add(
                model.CONNECTION,
                f"{vnet.name}-{conn.local_network_site}-Connection",
                location,
                {
                    "connectionType": connection_type(conn.type),
                    "virtualNetworkGateway": f"{vnet.name}-Gateway",
                    "localNetworkGateway": conn.local_network_site,
                },
            )
