"""What the platform's validate reports, and the checks only prepare makes (and fails on).

On Azure, validate reports unsupported features and configurations but not the prepare-only
checks listed in the reference (both gateway kinds, disconnected connections, circuits not in
ARM, quotas, invalid LB rules, conflicting IPs, invalid prefixes): those make prepare fail.
The emulator does the same, so c2arm's own prechecks are what catch them early.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlparse

from emulator import switches
from emulator.classic import iter_roles, role_disks, services_in_vnet, storage_account_of
from emulator.state import Platform

GOOD_STATES = ("Running", "Stopped", "StoppedDeallocated")
BLOCKING_VNET_SERVICES = (
    "AppServiceEnvironment",
    "HDInsight",
    "DynamicsLCS",
    "ApiManagement",
    "ApplicationGateway",
)
BACKUP_EXTENSIONS = ("VMSnapshot", "VMSnapshotLinux")


def _msg(rtype: str, rname: str, message: str, vm: str = "", category: str = "Error") -> dict[str, str]:
    return {
        "resourceType": rtype,
        "resourceName": rname,
        "category": category,
        "message": message,
        "virtualMachine": vm,
    }


def _blocked_extension(ext: dict[str, Any]) -> str | None:
    name, publisher = ext["name"], ext["publisher"]
    if name in BACKUP_EXTENSIONS:
        return "backup"
    if "SiteRecovery" in publisher or "SiteRecovery" in name:
        return "Site Recovery"
    if publisher.startswith("Microsoft.Azure.Security.Monitoring") or "SecurityCenter" in name:
        return "Security Center"
    return None


def validate_role(platform: Platform, cs: dict[str, Any], role: dict[str, Any]) -> list[dict[str, str]]:
    h, vm = cs["name"], role["name"]
    out: list[dict[str, str]] = []
    dep = cs["deployment"]
    if role["state"] not in GOOD_STATES:
        out.append(
            _msg(
                "VirtualMachine",
                vm,
                f"Migration isn't allowed for HostedService {h} because it has VM {vm} in State: {role['state']}. "  # noqa: E501
                "Migration is allowed only when the VM is in one of the following states - Running, Stopped, "
                "Stopped Deallocated.",
                vm,
            )
        )
    if role["guestAgent"] == "NotReady" and role["state"] != "StoppedDeallocated":
        out.append(
            _msg(
                "VirtualMachine",
                vm,
                f"VM {vm} in HostedService {h} is reporting the VM Agent status as Not Ready. Hence, the VM "
                "cannot be migrated. Ensure that the VM Agent is reporting the overall agent status as Ready.",  # noqa: E501
                vm,
            )
        )
    for ext in role["extensions"]:
        blocked = _blocked_extension(ext)
        if blocked == "backup":
            out.append(
                _msg(
                    "VirtualMachine",
                    vm,
                    f"VM {vm} in HostedService {h} contains Extension {ext['name']}, which is currently not supported for Migration. Uninstall it from the VM and add it back using Resource Manager after the Migration is Complete.",  # noqa: E501
                    vm,
                )
            )
        elif blocked:
            out.append(
                _msg(
                    "VirtualMachine",
                    vm,
                    f"VM {vm} in HostedService {h} contains Extension {ext['name']} ({blocked}) which isn't supported in Azure Resource Manager. It is recommended to uninstall it from the VM before continuing with migration.",  # noqa: E501
                    vm,
                )
            )
        elif ext["xml"]:
            out.append(
                _msg(
                    "VirtualMachine",
                    vm,
                    f"VM {vm} in HostedService {h} contains Extension {ext['name']} which isn't supported in Azure Resource Manager (XML extension). It will be dropped by the migration; add it back in Resource Manager afterwards.",  # noqa: E501
                    vm,
                    "Warning",
                )
            )
        elif ext["status"] != "Ready" and role["state"] == "Running":
            out.append(
                _msg(
                    "VirtualMachine",
                    vm,
                    f"VM {vm} in HostedService {h} contains Extension {ext['name']} reporting Handler Status: {ext['status']}. Hence, the VM cannot be migrated. Ensure that the Extension handler status being reported is Ready or uninstall it from the VM and retry migration.",  # noqa: E501
                    vm,
                )
            )
    for ep in role["endpoints"]:
        if ep["acl"]:
            out.append(
                _msg(
                    "VirtualMachine",
                    vm,
                    f"VM {vm} in HostedService {h} has Endpoint {ep['name']} with an Endpoint ACL, which isn't supported for Migration. Remove the Endpoint ACLs and retry migration.",  # noqa: E501
                    vm,
                )
            )
    if dep.get("virtualNetwork"):
        if len(role["subnets"]) > 1:
            out.append(
                _msg(
                    "VirtualMachine",
                    vm,
                    f"VM {vm} in HostedService {h} has multiple subnets ({', '.join(role['subnets'])}), which isn't supported for Migration.",  # noqa: E501
                    vm,
                )
            )
        elif not role["subnets"]:
            out.append(
                _msg(
                    "VirtualMachine",
                    vm,
                    f"VM {vm} in HostedService {h} is in Virtual Network {dep['virtualNetwork']} but doesn't have an explicit subnet, which isn't supported for Migration.",  # noqa: E501
                    vm,
                )
            )
    diag = role.get("bootDiagnostics")
    if diag:
        acct = platform.find("storageAccounts", diag["storageAccount"])
        if acct and acct["sku"].lower().startswith("premium"):
            out.append(
                _msg(
                    "VirtualMachine",
                    vm,
                    f"VM {vm} in HostedService {h} has Boot Diagnostics with Premium Storage account {acct['name']}, which isn't supported for Migration. Disable Boot Diagnostics and retry.",  # noqa: E501
                    vm,
                )
            )
    for kind, disk in role_disks(role):
        logical = disk["sizeGB"] * 2**30 + 512
        if kind == "data" and disk.get("blobSizeBytes") is not None and disk["blobSizeBytes"] != logical:
            # Microsoft's errors page: the migration proceeds without the disk's size, so it does
            # not block (a Warning) unless the `blobSizeMismatchBlocks` switch says otherwise.
            blocks = switches.value(platform, "blobSizeMismatchBlocks")
            out.append(
                _msg(
                    "VirtualMachine",
                    vm,
                    f"Deployment {dep['name']} in HostedService {h} contains a VM {vm} with Data Disk {disk['name']} whose physical blob size {disk['blobSizeBytes']} bytes doesn't match the VM Data Disk logical size {logical} bytes. Migration will proceed without specifying a size for the data disk for the Azure Resource Manager VM.",  # noqa: E501
                    vm,
                    "Error" if blocks else "Warning",
                )
            )
        path = urlparse(disk["mediaLink"]).path.lstrip("/")
        blob = path.split("/", 1)[1] if "/" in path else path
        if "/" in blob:
            out.append(
                _msg(
                    "VirtualMachine",
                    vm,
                    f"VM {vm} in HostedService {h} contains Disk with MediaLink {disk['mediaLink']} which has blob name {blob} that isn't supported in Azure Resource Manager.",  # noqa: E501
                    vm,
                )
            )
    return out


def validate_deployment(platform: Platform, cs: dict[str, Any]) -> list[dict[str, str]]:
    dep, h = cs["deployment"], cs["name"]
    if dep["kind"] == "PaaS":
        return [
            _msg(
                "Deployment",
                dep["name"],
                f"Migration isn't supported for Deployment {dep['name']} in HostedService {h} because it's a PaaS deployment (Web/Worker).",  # noqa: E501
            )
        ]
    out: list[dict[str, str]] = []
    for role in dep["roles"]:
        out.extend(validate_role(platform, cs, role))
    sets = {r.get("availabilitySet") for r in dep["roles"]}
    if len(sets - {None}) > 1:
        out.append(
            _msg(
                "HostedService",
                h,
                f"Migration isn't supported for HostedService {h} because it has multiple Availabilities Sets.",  # noqa: E501
            )
        )
    elif None in sets and len(sets) > 1:
        out.append(
            _msg(
                "HostedService",
                h,
                f"Migration isn't supported for HostedService {h} because it has VMs that are not part of the Availability Set even though the HostedService contains one.",  # noqa: E501
            )
        )
    if dep.get("reservedIp") and not any(
        not ep.get("internalLoadBalancer") for r in dep["roles"] for ep in r["endpoints"]
    ):
        out.append(
            _msg(
                "HostedService",
                h,
                f"Migration isn't supported for HostedService {h} because its Reserved IP {dep['reservedIp']} has no input endpoint.",  # noqa: E501
            )
        )
    nic_counts = {bool(r["secondaryNics"]) for r in dep["roles"]}
    if len(nic_counts) > 1:
        out.append(
            _msg(
                "HostedService",
                h,
                f"Migration isn't supported for HostedService {h} because it has both single-NIC and multi-NIC VMs.",  # noqa: E501
            )
        )
    if cs["alerts"]:
        out.append(
            _msg(
                "HostedService",
                h,
                f"HostedService {h} has {cs['alerts']} alert rule(s); alerts are not migrated and will be dropped.",  # noqa: E501
                category="Warning",
            )
        )
    if cs["autoscale"]:
        out.append(
            _msg(
                "HostedService",
                h,
                f"HostedService {h} has {cs['autoscale']} autoscale polic(ies); autoscale is not migrated and will be dropped.",  # noqa: E501
                category="Warning",
            )
        )
    return out


def validate_vnet(platform: Platform, vnet: dict[str, Any]) -> list[dict[str, str]]:
    v = vnet["name"]
    out: list[dict[str, str]] = []
    if vnet["peerings"]:
        out.append(
            _msg(
                "VirtualNetwork",
                v,
                f"Migration isn't supported for Virtual Network {v} because it uses Virtual Network peering.",
            )
        )
    for svc in vnet["services"]:
        if svc in BLOCKING_VNET_SERVICES:
            out.append(
                _msg(
                    "VirtualNetwork",
                    v,
                    f"Migration isn't supported for Virtual Network {v} because it contains {svc}.",
                )
            )
    services = services_in_vnet(platform, v)
    if any(cs["deployment"]["kind"] == "PaaS" for cs in services):
        out.append(
            _msg(
                "VirtualNetwork",
                v,
                f"Migration isn't supported for Virtual Network {v} because it has non-gateway PaaS deployments.",  # noqa: E501
            )
        )
    for cs in services:
        out.extend(validate_deployment(platform, cs))
    return out


def to_be_migrated(platform: Platform, kind: str, item: dict[str, Any]) -> list[dict[str, str]]:
    """`Information` messages listing the deployments a passing validate will migrate.

    PowerShell's `MigrationValidateContext` answers a validate without `Error` messages with
    "Validation Passed. Please see ValidationMessages object for a list of resources that will be
    migrated", so a passing validate may carry messages of category `Information`. Their wording
    is not recorded anywhere public (a named assumption, docs/fidelity.md); recorded passing
    validates of an empty VNet, an NSG, a reserved IP and a route table are empty, and so are
    those here (only deployments are listed).
    """
    if kind == "virtualNetwork":
        services = services_in_vnet(platform, item["name"])
    elif kind == "cloudService":
        services = [item]
    else:
        return []
    out = []
    for cs in services:
        dep = cs.get("deployment") or {}
        if dep:  # one per deployment, not per VM: a big VNet's findings stay few
            n = len(dep.get("roles", []))
            text = f"Deployment {dep['name']} in HostedService {cs['name']} will be migrated ({n} role(s))."
            out.append(_msg("Deployment", dep["name"], text, category="Information"))
    return out


def validate_storage(platform: Platform, acct: dict[str, Any]) -> list[dict[str, str]]:
    """Ordering: a storage account cannot move while a classic VM still uses its disks."""
    out = []
    for cs, role in iter_roles(platform):
        for _kind, disk in role_disks(role):
            if storage_account_of(disk["mediaLink"]) == acct["name"]:
                out.append(
                    _msg(
                        "StorageAccount",
                        acct["name"],
                        f"Storage account {acct['name']} has Disk {disk['name']} attached to VM {role['name']} in HostedService {cs['name']}, which hasn't been migrated. Migrate the VM first.",  # noqa: E501
                        role["name"],
                    )
                )
    return out


def associated_to(platform: Platform, kind: str, name: str) -> list[str]:
    """Where an NSG / route table / reserved IP is in use (then it is not a unit of its own)."""
    where = []
    est = platform.estate
    if kind == "reservedIp":
        rip = platform.find("reservedIps", name)
        if rip and rip.get("cloudService"):
            where.append(f"HostedService {rip['cloudService']}")
    for v in est["virtualNetworks"]:
        for s in v["subnets"]:
            if (kind == "networkSecurityGroup" and s.get("networkSecurityGroup") == name) or (
                kind == "routeTable" and s.get("routeTable") == name
            ):
                where.append(f"subnet {s['name']} of Virtual Network {v['name']}")
    if kind == "networkSecurityGroup":
        for cs, role in iter_roles(platform):
            if role.get("networkSecurityGroup") == name:
                where.append(f"VM {role['name']} in HostedService {cs['name']}")
    return where


# -- prepare-only checks ---------------------------------------------------------------------
def prepare_problems_vnet(platform: Platform, vnet: dict[str, Any]) -> list[str]:
    v = vnet["name"]
    out: list[str] = []
    kinds = {g["kind"] for g in vnet["gateways"]}
    if kinds == {"Vpn", "ExpressRoute"}:
        out.append(
            f"Migration isn't supported for Virtual Network {v} because it has both an ExpressRoute gateway and a VPN gateway."  # noqa: E501
        )
    for g in vnet["gateways"]:
        for c in g["connections"]:
            if c["state"] == "Disconnected":
                out.append(
                    f"Migration isn't supported for Virtual Network {v} because its gateway connection to Local Network Site {c['localNetworkSite']} is in a Disconnected state."  # noqa: E501
                )
        if g.get("circuit"):
            circuit = platform.find("expressRouteCircuits", g["circuit"])
            if circuit and not circuit["movedToArm"]:
                out.append(
                    f"Migration isn't supported for Virtual Network {v} because its ExpressRoute circuit {g['circuit']} hasn't been migrated to Azure Resource Manager. Migrate the circuit first."  # noqa: E501
                )
    for prefix in list(vnet["addressSpace"]) + [s["prefix"] for s in vnet["subnets"]]:
        try:
            ipaddress.ip_network(prefix, strict=True)
        except ValueError:
            out.append(
                f"Address prefix {prefix} of Virtual Network {v} isn't valid in Azure Resource Manager."
            )
    seen: dict[str, str] = {}
    for cs in services_in_vnet(platform, v):
        for role in cs["deployment"]["roles"]:
            if role["state"] == "StoppedDeallocated" and role.get("staticIp"):
                other = seen.get(role["staticIp"])
                if other:
                    out.append(
                        f"VMs {other} and {role['name']} in Virtual Network {v} are Stopped Deallocated with the same private IP {role['staticIp']}."  # noqa: E501
                    )
                seen[role["staticIp"]] = role["name"]
    for cs in services_in_vnet(platform, v):
        out.extend(prepare_problems_deployment(cs))
    return out


def prepare_problems_deployment(cs: dict[str, Any]) -> list[str]:
    """Load-balancer rules that cannot be expressed in ARM: one public port used twice."""
    used: dict[tuple[str, int], str] = {}
    out = []
    for role in cs["deployment"]["roles"]:
        for ep in role["endpoints"]:
            if ep.get("internalLoadBalancer"):
                continue
            key = (ep["protocol"], ep["port"])
            owner = ep.get("loadBalancedSet") or f"{role['name']}-{ep['name']}"
            if key in used and used[key] != owner:
                out.append(
                    f"Load balancer rule {owner} of HostedService {cs['name']} conflicts with {used[key]} on {ep['protocol']} port {ep['port']}."  # noqa: E501
                )
            used.setdefault(key, owner)
    return out


def prepare_problems_storage(platform: Platform, acct: dict[str, Any]) -> list[str]:
    """Unattached disks and VM images in the account block it (validate does not check disks)."""
    name = acct["name"]
    out = [
        f"Storage account {name} has unattached Disk {d['name']}, which isn't supported in Azure Resource Manager. Delete the disk before migrating the storage account."  # noqa: E501
        for d in platform.estate["disks"]
        if storage_account_of(d["mediaLink"]) == name
    ]
    out += [
        f"Storage account {name} has VM Image {i['name']}, which isn't supported in Azure Resource Manager. Delete the image before migrating the storage account."  # noqa: E501
        for i in platform.estate["images"]
        if storage_account_of(i.get("mediaLink")) == name
    ]
    return out
