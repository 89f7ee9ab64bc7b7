"""Indexes over an estate that the rules share, built once per run (linear in the estate)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from migration.estate import (
    CloudService,
    DataDisk,
    Deployment,
    Estate,
    Extension,
    OsDisk,
    Role,
    media_link_parts,
)
from migration.prechecks.catalogue import Hit
from migration.units import UnitRef, units_of


@dataclass(frozen=True, slots=True)
class RoleAt:
    service: CloudService
    deployment: Deployment
    role: Role
    unit: str

    @property
    def resource(self) -> str:
        return f"role/{self.service.name}/{self.role.name}"

    def hit(self, message: str, part: str = "") -> Hit:
        """A hit on this VM (`role/SERVICE/NAME`) or on a part of it (`part`: `/extension/x`)."""
        return Hit(self.unit, self.resource + part, message)


class Context:
    """The estate plus lookups: each service's unit, every role with its unit, account users."""

    def __init__(self, estate: Estate, selected: list[UnitRef] | None = None) -> None:
        self.estate = estate
        self.units: list[UnitRef] = units_of(estate)
        self.selected: list[UnitRef] = self.units if selected is None else selected
        self.unit_names = {str(u) for u in self.units}
        self.service_unit: dict[str, str] = {}
        for service in estate.cloud_services:
            vnet = service.virtual_network
            self.service_unit[service.name] = (
                f"virtualNetwork/{vnet}" if vnet else f"cloudService/{service.name}"
            )
        self.roles: list[RoleAt] = [
            RoleAt(s, d, r, self.service_unit[s.name]) for s, d, r in estate.roles() if d.kind == "IaaS"
        ]
        self.storage_names = {a.name for a in estate.storage_accounts}
        # storage account → units whose VMs' disks it holds (the reference's order: "storage
        # accounts only after every VM whose disks they hold"; boot diagnostics do not pin it)
        self.account_users: dict[str, set[str]] = defaultdict(set)
        # every VM's extensions and disks (with the disk's blob name) in one flat list each: the
        # rules that look at them walk these instead of the roles again (one pass over a big
        # estate costs more in memory traffic than the checks themselves)
        self.extensions: list[tuple[RoleAt, Extension]] = []
        self.disks: list[tuple[RoleAt, OsDisk | DataDisk, str]] = []
        for at in self.roles:
            self.extensions.extend((at, ext) for ext in at.role.extensions)
            for disk in at.role.disks():
                account, blob = media_link_parts(disk.media_link)
                if account:
                    self.account_users[account].add(at.unit)
                self.disks.append((at, disk, blob))

    def deployments(self, kind: str) -> Iterator[tuple[CloudService, Deployment]]:
        """Each cloud service whose deployment is of `kind` (`IaaS`: it holds VMs; `PaaS`:
        web/worker roles), with that deployment, in file order."""
        for service in self.estate.cloud_services:
            d = service.deployment
            if d is not None and d.kind == kind:
                yield service, d

    def service_hit(self, service: CloudService, message: str, part: str = "") -> Hit:
        """A hit on a cloud service (`cloudService/NAME`, or a part of it) in the unit it moves with."""
        return Hit(self.service_unit[service.name], f"cloudService/{service.name}{part}", message)

    def storage_unit(self, account: str | None) -> str | None:
        """`storageAccount/NAME` when the account is in the estate (external accounts: None)."""
        return f"storageAccount/{account}" if account in self.storage_names else None
