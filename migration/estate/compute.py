"""Cloud services of the estate: deployments, roles (VMs), endpoints, disks, extensions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from pydantic import Field, model_validator

from migration.estate._types import (
    Cidr,
    EstateModel,
    IpAddress,
    MediaLink,
    Name,
    NamedModel,
    Resource,
    one_of,
)
from migration.estate.storage import OsType

DeploymentKind = Annotated[str, one_of("IaaS", "PaaS")]
RoleState = Annotated[
    str, one_of("Running", "Stopped", "StoppedDeallocated", "RoleStateUnknown", "ProvisioningTimedOut")
]
GuestAgentState = Annotated[str, one_of("Ready", "NotReady")]
EndpointProtocol = Annotated[str, one_of("tcp", "udp")]
ProbeProtocol = Annotated[str, one_of("tcp", "http")]
AclAction = Annotated[str, one_of("permit", "deny")]


class Certificate(EstateModel):
    thumbprint: Name
    algorithm: str = "sha1"


class Probe(EstateModel):
    protocol: ProbeProtocol
    port: int = Field(ge=1, le=65535)
    path: str | None = None

    @model_validator(mode="after")
    def _path_only_for_http(self) -> Probe:
        if self.path is not None and self.protocol != "http":
            raise ValueError("path is only allowed for an http probe")
        return self


class AclRule(EstateModel):
    order: int = Field(ge=0)
    action: AclAction
    remote_subnet: Cidr
    description: str | None = None


class Endpoint(NamedModel):
    protocol: EndpointProtocol
    port: int = Field(ge=1, le=65535)
    local_port: int = Field(ge=1, le=65535)
    load_balanced_set: Name | None = None
    probe: Probe | None = None
    acl: list[AclRule] = Field(default_factory=list)
    internal_load_balancer: Name | None = None

    @model_validator(mode="before")
    @classmethod
    def _local_port_defaults_to_port(cls, data: object) -> object:
        """The contract makes every key but the names optional; the emulator (and the platform,
        for an endpoint created without one) takes the public port as the local port."""
        if isinstance(data, dict) and data.get("localPort") is None and data.get("local_port") is None:
            port = data.get("port")
            if isinstance(port, int) and not isinstance(port, bool):
                return {**data, "localPort": port}
        return data


class OsDisk(NamedModel):
    os: OsType
    size_gb: int = Field(ge=1, alias="sizeGB")
    media_link: MediaLink
    blob_size_bytes: int | None = Field(default=None, ge=0)


class DataDisk(NamedModel):
    lun: int = Field(ge=0, le=63)
    size_gb: int = Field(ge=1, alias="sizeGB")
    media_link: MediaLink
    blob_size_bytes: int | None = Field(default=None, ge=0)


class Extension(NamedModel):
    publisher: str
    version: str
    xml: bool = False
    status: str = "Ready"


class PublicIp(NamedModel):
    """An instance-level public IP of a role."""


class SecondaryNic(NamedModel):
    subnet: Name
    static_ip: IpAddress | None = None


class BootDiagnostics(EstateModel):
    storage_account: Name


class Role(NamedModel):
    """A role of a deployment: a virtual machine (IaaS) or a web/worker role (PaaS)."""

    size: str = "Small"
    state: RoleState = "Running"
    guest_agent: GuestAgentState = "Ready"
    availability_set: str | None = None
    subnets: list[Name] = Field(default_factory=list)
    static_ip: IpAddress | None = None
    ip_forwarding: bool = False
    network_security_group: Name | None = None
    public_ip: PublicIp | None = None
    secondary_nics: list[SecondaryNic] = Field(default_factory=list)
    endpoints: list[Endpoint] = Field(default_factory=list)
    os_disk: OsDisk | None = None
    data_disks: list[DataDisk] = Field(default_factory=list)
    extensions: list[Extension] = Field(default_factory=list)
    boot_diagnostics: BootDiagnostics | None = None

    def disks(self) -> Iterator[OsDisk | DataDisk]:
        """The OS disk (when present) then the data disks."""
        if self.os_disk is not None:
            yield self.os_disk
        yield from self.data_disks


class InternalLoadBalancer(NamedModel):
    subnet: Name
    static_ip: IpAddress | None = None


class Deployment(NamedModel):
    kind: DeploymentKind = "IaaS"
    virtual_network: Name | None = None
    reserved_ip: Name | None = None
    internal_dns_suffix: str | None = None
    internal_load_balancers: list[InternalLoadBalancer] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)

    @property
    def has_input_endpoints(self) -> bool:
        """Whether any role has a public (non-ILB) input endpoint: that is what gives a VIP."""
        return any(e.internal_load_balancer is None for r in self.roles for e in r.endpoints)

    @property
    def has_endpoints(self) -> bool:
        """Whether any role has any endpoint: the platform then creates `<service>-LB`."""
        return any(r.endpoints for r in self.roles)


class CloudService(Resource):
    certificates: list[Certificate] = Field(default_factory=list)
    alerts: int = Field(default=0, ge=0)
    autoscale: int = Field(default=0, ge=0)
    deployment: Deployment | None = None

    @property
    def virtual_network(self) -> str | None:
        """The VNet the service's deployment sits in (then the service migrates with it)."""
        return self.deployment.virtual_network if self.deployment else None
