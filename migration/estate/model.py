"""The estate: one subscription's classic resources, as the estate file (version 1) describes them.

Built by `migration.estate.load_estate` from a file and by the connectors from the platform's
XML, so a live snapshot and a rehearsal file are the same thing to the rest of the core.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Literal, TypeVar

from pydantic import Field, field_validator

from migration.estate._types import EstateModel, Guid, Name, NamedModel
from migration.estate.compute import CloudService, Deployment, Role
from migration.estate.network import (
    ExpressRouteCircuit,
    LocalNetworkSite,
    NetworkSecurityGroup,
    ReservedIp,
    RouteTable,
    VirtualNetwork,
)
from migration.estate.storage import Disk, Image, StorageAccount

DEFAULT_LOCATION = "West Europe"
DEFAULT_QUOTA = 1000
_RBAC_SCOPE = re.compile(r"^(subscription|[A-Za-z]+/.+)$")


N = TypeVar("N", bound=NamedModel)

#: The kinds looked up by name (`Estate.named`, `EstateIndex.named`): model class → `Estate` list.
NAMED_KINDS: dict[type[NamedModel], str] = {
    VirtualNetwork: "virtual_networks",
    CloudService: "cloud_services",
    StorageAccount: "storage_accounts",
    ReservedIp: "reserved_ips",
    NetworkSecurityGroup: "network_security_groups",
    RouteTable: "route_tables",
    LocalNetworkSite: "local_network_sites",
    ExpressRouteCircuit: "express_route_circuits",
}


class ArmQuotas(EstateModel):
    """Remaining ARM capacity in the target region (limit − current usage)."""

    public_ip_addresses: int = Field(default=DEFAULT_QUOTA, ge=0, alias="publicIPAddresses")
    static_public_ip_addresses: int = Field(default=DEFAULT_QUOTA, ge=0, alias="staticPublicIPAddresses")
    load_balancers: int = Field(default=DEFAULT_QUOTA, ge=0)
    network_security_groups: int = Field(default=DEFAULT_QUOTA, ge=0)
    route_tables: int = Field(default=DEFAULT_QUOTA, ge=0)
    network_interfaces: int = Field(default=DEFAULT_QUOTA, ge=0)
    cores: int = Field(default=DEFAULT_QUOTA, ge=0)


class RbacAssignment(EstateModel):
    principal: Name
    role: Name
    scope: str = "subscription"

    @field_validator("scope")
    @classmethod
    def _scope_form(cls, value: str) -> str:
        if not _RBAC_SCOPE.match(value):
            raise ValueError(f"{value!r} is not 'subscription' or KIND/NAME")
        return value


class Estate(EstateModel):
    """One subscription's classic estate. Lists keep the file's order; names are unique per kind."""

    version: Literal[1]
    subscription_id: Guid
    location: str = DEFAULT_LOCATION
    migration_provider_registered: bool = True
    arm_quotas: ArmQuotas = Field(default_factory=ArmQuotas)
    virtual_networks: list[VirtualNetwork] = Field(default_factory=list)
    local_network_sites: list[LocalNetworkSite] = Field(default_factory=list)
    express_route_circuits: list[ExpressRouteCircuit] = Field(default_factory=list)
    network_security_groups: list[NetworkSecurityGroup] = Field(default_factory=list)
    route_tables: list[RouteTable] = Field(default_factory=list)
    reserved_ips: list[ReservedIp] = Field(default_factory=list)
    storage_accounts: list[StorageAccount] = Field(default_factory=list)
    disks: list[Disk] = Field(default_factory=list)
    images: list[Image] = Field(default_factory=list)
    cloud_services: list[CloudService] = Field(default_factory=list)
    rbac: list[RbacAssignment] = Field(default_factory=list)

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_the_number_1(cls, value: Any) -> Any:
        if isinstance(value, bool):  # YAML `version: true` is not version 1
            raise ValueError(f"must be 1, not {value!r}")
        return value

    def location_of(self, item: Any) -> str:
        """The classic region of `item`: its own `location`, else the estate's (inheritance rule)."""
        own = getattr(item, "location", None)
        return own or self.location

    def named(self, kind: type[N], name: str) -> N | None:
        """The `kind` (a model class in `NAMED_KINDS`: `CloudService`, `RouteTable`, …) called `name`."""
        items: list[N] = getattr(self, NAMED_KINDS[kind])
        return next((item for item in items if item.name == name), None)

    def services_in(self, vnet: str) -> list[CloudService]:
        """The cloud services whose deployment sits in VNet `vnet` (they migrate with it)."""
        return [c for c in self.cloud_services if c.virtual_network == vnet]

    def roles(self) -> Iterator[tuple[CloudService, Deployment, Role]]:
        """Every role of every deployment, with its service and deployment."""
        for service in self.cloud_services:
            if service.deployment is not None:
                for role in service.deployment.roles:
                    yield service, service.deployment, role
