"""The estate file's shape (version 1), as the emulator reads it: see docs/estate-format.md.

One pydantic model per mapping of the file, keys spelled as in the file. The loader validates
with `Estate` and hands the rest of the emulator plain dictionaries (`model_dump()`): every key
present, defaults filled in, enumerations in their canonical spelling.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from emulator.estate.schema import (
    Boolean,
    Part,
    cidr,
    guid,
    integer,
    ip,
    nonempty,
    one_of,
    port_range,
    prefix_or_tag,
    text,
)

Name = Annotated[str, text(nonempty)]
Cidr = Annotated[str, text(cidr)]
Ip = Annotated[str, text(ip)]
Port = Annotated[int, integer(low=1, high=65535)]
Count = Annotated[int, integer(low=0)]
Size = Annotated[int, integer(low=1)]
Os = Annotated[str, one_of("Windows", "Linux")]

ROLE_STATES = ("Running", "Stopped", "StoppedDeallocated", "RoleStateUnknown", "ProvisioningTimedOut")
QUOTA_KEYS = (
    "publicIPAddresses",
    "staticPublicIPAddresses",
    "loadBalancers",
    "networkSecurityGroups",
    "routeTables",
    "networkInterfaces",
    "cores",
)
UNIT_KINDS = (
    "virtualNetwork",
    "cloudService",
    "storageAccount",
    "reservedIp",
    "networkSecurityGroup",
    "routeTable",
)


def _many() -> Any:
    return Field(default_factory=list)


class Subnet(Part):
    name: Name
    prefix: Cidr
    networkSecurityGroup: Name | None = None
    routeTable: Name | None = None


class Connection(Part):
    localNetworkSite: Name
    type: Annotated[str, one_of("IPsec", "Dedicated")]
    state: Annotated[str, one_of("Connected", "Disconnected")] = "Connected"


class Gateway(Part):
    kind: Annotated[str, one_of("Vpn", "ExpressRoute")]
    sku: Name | None = None
    vip: Ip | None = None
    circuit: Name | None = None
    connections: list[Connection] = _many()


class DnsServer(Part):
    name: Name
    address: Ip


class Peering(Part):
    remoteVirtualNetwork: Name


class VirtualNetwork(Part):
    name: Name
    location: Name | None = None
    addressSpace: list[Cidr]
    dnsServers: list[DnsServer] = _many()
    subnets: list[Subnet] = _many()
    gateways: list[Gateway] = _many()
    peerings: list[Peering] = _many()
    services: list[Name] = _many()


class LocalNetworkSite(Part):
    name: Name
    addressSpace: list[Cidr] = _many()
    vpnGatewayAddress: Ip | None = None


class Circuit(Part):
    name: Name
    movedToArm: Boolean = False


class NsgRule(Part):
    name: Name
    priority: Annotated[int, integer(low=100, high=4096)]
    direction: Annotated[str, one_of("Inbound", "Outbound")]
    access: Annotated[str, one_of("Allow", "Deny")]
    protocol: Annotated[str, one_of("TCP", "UDP", "*")]
    sourcePrefix: Annotated[str, text(prefix_or_tag)] = "*"
    sourcePort: Annotated[str, text(port_range)] = "*"
    destinationPrefix: Annotated[str, text(prefix_or_tag)] = "*"
    destinationPort: Annotated[str, text(port_range)] = "*"


class NetworkSecurityGroup(Part):
    name: Name
    location: Name | None = None
    rules: list[NsgRule] = _many()


class Route(Part):
    name: Name
    prefix: Cidr
    nextHopType: Annotated[str, one_of("VirtualAppliance", "VPNGateway", "Internet", "VNetLocal", "Null")]
    nextHop: Ip | None = None


class RouteTable(Part):
    name: Name
    location: Name | None = None
    routes: list[Route] = _many()


class ReservedIp(Part):
    name: Name
    address: Ip | None = None
    location: Name | None = None
    cloudService: Name | None = None


class StorageAccount(Part):
    name: Name
    location: Name | None = None
    sku: Name = "Standard_LRS"


class Disk(Part):
    name: Name
    mediaLink: Name
    sizeGB: Size | None = None
    blobSizeBytes: Count | None = None
    os: Os | None = None


class Image(Part):
    name: Name
    mediaLink: Name | None = None


class RoleAssignment(Part):
    principal: Name
    role: Name
    scope: Name = "subscription"


class Probe(Part):
    protocol: Annotated[str, one_of("tcp", "http")]
    port: Port
    path: Name | None = None


class AclRule(Part):
    order: Count
    action: Annotated[str, one_of("permit", "deny")]
    remoteSubnet: Cidr
    description: Annotated[str, text()] | None = None


class Endpoint(Part):
    name: Name
    protocol: Annotated[str, one_of("tcp", "udp")] = "tcp"
    port: Port
    localPort: Port | None = None
    loadBalancedSet: Name | None = None
    probe: Probe | None = None
    acl: list[AclRule] = _many()
    internalLoadBalancer: Name | None = None

    @model_validator(mode="after")
    def _local_port_defaults_to_port(self) -> Endpoint:
        if self.localPort is None:
            self.localPort = self.port
        return self


class OsDisk(Part):
    name: Name
    os: Os
    sizeGB: Size
    mediaLink: Name
    blobSizeBytes: Count | None = None


class DataDisk(Part):
    name: Name
    lun: Annotated[int, integer(low=0, high=63)]
    sizeGB: Size
    mediaLink: Name
    blobSizeBytes: Count | None = None


class Extension(Part):
    name: Name
    publisher: Name
    version: Name
    xml: Boolean = False
    status: Name = "Ready"


class PublicIp(Part):
    name: Name


class Nic(Part):
    """A secondary NIC of a role, or an internal load balancer (the same keys)."""

    name: Name
    subnet: Name
    staticIp: Ip | None = None


class BootDiagnostics(Part):
    storageAccount: Name


class Role(Part):
    name: Name
    size: Name = "Small"
    state: Annotated[str, one_of(*ROLE_STATES)] = "Running"
    guestAgent: Annotated[str, one_of("Ready", "NotReady")] = "Ready"
    availabilitySet: Name | None = None
    subnets: list[Name] = _many()
    staticIp: Ip | None = None
    ipForwarding: Boolean = False
    networkSecurityGroup: Name | None = None
    publicIp: PublicIp | None = None
    secondaryNics: list[Nic] = _many()
    endpoints: list[Endpoint] = _many()
    osDisk: OsDisk | None = None
    dataDisks: list[DataDisk] = _many()
    extensions: list[Extension] = _many()
    bootDiagnostics: BootDiagnostics | None = None


class Deployment(Part):
    name: Name
    kind: Annotated[str, one_of("IaaS", "PaaS")] = "IaaS"
    virtualNetwork: Name | None = None
    reservedIp: Name | None = None
    internalDnsSuffix: Name | None = None
    internalLoadBalancers: list[Nic] = _many()
    roles: list[Role] = _many()


class Certificate(Part):
    thumbprint: Name
    algorithm: Name = "sha1"


class CloudService(Part):
    name: Name
    location: Name | None = None
    certificates: list[Certificate] = _many()
    alerts: Count = 0
    autoscale: Count = 0
    deployment: Deployment | None = None


class ArmQuotas(Part):
    """The ARM quotas the subscription has left (each 1000 unless the estate says otherwise)."""

    publicIPAddresses: Count = 1000
    staticPublicIPAddresses: Count = 1000
    loadBalancers: Count = 1000
    networkSecurityGroups: Count = 1000
    routeTables: Count = 1000
    networkInterfaces: Count = 1000
    cores: Count = 1000


class Estate(Part):
    version: Annotated[int, integer(low=1, high=1)]
    subscriptionId: Annotated[str, text(guid)]
    location: Name = "West Europe"
    migrationProviderRegistered: Boolean = True
    armQuotas: ArmQuotas = Field(default_factory=ArmQuotas)
    virtualNetworks: list[VirtualNetwork] = _many()
    localNetworkSites: list[LocalNetworkSite] = _many()
    expressRouteCircuits: list[Circuit] = _many()
    networkSecurityGroups: list[NetworkSecurityGroup] = _many()
    routeTables: list[RouteTable] = _many()
    reservedIps: list[ReservedIp] = _many()
    storageAccounts: list[StorageAccount] = _many()
    disks: list[Disk] = _many()
    images: list[Image] = _many()
    cloudServices: list[CloudService] = _many()
    rbac: list[RoleAssignment] = _many()
