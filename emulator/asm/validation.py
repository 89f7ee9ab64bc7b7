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
from emulator.asm.messages import say
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


def _vm(vm: str, key: str, category: str = "Error", **fields: Any) -> dict[str, str]:
    """A finding about one VM, worded by the catalogue (emulator/asm/messages.py)."""
    return _msg("VirtualMachine", vm, say(key, vm=vm, **fields), vm, category)


def _blocked_extension(ext: dict[str, Any]) -> str | None:
    name, publisher = ext["name"], ext["publisher"]
    if name in BACKUP_EXTENSIONS:
        return "backup"
    if "SiteRecovery" in publisher or "SiteRecovery" in name:
        return "Site Recovery"
    if publisher.startswith("Microsoft.Azure.Security.Monitoring") or "SecurityCenter" in name:
        return "Security Center"
    return None


def _extension_findings(h: str, role: dict[str, Any]) -> list[dict[str, str]]:
    vm, out = role["name"], []
    for ext in role["extensions"]:
        blocked, e = _blocked_extension(ext), ext["name"]
        if blocked == "backup":
            out.append(_vm(vm, "validate.backup-extension", h=h, e=e))
        elif blocked:
            out.append(_vm(vm, "validate.unsupported-extension", h=h, e=e, what=blocked))
        elif ext["xml"]:
            out.append(_vm(vm, "validate.xml-extension", "Warning", h=h, e=e))
        elif ext["status"] != "Ready" and role["state"] == "Running":
            out.append(_vm(vm, "validate.extension-status", h=h, e=e, status=ext["status"]))
    return out


def _network_findings(platform: Platform, cs: dict[str, Any], role: dict[str, Any]) -> list[dict[str, str]]:
    h, vm, vnet = cs["name"], role["name"], cs["deployment"].get("virtualNetwork")
    out = [_vm(vm, "validate.endpoint-acl", h=h, ep=ep["name"]) for ep in role["endpoints"] if ep["acl"]]
    if vnet and len(role["subnets"]) > 1:
        out.append(_vm(vm, "validate.multiple-subnets", h=h, subnets=", ".join(role["subnets"])))
    elif vnet and not role["subnets"]:
        out.append(_vm(vm, "validate.no-subnet", h=h, v=vnet))
    diag = role.get("bootDiagnostics")
    acct = platform.find("storageAccounts", diag["storageAccount"]) if diag else None
    if acct and acct["sku"].lower().startswith("premium"):
        out.append(_vm(vm, "validate.premium-boot-diagnostics", h=h, a=acct["name"]))
    return out


def _disk_findings(platform: Platform, cs: dict[str, Any], role: dict[str, Any]) -> list[dict[str, str]]:
    h, vm, out = cs["name"], role["name"], []
    for kind, disk in role_disks(role):
        logical = disk["sizeGB"] * 2**30 + 512
        blob_size = disk.get("blobSizeBytes")
        if kind == "data" and blob_size is not None and blob_size != logical:
            # Microsoft's errors page: the migration proceeds without the disk's size, so it does
            # not block (a Warning) unless the `blobSizeMismatchBlocks` switch says otherwise.
            category = "Error" if switches.value(platform, "blobSizeMismatchBlocks") else "Warning"
            fields = {"d": cs["deployment"]["name"], "h": h, "disk": disk["name"]}
            out.append(_vm(vm, "validate.blob-size", category, blob=blob_size, logical=logical, **fields))
        path = urlparse(disk["mediaLink"]).path.lstrip("/")
        blob = path.split("/", 1)[1] if "/" in path else path
        if "/" in blob:
            out.append(_vm(vm, "validate.blob-name", h=h, link=disk["mediaLink"], blob=blob))
    return out


def validate_role(platform: Platform, cs: dict[str, Any], role: dict[str, Any]) -> list[dict[str, str]]:
    h, vm = cs["name"], role["name"]
    out: list[dict[str, str]] = []
    if role["state"] not in GOOD_STATES:
        out.append(_vm(vm, "validate.vm-state", h=h, state=role["state"]))
    if role["guestAgent"] == "NotReady" and role["state"] != "StoppedDeallocated":
        out.append(_vm(vm, "validate.agent-not-ready", h=h))
    out += _extension_findings(h, role)
    out += _network_findings(platform, cs, role)
    out += _disk_findings(platform, cs, role)
    return out


def _service_findings(cs: dict[str, Any]) -> list[dict[str, str]]:
    """What concerns the cloud service as a whole: availability sets, reserved IP, NICs, and the
    alerts and autoscale it loses (Warnings)."""
    dep, h = cs["deployment"], cs["name"]
    keys: list[tuple[str, str, dict[str, Any]]] = []
    sets = {r.get("availabilitySet") for r in dep["roles"]}
    if len(sets - {None}) > 1:
        keys.append(("validate.availability-sets", "Error", {}))
    elif None in sets and len(sets) > 1:
        keys.append(("validate.outside-availability-set", "Error", {}))
    public = any(not ep.get("internalLoadBalancer") for r in dep["roles"] for ep in r["endpoints"])
    if dep.get("reservedIp") and not public:
        keys.append(("validate.reserved-ip-no-endpoint", "Error", {"rip": dep["reservedIp"]}))
    if len({bool(r["secondaryNics"]) for r in dep["roles"]}) > 1:
        keys.append(("validate.mixed-nics", "Error", {}))
    if cs["alerts"]:
        keys.append(("validate.alerts", "Warning", {"n": cs["alerts"]}))
    if cs["autoscale"]:
        keys.append(("validate.autoscale", "Warning", {"n": cs["autoscale"]}))
    return [_msg("HostedService", h, say(key, h=h, **fields), category=cat) for key, cat, fields in keys]


