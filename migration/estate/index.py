"""`EstateIndex`: O(1) lookups by name over an estate, built once in linear time.

`Estate`'s own lookups scan lists (fine for one question); code that asks per unit or per role
(the translation, the prechecks, the planner) uses this so its cost stays linear in the estate.
Same method names as on `Estate` (`named(kind, name)`, `location_of`, `services_in`).
"""

from __future__ import annotations

from typing import Any

from migration.estate.compute import CloudService
from migration.estate.model import NAMED_KINDS, Estate, N
from migration.estate.network import ReservedIp


class EstateIndex:
    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self.reserved_ips = estate.reserved_ips
        self._by_name: dict[type[Any], dict[str, Any]] = {
            kind: {item.name: item for item in getattr(estate, field)} for kind, field in NAMED_KINDS.items()
        }
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

    def named(self, kind: type[N], name: str) -> N | None:
        """The `kind` (a model class in `NAMED_KINDS`) called `name`, as `Estate.named`, in O(1)."""
        found: N | None = self._by_name[kind].get(name)
        return found

    def services_in(self, vnet: str) -> list[CloudService]:
        """Services deployed in VNet `vnet`, in file order."""
        return self._in_vnet.get(vnet, [])

    def reserved_ips_of(self, service: str) -> list[ReservedIp]:
        """Reserved IPs whose `cloudService` is `service`."""
        return self._rips_of.get(service, [])
