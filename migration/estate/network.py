"""Network items of the estate: virtual networks, gateways, sites, circuits, NSGs, route tables,
reserved IPs. Field names are the estate file's keys in snake_case (the file uses camelCase)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from migration.estate._types import (
    AddressPrefix,
    Cidr,
    EstateModel,
    IpAddress,
    Name,
    NamedModel,
    PortRange,
    Resource,
    one_of,
)

GatewayKind = Annotated[str, one_of("Vpn", "ExpressRoute")]
ConnectionType = Annotated[str, one_of("IPsec", "Dedicated")]
ConnectionState = Annotated[str, one_of("Connected", "Disconnected")]
Direction = Annotated[str, one_of("Inbound", "Outbound")]
Access = Annotated[str, one_of("Allow", "Deny")]
NsgProtocol = Annotated[str, one_of("TCP", "UDP", "*")]
NextHopType = Annotated[str, one_of("VirtualAppliance", "VPNGateway", "Internet", "VNetLocal", "Null")]

#: VNet services c2arm knows (the list is open: any string loads).
KNOWN_VNET_SERVICES = (
    "AppServiceEnvironment",
    "HDInsight",
    "ApiManagement",
    "DynamicsLCS",
    "ApplicationGateway",
    "DomainServices",
)


class DnsServer(NamedModel):
    address: IpAddress


class Subnet(NamedModel):
    prefix: Cidr
    network_security_group: Name | None = None
    route_table: Name | None = None


class GatewayConnection(EstateModel):
    local_network_site: Name
    type: ConnectionType
    state: ConnectionState = "Connected"


class Gateway(EstateModel):
    kind: GatewayKind
    sku: str | None = None
    vip: IpAddress | None = None
    circuit: Name | None = None
    connections: list[GatewayConnection] = Field(default_factory=list)


class Peering(EstateModel):
    remote_virtual_network: Name


class VirtualNetwork(Resource):
    address_space: list[Cidr]
    dns_servers: list[DnsServer] = Field(default_factory=list)
    subnets: list[Subnet] = Field(default_factory=list)
    gateways: list[Gateway] = Field(default_factory=list, max_length=2)
    peerings: list[Peering] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)

    def subnet(self, name: str) -> Subnet | None:
        """The subnet called `name` (names are case-sensitive, as in the file), or None."""
        return next((s for s in self.subnets if s.name == name), None)


class LocalNetworkSite(NamedModel):
    address_space: list[Cidr] = Field(default_factory=list)
    vpn_gateway_address: IpAddress | None = None


class ExpressRouteCircuit(NamedModel):
    moved_to_arm: bool = False


class NsgRule(NamedModel):
    priority: int = Field(ge=100, le=4096)
    direction: Direction
    access: Access
    protocol: NsgProtocol
    source_prefix: AddressPrefix
    source_port: PortRange
    destination_prefix: AddressPrefix
    destination_port: PortRange


class NetworkSecurityGroup(Resource):
    rules: list[NsgRule] = Field(default_factory=list)


class Route(NamedModel):
    prefix: Cidr
    next_hop_type: NextHopType
    next_hop: IpAddress | None = None

    @model_validator(mode="after")
    def _next_hop_only_for_appliances(self) -> Route:
        if self.next_hop_type == "VirtualAppliance" and self.next_hop is None:
            raise ValueError("nextHop is required when nextHopType is VirtualAppliance")
        if self.next_hop_type != "VirtualAppliance" and self.next_hop is not None:
            raise ValueError(
                f"nextHop is only allowed when nextHopType is VirtualAppliance, not {self.next_hop_type}"
            )
        return self


class RouteTable(Resource):
    routes: list[Route] = Field(default_factory=list)


class ReservedIp(NamedModel):
    address: IpAddress | None = None
    location: str | None = None
    cloud_service: Name | None = None