def validate_deployment(platform: Platform, cs: dict[str, Any]) -> list[dict[str, str]]:
    dep, h = cs["deployment"], cs["name"]
    if dep["kind"] == "PaaS":
        return [_msg("Deployment", dep["name"], say("validate.paas-deployment", d=dep["name"], h=h))]
    out: list[dict[str, str]] = []
    for role in dep["roles"]:
        out.extend(validate_role(platform, cs, role))
    return out + _service_findings(cs)


def validate_vnet(platform: Platform, vnet: dict[str, Any]) -> list[dict[str, str]]:
    v = vnet["name"]
    texts = [say("validate.peering", v=v)] if vnet["peerings"] else []
    texts += [
        say("validate.vnet-service", v=v, service=svc)
        for svc in vnet["services"]
        if svc in BLOCKING_VNET_SERVICES
    ]
    services = services_in_vnet(platform, v)
    if any(cs["deployment"]["kind"] == "PaaS" for cs in services):
        texts.append(say("validate.vnet-paas", v=v))
    out = [_msg("VirtualNetwork", v, text) for text in texts]
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
            text = say("validate.to-be-migrated", d=dep["name"], h=cs["name"], n=n)
            out.append(_msg("Deployment", dep["name"], text, category="Information"))
    return out


def validate_storage(platform: Platform, acct: dict[str, Any]) -> list[dict[str, str]]:
    """Ordering: a storage account cannot move while a classic VM still uses its disks."""
    a = acct["name"]
    return [
        _msg(
            "StorageAccount",
            a,
            say("validate.storage-disk-in-use", a=a, disk=disk["name"], vm=role["name"], h=cs["name"]),
            role["name"],
        )
        for cs, role in iter_roles(platform)
        for _kind, disk in role_disks(role)
        if storage_account_of(disk["mediaLink"]) == a
    ]


def associated_to(platform: Platform, kind: str, name: str) -> list[str]:
    """Where an NSG / route table / reserved IP is in use (then it is not a unit of its own)."""
    where = []
    est = platform.estate
    if kind == "reservedIp":
        rip = platform.find("reservedIps", name)
        if rip and rip.get("cloudService"):
            where.append(say("validate.associated.service", h=rip["cloudService"]))
    for v in est["virtualNetworks"]:
        for s in v["subnets"]:
            if (kind == "networkSecurityGroup" and s.get("networkSecurityGroup") == name) or (
                kind == "routeTable" and s.get("routeTable") == name
            ):
                where.append(say("validate.associated.subnet", subnet=s["name"], v=v["name"]))
    if kind == "networkSecurityGroup":
        for cs, role in iter_roles(platform):
            if role.get("networkSecurityGroup") == name:
                where.append(say("validate.associated.vm", vm=role["name"], h=cs["name"]))
    return where


# -- prepare-only checks ---------------------------------------------------------------------
def _gateway_problems(platform: Platform, vnet: dict[str, Any]) -> list[str]:
    v = vnet["name"]
    out = []
    if {g["kind"] for g in vnet["gateways"]} == {"Vpn", "ExpressRoute"}:
        out.append(say("prepare.both-gateways", v=v))
    for g in vnet["gateways"]:
        out += [
            say("prepare.disconnected-connection", v=v, site=c["localNetworkSite"])
            for c in g["connections"]
            if c["state"] == "Disconnected"
        ]
        circuit = platform.find("expressRouteCircuits", g["circuit"]) if g.get("circuit") else None
        if circuit and not circuit["movedToArm"]:
            out.append(say("prepare.circuit-not-migrated", v=v, circuit=g["circuit"]))
    return out


def _conflicting_ips(platform: Platform, v: str) -> list[str]:
    out = []
    seen: dict[str, str] = {}
    for cs in services_in_vnet(platform, v):
        for role in cs["deployment"]["roles"]:
            ip = role.get("staticIp")
            if role["state"] != "StoppedDeallocated" or not ip:
                continue
            if ip in seen:
                out.append(say("prepare.conflicting-ips", vm1=seen[ip], vm2=role["name"], v=v, ip=ip))
            seen[ip] = role["name"]
    return out


def _valid_prefix(prefix: str) -> bool:
    try:
        ipaddress.ip_network(prefix, strict=True)
    except ValueError:
        return False
    return True


def prepare_problems_vnet(platform: Platform, vnet: dict[str, Any]) -> list[str]:
    v = vnet["name"]
    out = _gateway_problems(platform, vnet)
    prefixes = list(vnet["addressSpace"]) + [s["prefix"] for s in vnet["subnets"]]
    out += [say("prepare.invalid-prefix", prefix=p, v=v) for p in prefixes if not _valid_prefix(p)]
    out += _conflicting_ips(platform, v)
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
                    say(
                        "prepare.lb-rule-conflict",
                        rule=owner,
                        h=cs["name"],
                        other=used[key],
                        protocol=ep["protocol"],
                        port=ep["port"],
                    )
                )
            used.setdefault(key, owner)
    return out


def prepare_problems_storage(platform: Platform, acct: dict[str, Any]) -> list[str]:
    """Unattached disks and VM images in the account block it (validate does not check disks)."""
    name = acct["name"]
    out = [
        say("prepare.unattached-disk", a=name, disk=d["name"])
        for d in platform.estate["disks"]
        if storage_account_of(d["mediaLink"]) == name
    ]
    out += [
        say("prepare.vm-image", a=name, image=i["name"])
        for i in platform.estate["images"]
        if storage_account_of(i.get("mediaLink")) == name
    ]
    return out
