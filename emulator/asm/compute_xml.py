"""XML for hosted services and deployments (element names and order from the ASM reference)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from emulator.classic import deployment_unit, deployment_vip, role_private_ips, vnet_of
from emulator.state import Platform
from emulator.xmlw import E, L, document

INSTANCE_STATUS = {  # estate role state -> (InstanceStatus, PowerState)
    "Running": ("ReadyRole", "Started"),
    "Stopped": ("StoppedVM", "Stopped"),
    "StoppedDeallocated": ("StoppedDeallocated", "Stopped"),
    "RoleStateUnknown": ("RoleStateUnknown", "Unknown"),
    "ProvisioningTimedOut": ("ProvisioningTimeout", "Unknown"),
}


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def service_url(platform: Platform, base: str, name: str) -> str:
    return f"{base}/{platform.subscription}/services/hostedservices/{name}"


def hosted_service(platform: Platform, base: str, cs: dict[str, Any], detail: bool) -> str:
    props = E(
        "HostedServiceProperties",
        [
            E("Description", ""),
            E("Location", platform.location_of(cs)),
            E("Label", b64(cs["name"])),
            E("Status", "Created"),
            E("DateCreated", "2015-01-01T00:00:00Z"),
            E("DateLastModified", "2015-01-01T00:00:00Z"),
        ],
    )
    parts = [E("Url", service_url(platform, base, cs["name"])), E("ServiceName", cs["name"]), props]
    if detail:
        deps = [E("Deployment", deployment_parts(platform, cs))] if cs.get("deployment") else []
        parts.append(L("Deployments", deps))
    return E("HostedService", parts)


def hosted_services(platform: Platform, base: str) -> str:
    items = [hosted_service(platform, base, cs, False) for cs in platform.estate["cloudServices"]]
    return document("HostedServices", items)


def hosted_service_doc(platform: Platform, base: str, cs: dict[str, Any], detail: bool) -> str:
    inner = hosted_service(platform, base, cs, detail)
    return document("HostedService", [inner[len("<HostedService>") : -len("</HostedService>")]])


def _endpoint(ep: dict[str, Any], vip: str) -> str:
    probe = ep.get("probe")
    probe_xml = (
        E(
            "LoadBalancerProbe",
            [E("Path", probe.get("path")), E("Port", probe["port"]), E("Protocol", probe["protocol"])],
        )
        if probe
        else ""
    )
    acl = (
        E(
            "EndpointAcl",
            [
                L(
                    "Rules",
                    [
                        E(
                            "Rule",
                            [
                                E("Order", r["order"]),
                                E("Action", r["action"]),
                                E("RemoteSubnet", r["remoteSubnet"]),
                                E("Description", r.get("description") or ""),
                            ],
                        )
                        for r in ep["acl"]
                    ],
                )
            ],
        )
        if ep.get("acl")
        else ""
    )
    return E(
        "InputEndpoint",
        [
            E("LoadBalancedEndpointSetName", ep.get("loadBalancedSet")),
            E("LocalPort", ep["localPort"]),
            E("Name", ep["name"]),
            E("Port", ep["port"]),
            probe_xml,
            E("Protocol", ep["protocol"]),
            E("Vip", vip if not ep.get("internalLoadBalancer") else None),
            E("EnableDirectServerReturn", False),
            E("LoadBalancerName", ep.get("internalLoadBalancer")),
            acl,
            E("IdleTimeoutInMinutes", 4),
        ],
    )


def _network_config(role: dict[str, Any], vip: str) -> str:
    nics = [
        E(
            "NetworkInterface",
            [
                E("Name", nic["name"]),
                L(
                    "IPConfigurations",
                    [
                        E(
                            "IPConfiguration",
                            [
                                E("SubnetName", nic["subnet"]),
                                E("StaticVirtualNetworkIPAddress", nic.get("staticIp")),
                            ],
                        )
                    ],
                ),
            ],
        )
        for nic in role["secondaryNics"]
    ]
    return E(
        "ConfigurationSet",
        [
            E("ConfigurationSetType", "NetworkConfiguration"),
            L("InputEndpoints", [_endpoint(ep, vip) for ep in role["endpoints"]]),
            L("SubnetNames", [E("SubnetName", s) for s in role["subnets"]]),
            E("StaticVirtualNetworkIPAddress", role.get("staticIp")),
            L(
                "PublicIPs",
                [E("PublicIP", [E("Name", role["publicIp"]["name"]), E("IdleTimeoutInMinutes", 4)])],
            )
            if role.get("publicIp")
            else "",
            L("NetworkInterfaces", nics) if nics else "",
            E("NetworkSecurityGroup", role.get("networkSecurityGroup")),
            E("IPForwarding", "Enabled" if role["ipForwarding"] else "Disabled"),
        ],
    )


def _role(role: dict[str, Any], vip: str, paas: bool, migration_state: str | None) -> str:
    if paas:
        return E("Role", [E("RoleName", role["name"]), E("OsVersion", ""), E("RoleSize", role["size"])])
    os_disk = role["osDisk"]
    diag = role.get("bootDiagnostics")
    return E(
        "Role",
        [
            E("RoleName", role["name"]),
            E("OsVersion", ""),
            E("RoleType", "PersistentVMRole"),
            L("ConfigurationSets", [_network_config(role, vip)]),
            L(
                "ResourceExtensionReferences",
                [
                    E(
                        "ResourceExtensionReference",
                        [
                            E("ReferenceName", ext["name"]),
                            E("Publisher", ext["publisher"]),
                            E("Name", ext["name"]),
                            E("Version", ext["version"]),
                            E("State", "Enable"),
                            E("ExtensionType", "Xml" if ext["xml"] else "Json"),
                        ],
                    )
                    for ext in role["extensions"]
                ],
            ),
            E("AvailabilitySetName", role.get("availabilitySet")),
            L(
                "DataVirtualHardDisks",
                [
                    E(
                        "DataVirtualHardDisk",
                        [
                            E("HostCaching", "None"),
                            E("DiskName", d["name"]),
                            E("Lun", d["lun"]),
                            E("LogicalDiskSizeInGB", d["sizeGB"]),
                            E("MediaLink", d["mediaLink"]),
                        ],
                    )
                    for d in role["dataDisks"]
                ],
            ),
            E(
                "OSVirtualHardDisk",
                [
                    E("HostCaching", "ReadWrite"),
                    E("DiskName", os_disk["name"]),
                    E("MediaLink", os_disk["mediaLink"]),
                    E("SourceImageName", ""),
                    E("OS", os_disk["os"]),
                    E("LogicalDiskSizeInGB", os_disk["sizeGB"]),
                ],
            ),
            E("RoleSize", role["size"]),
            E(
                "DebugSettings",
                [
                    E("BootDiagnosticsEnabled", bool(diag)),
                    E(
                        "SerialOutputBlobUri",
                        f"https://{diag['storageAccount']}.blob.core.windows.net/bootdiagnostics/{role['name']}.serialconsole.log"
                        if diag
                        else None,
                    ),
                ],
            ),
            E("MigrationState", migration_state),
        ],
    )


def _instance(role: dict[str, Any], ip: str, vip: str, paas: bool) -> str:
    status, power = INSTANCE_STATUS[role["state"]]
    if paas:
        status = "ReadyRole" if role["state"] == "Running" else status
    endpoints = [
        E(
            "InstanceEndpoint",
            [
                E("Name", ep["name"]),
                E("Vip", vip),
                E("PublicPort", ep["port"]),
                E("LocalPort", ep["localPort"]),
                E("Protocol", ep["protocol"]),
            ],
        )
        for ep in role["endpoints"]
        if not ep.get("internalLoadBalancer")
    ]
    ext_status = [
        E(
            "ResourceExtensionStatus",
            [
                E("HandlerName", f"{ext['publisher']}.{ext['name']}"),
                E("Version", ext["version"]),
                E("Status", ext["status"]),
            ],
        )
        for ext in role["extensions"]
    ]
    return E(
        "RoleInstance",
        [
            E("RoleName", role["name"]),
            E("InstanceName", role["name"] if not paas else f"{role['name']}_IN_0"),
            E("InstanceStatus", status),
            E("InstanceSize", role["size"]),
            E("PowerState", power),
            E("IpAddress", ip),
            L("InstanceEndpoints", endpoints),
            E(
                "GuestAgentStatus",
                [
                    E("ProtocolVersion", "1.0"),
                    E("GuestAgentVersion", "2.7.41491.1010"),
                    E("Status", role["guestAgent"]),
                ],
            )
            if not paas
            else "",
            L("ResourceExtensionStatusList", ext_status) if not paas else "",
        ],
    )


def deployment(platform: Platform, cs: dict[str, Any]) -> str:
    """The full `Deployment` document of a cloud service's (production) deployment."""
    return document("Deployment", deployment_parts(platform, cs))


