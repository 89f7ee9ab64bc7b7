"""`EstateIndex`: O(1) lookups by name over an estate, built once in linear time.

`Estate`'s own lookups scan lists (fine for one question); code that asks per unit or per role
(the translation, the prechecks, the planner) uses this so its cost stays linear in the estate.
Same method names as on `Estate`.
"""

from __future__ import annotations

from typing import Any

from migration.estate.compute import CloudService
from migration.estate.model import Estate
from migration.estate.network import (
    ExpressRouteCircuit,
    LocalNetworkSite,
    NetworkSecurityGroup,
    ReservedIp,
    RouteTable,
    VirtualNetwork,
)
from migration.estate.storage import StorageAccount


class EstateIndex:
    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self.reserved_ips = estate.reserved_ips
        self._vnets = {v.name: v for v in estate.virtual_networks}
        self._services = {c.name: c for c in estate.cloud_services}
        self._accounts = {s.name: s for s in estate.storage_accounts}
        self._rips = {r.name: r for r in estate.reserved_ips}
        self._nsgs = {n.name: n for n in estate.network_security_groups}
        self._tables = {r.name: r for r in estate.route_tables}
        self._sites = {s.name: s for s in estate.local_network_sites}
        self._circuits = {c.name: c for c in estate.express_route_circuits}
        self._in_vnet: dict[str, list[CloudService]] = {}
        for service in estate.cloud_services:
            if service.virtual_network:
                self._in_vnet.setdefault(service.virtual_network, []).append(service)
        self._rips_of: dict[str, list[ReservedIp]] = {}
        for rip in estate.reserved_ips:
            if rip.cloud_service:
                self._rips_of.setdefault(rip.cloud_service, []).append(rip)

    def location_of(self, item: Any) -> str:
        return self.estate.location_of(item)

    def virtual_network(self, name: str) -> VirtualNetwork | None:
        return self._vnets.get(name)

    def cloud_service(self, name: str) -> CloudService | None:
        return self._services.get(name)

    def storage_account(self, name: str) -> StorageAccount | None:
        return self._accounts.get(name)

    def reserved_ip(self, name: str) -> ReservedIp | None:
        return self._rips.get(name)

    def network_security_group(self, name: str) -> NetworkSecurityGroup | None:
        return self._nsgs.get(name)

    def route_table(self, name: str) -> RouteTable | None:
        return self._tables.get(name)

    def local_network_site(self, name: str) -> LocalNetworkSite | None:
        return self._sites.get(name)

    def express_route_circuit(self, name: str) -> ExpressRouteCircuit | None:
        return self._circuits.get(name)

    def services_in(self, vnet: str) -> list[CloudService]:
        """Services deployed in VNet `vnet`, in file order."""
        return self._in_vnet.get(vnet, [])

    def reserved_ips_of(self, service: str) -> list[ReservedIp]:
        """Reserved IPs whose `cloudService` is `service`."""
        return self._rips_of.get(service, [])
