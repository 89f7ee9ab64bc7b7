"""Hosted services and deployments (the platform's XML) → the core's estate model.

Element names follow the platform's own clients (npm `azure-asm-compute` / `azure-asm-network`)
and the recorded traffic of Azure/azure-xplat-cli (docs/connectors.md). The platform does not
report everything the estate file can say (alerts, autoscale, RBAC, blob sizes): those keep the
model's defaults and are filled from other sources or not at all. Where the XML lacks a value
the model requires (an OS disk's size), the subscription's disk registry supplies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from xml.etree.ElementTree import Element

from connectors.asm.xml_common import boolean, child, children, integer, one_or_list, text
from connectors.asm.xml_model import build, build_each
from migration import estate

# InstanceStatus → the estate's role state. Anything else (Provisioning, BusyRole, StartingVM …)
# is a state in which the platform refuses migration, as RoleStateUnknown is.
_ROLE_STATES = {
    "readyrole": "Running",
    "stoppedvm": "Stopped",
    "stoppeddeallocated": "StoppedDeallocated",
    "rolestateunknown": "RoleStateUnknown",
    "provisioningtimeout": "ProvisioningTimedOut",
}
# Which element feeds which field of a certificate (`build_each`; the algorithm in lower case).
_CERTIFICATE = {"thumbprint": ("Thumbprint",), "algorithm": ("ThumbprintAlgorithm",)}
# Extensions the platform treats as XML extensions (not migrated) when the answer does not say.
_XML_EXTENSIONS = {
    "bginfo": "1.",
    "vsdebuggerremoteagent": "",
    "webdeployforvsdevtest": "",
    "remotedebugging": "",
    "visualstudiodebugger": "",
}


def parse_hosted_services(root: Element) -> list[tuple[str, str | None]]:
    """`(service name, location)` of every hosted service in a `HostedServices` answer."""
    return [
        (text(h, "ServiceName") or "", text(h, "HostedServiceProperties", "Location"))
        for h in one_or_list(root, "HostedService")
    ]


def parse_certificates(root: Element) -> list[estate.Certificate]:
    """A service's certificates (thumbprint and algorithm only; the data is never kept)."""
    return build_each(
        estate.Certificate,
        "certificates",
        root.iter("Certificate"),
        _CERTIFICATE,
        convert={"algorithm": str.lower},
    )


def _is_xml_extension(ext: Element, name: str, version: str) -> bool:
    declared = text(ext, "ExtensionType")
    if declared is not None:
        return declared.lower() == "xml"
    prefix = _XML_EXTENSIONS.get(name.lower())
    return prefix is not None and version.startswith(prefix)


def _extensions(role: Element, statuses: Mapping[str, str], where: str) -> list[estate.Extension]:
    result = []
    for i, ext in enumerate(children(role, "ResourceExtensionReferences", "ResourceExtensionReference")):
        name = text(ext, "Name") or text(ext, "ReferenceName") or ""
        publisher = text(ext, "Publisher") or ""
        version = text(ext, "Version") or ""
        status = statuses.get(f"{publisher}.{name}".lower()) or statuses.get(name.lower()) or "Ready"
        result.append(
            build(
                estate.Extension,
                f"{where}.extensions[{i}]",
                name=name,
                publisher=publisher,
                version=version,
                xml=_is_xml_extension(ext, name, version),
                status=status,
            )
        )
    return result


def _endpoint(ep: Element, where: str) -> estate.Endpoint:
    probe_el = child(ep, "LoadBalancerProbe")
    probe = None
    if probe_el is not None:
        protocol = (text(probe_el, "Protocol") or "tcp").lower()
        probe = build(
            estate.Probe,
            f"{where}.probe",
            protocol=protocol,
            port=integer(probe_el, "Port"),
            path=text(probe_el, "Path") if protocol == "http" else None,
        )
    acl = [
        build(
            estate.AclRule,
            f"{where}.acl[{i}]",
            order=integer(r, "Order"),
            action=(text(r, "Action") or "").lower(),
            remote_subnet=text(r, "RemoteSubnet"),
            description=text(r, "Description"),
        )
        for i, r in enumerate(children(ep, "EndpointAcl", "Rules", "Rule"))
    ]
    return build(
        estate.Endpoint,
        where,
        name=text(ep, "Name"),
        protocol=(text(ep, "Protocol") or "").lower(),
        port=integer(ep, "Port"),
        local_port=integer(ep, "LocalPort"),
        load_balanced_set=text(ep, "LoadBalancedEndpointSetName"),
        probe=probe,
        acl=acl,
        internal_load_balancer=text(ep, "LoadBalancerName"),
    )


def _network(role: Element, where: str) -> dict[str, object]:
    """The role's NetworkConfiguration set as model fields."""
    sets = children(role, "ConfigurationSets", "ConfigurationSet")
    net = next((s for s in sets if text(s, "ConfigurationSetType") == "NetworkConfiguration"), None)
    if net is None:
        return {}
    public = child(net, "PublicIPs", "PublicIP")
    nics = []
    for i, nic in enumerate(children(net, "NetworkInterfaces", "NetworkInterface")):
        ipcfg = child(nic, "IPConfigurations", "IPConfiguration")
        nics.append(
            build(
                estate.SecondaryNic,
                f"{where}.secondaryNics[{i}]",
                name=text(nic, "Name"),
                subnet=text(ipcfg, "SubnetName"),
                static_ip=text(ipcfg, "StaticVirtualNetworkIPAddress"),
            )
        )
    return {
        "endpoints": [
            _endpoint(e, f"{where}.endpoints[{i}]")
            for i, e in enumerate(children(net, "InputEndpoints", "InputEndpoint"))
        ],
        "subnets": [
            s.text.strip() for s in children(net, "SubnetNames", "SubnetName") if s.text and s.text.strip()
        ],
        "static_ip": text(net, "StaticVirtualNetworkIPAddress"),
        "ip_forwarding": (text(net, "IPForwarding") or "").lower() == "enabled",
        "network_security_group": text(net, "NetworkSecurityGroup"),
        "public_ip": build(estate.PublicIp, f"{where}.publicIp", name=text(public, "Name"))
        if text(public, "Name")
        else None,
        "secondary_nics": nics,
    }