def deployment_parts(platform: Platform, cs: dict[str, Any]) -> list[str]:
    """The children of `Deployment`, in the reference's order."""
    dep = cs["deployment"]
    paas = dep["kind"] == "PaaS"
    vip = deployment_vip(platform, cs)
    ips = role_private_ips(platform, cs)
    state = platform.reported_state(deployment_unit(cs))
    vnet = vnet_of(platform, dep)
    rip = dep.get("reservedIp")
    cfg = b64(f'<ServiceConfiguration serviceName="{cs["name"]}" />')
    ilbs = [
        E(
            "LoadBalancer",
            [
                E("Name", ilb["name"]),
                E(
                    "FrontendIpConfiguration",
                    [
                        E("Type", "Private"),
                        E("SubnetName", ilb["subnet"]),
                        E("StaticVirtualNetworkIPAddress", ilb.get("staticIp")),
                    ],
                ),
            ],
        )
        for ilb in dep["internalLoadBalancers"]
    ]
    body = [
        E("Name", dep["name"]),
        E("DeploymentSlot", "Production"),
        E("PrivateID", hashlib.sha256(cs["name"].encode()).hexdigest()[:32]),
        E("Status", "Running"),
        E("Label", b64(dep["name"])),
        E("Url", f"http://{cs['name']}.cloudapp.net/"),
        E("Configuration", cfg),
        L("RoleInstanceList", [_instance(r, ips[r["name"]], vip, paas) for r in dep["roles"]]),
        L("RoleList", [_role(r, vip, paas, state) for r in dep["roles"]]),
        E("VirtualNetworkName", dep.get("virtualNetwork")),
        E(
            "Dns",
            [
                L(
                    "DnsServers",
                    [
                        E("DnsServer", [E("Name", d["name"]), E("Address", d["address"])])
                        for d in vnet["dnsServers"]
                    ],
                )
            ],
        )
        if vnet and vnet["dnsServers"]
        else "",
        L(
            "VirtualIPs",
            [
                E(
                    "VirtualIP",
                    [
                        E("Address", vip),
                        E("IsDnsProgrammed", True),
                        E("Name", f"{cs['name']}ContractContract"),
                        E("IsReserved", bool(rip)),
                        E("ReservedIPName", rip),
                        E("Type", "Public"),
                    ],
                )
            ],
        ),
        E("ReservedIPName", rip),
        L("LoadBalancers", ilbs) if ilbs else "",
        E("InternalDnsSuffix", dep.get("internalDnsSuffix")),
    ]
    return body
