"""The translation of one cloud service's deployment: VMs, disks, NICs, load balancers, public
IPs, key vault, availability sets, extensions (split from `expected` to keep modules small)."""

from __future__ import annotations

from typing import Any

from migration.arm import model
from migration.arm._build import Builder, add_nsg, add_reserved_ip
from migration.arm.normalise import protocol, vm_size
from migration.estate import CloudService, Deployment, NetworkSecurityGroup, ReservedIp, Role, VirtualNetwork


def cloud_service_resources(b: Builder, service: CloudService, vnet: VirtualNetwork | None) -> None:
    estate = b.idx
    location = estate.location_of(service)
    if service.certificates:
        b.add(model.KEY_VAULT, f"{service.name}-KeyVault", location)
    deployment = service.deployment
    if deployment is None or deployment.kind != "IaaS":
        return
    for role in deployment.roles:
        _role(b, deployment, role, vnet, location)
    for name in dict.fromkeys(r.availability_set for r in deployment.roles if r.availability_set):
        b.add(model.AVAILABILITY_SET, name, location)
    # the VIP: a reserved IP when the deployment has one (it becomes the static public IP and
    # keeps the DNS label), else a new dynamic `<service>-PublicIP`; only with input endpoints
    if deployment.has_input_endpoints:
        if deployment.reserved_ip and (rip := estate.named(ReservedIp, deployment.reserved_ip)):
            vip = rip.name
            add_reserved_ip(b, rip.name, dns_label=service.name)
        else:
            vip = f"{service.name}-PublicIP"
            b.add(
                model.PUBLIC_IP,
                vip,
                location,
                {"publicIPAllocationMethod": "Dynamic", "domainNameLabel": service.name},
            )
        _public_load_balancer(b, service, deployment, location, vip)
    elif deployment.reserved_ip:
        add_reserved_ip(b, deployment.reserved_ip)
    for rip in estate.reserved_ips_of(service.name):
        add_reserved_ip(b, rip.name)
    for ilb in deployment.internal_load_balancers:
        props: dict[str, Any] = {"frontendPublicIPAddresses": []}
        if vnet is not None:
            props["frontendSubnets"] = [f"{vnet.name}/{ilb.subnet}"]
        if ilb.static_ip:
            props["frontendPrivateIPAddresses"] = [ilb.static_ip]
        rules, probes = _rules(deployment, ilb.name)
        props["loadBalancingRules"] = rules
        props["probes"] = probes
        b.add(model.LOAD_BALANCER, ilb.name, location, props)


def _role(
    b: Builder,
    deployment: Deployment,
    role: Role,
    vnet: VirtualNetwork | None,
    location: str,
) -> None:
    estate = b.idx
    primary = f"{role.name}-PrimaryNic"
    nic: dict[str, Any] = {
        "enableIPForwarding": role.ip_forwarding,
        "networkSecurityGroup": role.network_security_group,
        "publicIPAddress": role.public_ip.name if role.public_ip else None,
        "internalDomainNameSuffix": deployment.internal_dns_suffix,
    }
    may_change: tuple[str, ...] = ()
    if vnet is not None:
        nic["subnet"] = f"{vnet.name}/{role.subnets[0]}" if role.subnets else None
        if role.static_ip:
            nic["privateIPAddress"] = role.static_ip
    else:
        # outside a VNet the platform creates the network and the VM gets a new private IP:
        # predicted as unknown (None) so the new value is reported, as a documented change
        nic["subnet"] = None
        nic["privateIPAddress"] = None
        may_change = ("privateIPAddress", "subnet")
    b.add(model.NIC, primary, location, nic, may_change=may_change)
    nics = [primary]
    for secondary in role.secondary_nics:
        props: dict[str, Any] = {"enableIPForwarding": role.ip_forwarding}
        if vnet is not None:
            props["subnet"] = f"{vnet.name}/{secondary.subnet}"
            if secondary.static_ip:
                props["privateIPAddress"] = secondary.static_ip
        b.add(model.NIC, secondary.name, location, props)
        nics.append(secondary.name)
    if role.public_ip:
        b.add(model.PUBLIC_IP, role.public_ip.name, location, {"publicIPAllocationMethod": "Static"})
    if role.network_security_group and (
        nsg := estate.named(NetworkSecurityGroup, role.network_security_group)
    ):
        add_nsg(b, nsg)
    vm: dict[str, Any] = {
        "vmSize": vm_size(role.size),
        "computerName": "",
        "dataDisks": {
            str(d.lun): {"name": d.name, "vhdUri": d.media_link, "diskSizeGB": d.size_gb}
            for d in sorted(role.data_disks, key=lambda d: d.lun)
        },
        "networkInterfaces": sorted(nics),
        "primaryNetworkInterface": primary,
        "availabilitySet": role.availability_set,
        "bootDiagnostics": role.boot_diagnostics.storage_account if role.boot_diagnostics else None,
    }
    if role.os_disk is not None:
        vm["osDisk"] = {
            "name": role.os_disk.name,
            "osType": role.os_disk.os,
            "vhdUri": role.os_disk.media_link,
            "diskSizeGB": role.os_disk.size_gb,
        }
    b.add(model.VIRTUAL_MACHINE, role.name, location, vm)
    for ext in role.extensions:
        if not ext.xml:
            b.add(model.VM_EXTENSION, ext.name, location, {"publisher": ext.publisher}, parent=role.name)


def _rules(deployment: Deployment, ilb: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Load-balancing rules and probes of the endpoint sets on the public LB (`ilb` None) or an ILB."""
    rules: dict[str, Any] = {}
    probes: dict[str, Any] = {}
    for role in deployment.roles:
        for e in role.endpoints:
            if e.internal_load_balancer != ilb or not e.load_balanced_set:
                continue
            probe_name = f"{e.load_balanced_set}-Probe" if e.probe else None
            rules.setdefault(
                e.load_balanced_set,
                {
                    "protocol": protocol(e.protocol),
                    "frontendPort": e.port,
                    "backendPort": e.local_port,
                    "probe": probe_name,
                },
            )
            if e.probe and probe_name:
                probes.setdefault(
                    probe_name,
                    {
                        "protocol": protocol(e.probe.protocol),
                        "port": e.probe.port,
                        "requestPath": e.probe.path,
                    },
                )
    return dict(sorted(rules.items())), dict(sorted(probes.items()))


def _public_load_balancer(
    b: Builder, service: CloudService, deployment: Deployment, location: str, vip: str
) -> None:
    frontends = [vip]
    rules, probes = _rules(deployment, None)
    nat = {
        f"{role.name}-{e.name}": {
            "protocol": protocol(e.protocol),
            "frontendPort": e.port,
            "backendPort": e.local_port,
        }
        for role in deployment.roles
        for e in role.endpoints
        if e.internal_load_balancer is None and not e.load_balanced_set
    }
    b.add(
        model.LOAD_BALANCER,
        f"{service.name}-LB",
        location,
        {
            "frontendPublicIPAddresses": sorted(frontends),
            "loadBalancingRules": rules,
            "probes": probes,
            "inboundNatRules": dict(sorted(nat.items())),
        },
    )
