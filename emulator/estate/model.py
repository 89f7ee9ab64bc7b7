"""The estate file's shape (version 1), as the emulator reads it: see docs/estate-format.md."""

from __future__ import annotations

from emulator.estate.schema import (
    Bool,
    Enum,
    Free,
    Int,
    ListOf,
    Map,
    Str,
    cidr,
    guid,
    ip,
    nonempty,
    port_range,
    prefix_or_tag,
)

NAME = Str(nonempty)
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


def _m(**fields: tuple) -> Map:
    return Map(fields=dict(fields))


REQ = True
OPT = False

SUBNET = _m(
    name=(NAME, REQ, None),
    prefix=(Str(cidr), REQ, None),
    networkSecurityGroup=(NAME, OPT, None),
    routeTable=(NAME, OPT, None),
)
CONNECTION = _m(
    localNetworkSite=(NAME, REQ, None),
    type=(Enum(values=("IPsec", "Dedicated")), REQ, None),
    state=(Enum(values=("Connected", "Disconnected")), OPT, "Connected"),
)
GATEWAY = _m(
    kind=(Enum(values=("Vpn", "ExpressRoute")), REQ, None),
    sku=(NAME, OPT, None),
    vip=(Str(ip), OPT, None),
    circuit=(NAME, OPT, None),
    connections=(ListOf(item=CONNECTION), OPT, list),
)
VNET = _m(
    name=(NAME, REQ, None),
    location=(NAME, OPT, None),
    addressSpace=(ListOf(item=Str(cidr)), REQ, None),
    dnsServers=(ListOf(item=_m(name=(NAME, REQ, None), address=(Str(ip), REQ, None))), OPT, list),
    subnets=(ListOf(item=SUBNET), OPT, list),
    gateways=(ListOf(item=GATEWAY), OPT, list),
    peerings=(ListOf(item=_m(remoteVirtualNetwork=(NAME, REQ, None))), OPT, list),
    services=(ListOf(item=NAME), OPT, list),
)
LOCAL_SITE = _m(
    name=(NAME, REQ, None),
    addressSpace=(ListOf(item=Str(cidr)), OPT, list),
    vpnGatewayAddress=(Str(ip), OPT, None),
)
CIRCUIT = _m(name=(NAME, REQ, None), movedToArm=(Bool(), OPT, False))
NSG_RULE = _m(
    name=(NAME, REQ, None),
    priority=(Int(low=100, high=4096), REQ, None),
    direction=(Enum(values=("Inbound", "Outbound")), REQ, None),
    access=(Enum(values=("Allow", "Deny")), REQ, None),
    protocol=(Enum(values=("TCP", "UDP", "*")), REQ, None),
    sourcePrefix=(Str(prefix_or_tag), OPT, "*"),
    sourcePort=(Str(port_range), OPT, "*"),
    destinationPrefix=(Str(prefix_or_tag), OPT, "*"),
    destinationPort=(Str(port_range), OPT, "*"),
)
NSG = _m(name=(NAME, REQ, None), location=(NAME, OPT, None), rules=(ListOf(item=NSG_RULE), OPT, list))
ROUTE = _m(
    name=(NAME, REQ, None),
    prefix=(Str(cidr), REQ, None),
    nextHopType=(Enum(values=("VirtualAppliance", "VPNGateway", "Internet", "VNetLocal", "Null")), REQ, None),
    nextHop=(Str(ip), OPT, None),
)
ROUTE_TABLE = _m(name=(NAME, REQ, None), location=(NAME, OPT, None), routes=(ListOf(item=ROUTE), OPT, list))
RESERVED_IP = _m(
    name=(NAME, REQ, None),
    address=(Str(ip), OPT, None),
    location=(NAME, OPT, None),
    cloudService=(NAME, OPT, None),
)
STORAGE = _m(name=(NAME, REQ, None), location=(NAME, OPT, None), sku=(NAME, OPT, "Standard_LRS"))
DISK = _m(
    name=(NAME, REQ, None),
    mediaLink=(NAME, REQ, None),
    sizeGB=(Int(low=1), OPT, None),
    blobSizeBytes=(Int(low=0), OPT, None),
    os=(Enum(values=("Windows", "Linux")), OPT, None),
)
IMAGE = _m(name=(NAME, REQ, None), mediaLink=(NAME, OPT, None))
RBAC = _m(principal=(NAME, REQ, None), role=(NAME, REQ, None), scope=(NAME, OPT, "subscription"))
PORT = Int(low=1, high=65535)
ENDPOINT = _m(
    name=(NAME, REQ, None),
    protocol=(Enum(values=("tcp", "udp")), OPT, "tcp"),
    port=(PORT, REQ, None),
    localPort=(PORT, OPT, None),
    loadBalancedSet=(NAME, OPT, None),
    probe=(
        _m(
            protocol=(Enum(values=("tcp", "http")), REQ, None),
            port=(PORT, REQ, None),
            path=(NAME, OPT, None),
        ),
        OPT,
        None,
    ),
    acl=(
        ListOf(
            item=_m(
                order=(Int(low=0), REQ, None),
                action=(Enum(values=("permit", "deny")), REQ, None),
                remoteSubnet=(Str(cidr), REQ, None),
                description=(Str(), OPT, None),
            )
        ),
        OPT,
        list,
    ),
    internalLoadBalancer=(NAME, OPT, None),
)
OS_DISK = _m(
    name=(NAME, REQ, None),
    os=(Enum(values=("Windows", "Linux")), REQ, None),
    sizeGB=(Int(low=1), REQ, None),
    mediaLink=(NAME, REQ, None),
    blobSizeBytes=(Int(low=0), OPT, None),
)
DATA_DISK = _m(
    name=(NAME, REQ, None),
    lun=(Int(low=0, high=63), REQ, None),
    sizeGB=(Int(low=1), REQ, None),
    mediaLink=(NAME, REQ, None),
    blobSizeBytes=(Int(low=0), OPT, None),
)
EXTENSION = _m(
    name=(NAME, REQ, None),
    publisher=(NAME, REQ, None),
    version=(NAME, REQ, None),
    xml=(Bool(), OPT, False),
    status=(NAME, OPT, "Ready"),
)
ROLE = _m(
    name=(NAME, REQ, None),
    size=(NAME, OPT, "Small"),
    state=(Enum(values=ROLE_STATES), OPT, "Running"),
    guestAgent=(Enum(values=("Ready", "NotReady")), OPT, "Ready"),
    availabilitySet=(NAME, OPT, None),
    subnets=(ListOf(item=NAME), OPT, list),
    staticIp=(Str(ip), OPT, None),
    ipForwarding=(Bool(), OPT, False),
    networkSecurityGroup=(NAME, OPT, None),
    publicIp=(_m(name=(NAME, REQ, None)), OPT, None),
    secondaryNics=(
        ListOf(item=_m(name=(NAME, REQ, None), subnet=(NAME, REQ, None), staticIp=(Str(ip), OPT, None))),
        OPT,
        list,
    ),
    endpoints=(ListOf(item=ENDPOINT), OPT, list),
    osDisk=(OS_DISK, OPT, None),
    dataDisks=(ListOf(item=DATA_DISK), OPT, list),
    extensions=(ListOf(item=EXTENSION), OPT, list),
    bootDiagnostics=(_m(storageAccount=(NAME, REQ, None)), OPT, None),
)
DEPLOYMENT = _m(
    name=(NAME, REQ, None),
    kind=(Enum(values=("IaaS", "PaaS")), OPT, "IaaS"),
    virtualNetwork=(NAME, OPT, None),
    reservedIp=(NAME, OPT, None),
    internalDnsSuffix=(NAME, OPT, None),
    internalLoadBalancers=(
        ListOf(item=_m(name=(NAME, REQ, None), subnet=(NAME, REQ, None), staticIp=(Str(ip), OPT, None))),
        OPT,
        list,
    ),
    roles=(ListOf(item=ROLE), OPT, list),
)
CLOUD_SERVICE = _m(
    name=(NAME, REQ, None),
    location=(NAME, OPT, None),
    certificates=(
        ListOf(item=_m(thumbprint=(NAME, REQ, None), algorithm=(NAME, OPT, "sha1"))),
        OPT,
        list,
    ),
    alerts=(Int(low=0), OPT, 0),
    autoscale=(Int(low=0), OPT, 0),
    deployment=(DEPLOYMENT, OPT, None),
)
ESTATE = _m(
    version=(Int(low=1, high=1), REQ, None),
    subscriptionId=(Str(guid), REQ, None),
    location=(NAME, OPT, "West Europe"),
    migrationProviderRegistered=(Bool(), OPT, True),
    armQuotas=(Free(keys=QUOTA_KEYS), OPT, lambda: dict.fromkeys(QUOTA_KEYS, 1000)),
    virtualNetworks=(ListOf(item=VNET), OPT, list),
    localNetworkSites=(ListOf(item=LOCAL_SITE), OPT, list),
    expressRouteCircuits=(ListOf(item=CIRCUIT), OPT, list),
    networkSecurityGroups=(ListOf(item=NSG), OPT, list),
    routeTables=(ListOf(item=ROUTE_TABLE), OPT, list),
    reservedIps=(ListOf(item=RESERVED_IP), OPT, list),
    storageAccounts=(ListOf(item=STORAGE), OPT, list),
    disks=(ListOf(item=DISK), OPT, list),
    images=(ListOf(item=IMAGE), OPT, list),
    cloudServices=(ListOf(item=CLOUD_SERVICE), OPT, list),
    rbac=(ListOf(item=RBAC), OPT, list),
)
