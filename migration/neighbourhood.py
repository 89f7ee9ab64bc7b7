"""A unit's neighbourhood: the classic resources its prechecks, expected ARM and check look at.

A unit's snapshot reads its neighbourhood, not the whole subscription (a plan of hundreds of
units on an estate of hundreds of cloud services would otherwise read the subscription once per
unit). Per kind (`docs/workflow.md`, "A unit's neighbourhood"):

- `virtualNetwork/V`: the services deployed in V; the NSGs and route tables V's subnets and its
  VMs name; V's subnet associations, gateway, connections and circuit links;
- `cloudService/S`: S; the NSGs its VMs name;
- `storageAccount/A`: every service with a VM disk in A (wherever it is);
- `reservedIp/R`: the service that holds R;
- `networkSecurityGroup/N`: N; the services whose VMs name N; the subnets that name N;
- `routeTable/T`: T; the subnets that name T.

Besides, every snapshot reads the subscription's lists, one GET each whatever the estate's size
(hosted services, disks, images, network configuration, VNets, circuits, reserved IPs, storage
accounts, NSG and route-table names).

Which service is deployed in which VNet, and which subnet or VM names which NSG or route table,
is in no subscription-level list of the classic API (a service's VNet is in its deployment, a
subnet's route table in a per-subnet read). That membership is the `Inventory`, taken from a
full read (a plan's `plan_units`, or a unit's first snapshot of the subscription) and kept with
c2arm's snapshots. It only says *where to look*: everything found there is read fresh, a member
gone since answers 404 and is absent, and a service the inventory does not know (created since)
is read in detail and added. What the inventory cannot see is a deployment deleted and created
again in another VNet under the same service name, or a subnet associated anew, after it was
taken — a named assumption (`docs/workflow.md`); the platform's validate, always run, still sees
the real configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from migration.estate import CloudService, Estate, media_link_parts
from migration.units import UnitRef


@dataclass(frozen=True)
class ServiceLinks:
    """Where a cloud service sits and what its VMs name (membership only, no configuration)."""

    vnet: str | None = None
    accounts: tuple[str, ...] = ()  # storage accounts holding its VMs' disks
    reserved_ip: str | None = None
    nsgs: tuple[str, ...] = ()  # NSGs its VMs name


@dataclass(frozen=True)
class Inventory:
    """Membership of a subscription: services → links; VNet → subnet → (NSG, route table)."""

    services: dict[str, ServiceLinks] = field(default_factory=dict)
    subnets: dict[str, dict[str, tuple[str | None, str | None]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "services": {
                n: {
                    "vnet": s.vnet,
                    "accounts": list(s.accounts),
                    "reservedIp": s.reserved_ip,
                    "nsgs": list(s.nsgs),
                }
                for n, s in sorted(self.services.items())
            },
            "subnets": {
                v: {s: list(pair) for s, pair in sorted(subs.items())}
                for v, subs in sorted(self.subnets.items())
            },
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Inventory:
        services = {
            name: ServiceLinks(
                s.get("vnet"), tuple(s.get("accounts", ())), s.get("reservedIp"), tuple(s.get("nsgs", ()))
            )
            for name, s in (doc.get("services") or {}).items()
        }
        subnets = {
            v: {s: (p[0], p[1]) for s, p in subs.items()} for v, subs in (doc.get("subnets") or {}).items()
        }
        return cls(services, subnets)

    def with_services(self, services: dict[str, ServiceLinks]) -> Inventory:
        """This inventory with `services` (re)placed."""
        return Inventory({**self.services, **services}, self.subnets)


def service_links(estate: Estate, name: str) -> ServiceLinks:
    """The links of one service of `estate` (empty when it has no deployment)."""
    service = estate.named(CloudService, name)
    deployment = service.deployment if service else None
    if deployment is None:
        return ServiceLinks()
    accounts, nsgs = set(), set()
    for role in deployment.roles:
        for disk in role.disks():
            account, _ = media_link_parts(disk.media_link)
            if account:
                accounts.add(account)
        if role.network_security_group:
            nsgs.add(role.network_security_group)
    return ServiceLinks(
        deployment.virtual_network, tuple(sorted(accounts)), deployment.reserved_ip, tuple(sorted(nsgs))
    )


def inventory_of(estate: Estate) -> Inventory:
    """The membership of a fully read estate."""
    services = {s.name: service_links(estate, s.name) for s in estate.cloud_services}
    subnets = {
        v.name: {s.name: (s.network_security_group, s.route_table) for s in v.subnets}
        for v in estate.virtual_networks
    }
    return Inventory(services, subnets)


@dataclass(frozen=True)
class Neighbourhood:
    """What one unit's snapshot reads in detail beyond the subscription's lists."""

    services: frozenset[str] = frozenset()
    nsgs: frozenset[str] = frozenset()
    route_tables: frozenset[str] = frozenset()
    vnet: str | None = None  # the VNet read in full (associations, gateway, connections, circuits)
    subnets: frozenset[tuple[str, str]] = frozenset()  # (vnet, subnet) whose associations are read

    def to_dict(self) -> dict[str, Any]:
        return {
            "services": sorted(self.services),
            "networkSecurityGroups": sorted(self.nsgs),
            "routeTables": sorted(self.route_tables),
            "virtualNetwork": self.vnet,
            "subnets": sorted(f"{v}/{s}" for v, s in self.subnets),
            "size": self.size,
        }

    @property
    def size(self) -> int:
        """Resources in the neighbourhood (for the benchmark's reads-per-unit comparison)."""
        return (
            len(self.services)
            + len(self.nsgs)
            + len(self.route_tables)
            + (1 if self.vnet else 0)
            + len(self.subnets)
        )


def services_of(
    unit: UnitRef, inventory: Inventory, disk_users: dict[str, set[str]], reserved_by: dict[str, str]
) -> frozenset[str]:
    """The cloud services `unit` needs in detail: from the inventory, plus the fresh disk registry
    (`disk_users`: account → services whose VMs' disks it holds) and reserved-IP list."""
    links = inventory.services
    if unit.kind == "virtualNetwork":
        return frozenset(n for n, s in links.items() if s.vnet == unit.name)
    if unit.kind == "cloudService":
        return frozenset({unit.name})
    if unit.kind == "storageAccount":
        return frozenset(
            disk_users.get(unit.name, set()) | {n for n, s in links.items() if unit.name in s.accounts}
        )
    if unit.kind == "reservedIp":
        holder = {reserved_by[unit.name]} if reserved_by.get(unit.name) else set()
        return frozenset(holder | {n for n, s in links.items() if s.reserved_ip == unit.name})
    if unit.kind == "networkSecurityGroup":
        return frozenset(n for n, s in links.items() if unit.name in s.nsgs)
    return frozenset()


def subnets_naming(inventory: Inventory, unit: UnitRef) -> frozenset[tuple[str, str]]:
    """(vnet, subnet) pairs whose association (NSG or route table) the inventory says is `unit`."""
    column = 0 if unit.kind == "networkSecurityGroup" else 1
    if unit.kind not in ("networkSecurityGroup", "routeTable"):
        return frozenset()
    return frozenset(
        (v, s)
        for v, subs in inventory.subnets.items()
        for s, pair in subs.items()
        if pair[column] == unit.name
    )