def _disk_size(disk: Element, sizes: Mapping[str, int]) -> int | None:
    return integer(disk, "LogicalDiskSizeInGB") or sizes.get(text(disk, "DiskName") or "")


def _role(role: Element, instance: Element | None, sizes: Mapping[str, int], where: str) -> estate.Role:
    fields: dict[str, object] = {"name": text(role, "RoleName"), "size": text(role, "RoleSize") or "Small"}
    if instance is not None:
        status = (text(instance, "InstanceStatus") or "").lower()
        fields["state"] = _ROLE_STATES.get(status, "RoleStateUnknown")
        agent = text(instance, "GuestAgentStatus", "Status")
        if agent is not None:
            fields["guest_agent"] = "Ready" if agent.lower() == "ready" else "NotReady"
    statuses = {}
    for s in children(instance, "ResourceExtensionStatusList", "ResourceExtensionStatus"):
        handler = (text(s, "HandlerName") or "").lower()
        statuses[handler] = text(s, "Status") or "Ready"
        statuses.setdefault(handler.rsplit(".", 1)[-1], statuses[handler])
    fields.update(_network(role, where))
    fields["availability_set"] = text(role, "AvailabilitySetName")
    fields["extensions"] = _extensions(role, statuses, where)
    os_el = child(role, "OSVirtualHardDisk")
    if os_el is not None:
        fields["os_disk"] = build(
            estate.OsDisk,
            f"{where}.osDisk",
            name=text(os_el, "DiskName"),
            os=text(os_el, "OS"),
            size_gb=_disk_size(os_el, sizes),
            media_link=text(os_el, "MediaLink"),
        )
    fields["data_disks"] = [
        build(
            estate.DataDisk,
            f"{where}.dataDisks[{i}]",
            name=text(d, "DiskName"),
            lun=integer(d, "Lun") or 0,
            size_gb=_disk_size(d, sizes),
            media_link=text(d, "MediaLink"),
        )
        for i, d in enumerate(children(role, "DataVirtualHardDisks", "DataVirtualHardDisk"))
    ]
    if boolean(role, "DebugSettings", "BootDiagnosticsEnabled"):
        uri = text(role, "DebugSettings", "SerialOutputBlobUri") or text(
            role, "DebugSettings", "ConsoleScreenshotBlobUri"
        )
        account = estate.media_link_account(uri) if uri else None
        if account:
            fields["boot_diagnostics"] = build(
                estate.BootDiagnostics, f"{where}.bootDiagnostics", storage_account=account
            )
    return build(estate.Role, where, **fields)


def parse_deployment(
    root: Element, disk_sizes: Mapping[str, int] | None = None, where: str = "deployment"
) -> estate.Deployment:
    """A `Deployment` answer as the estate's deployment (roles, endpoints, disks, extensions)."""
    sizes = disk_sizes or {}
    instances = {text(i, "RoleName"): i for i in children(root, "RoleInstanceList", "RoleInstance")}
    role_els = list(children(root, "RoleList", "Role"))
    paas = any((text(r, "RoleType") or "") != "PersistentVMRole" for r in role_els)
    roles = [
        _role(r, instances.get(text(r, "RoleName")), sizes, f"{where}.roles[{i}]")
        for i, r in enumerate(role_els)
    ]
    ilbs = [
        build(
            estate.InternalLoadBalancer,
            f"{where}.internalLoadBalancers[{i}]",
            name=text(lb, "Name"),
            subnet=text(lb, "FrontendIpConfiguration", "SubnetName"),
            static_ip=text(lb, "FrontendIpConfiguration", "StaticVirtualNetworkIPAddress"),
        )
        for i, lb in enumerate(children(root, "LoadBalancers", "LoadBalancer"))
        if (text(lb, "FrontendIpConfiguration", "Type") or "Private").lower() == "private"
    ]
    reserved = text(root, "ReservedIPName") or next(
        (
            text(v, "ReservedIPName")
            for v in children(root, "VirtualIPs", "VirtualIP")
            if text(v, "ReservedIPName")
        ),
        None,
    )
    return build(
        estate.Deployment,
        where,
        name=text(root, "Name"),
        kind="PaaS" if paas else "IaaS",
        virtual_network=text(root, "VirtualNetworkName"),
        reserved_ip=reserved,
        internal_dns_suffix=text(root, "InternalDnsSuffix"),
        internal_load_balancers=ilbs,
        roles=roles,
    )


def parse_cloud_service(
    name: str,
    location: str | None,
    deployment: Element | None,
    certificates: Element | None = None,
    disk_sizes: Mapping[str, int] | None = None,
    where: str = "cloudServices[0]",
) -> estate.CloudService:
    """A cloud service from its deployment answer (None = no deployment) and certificates."""
    dep = parse_deployment(deployment, disk_sizes, f"{where}.deployment") if deployment is not None else None
    certs = parse_certificates(certificates) if certificates is not None else []
    return build(estate.CloudService, where, name=name, location=location, certificates=certs, deployment=dep)
