"""Management-plane writes: enough of them to show the migration lock (and do what they say).

While a unit is Preparing/Prepared/Committing/Aborting every write to it gets 409 with the
platform's message; reads keep working.
"""

from __future__ import annotations

from typing import Any

from emulator import ops
from emulator.asm.errors import AsmError, bad_request, conflict, not_found
from emulator.asm.messages import say
from emulator.asm.requests import NETWORK_NS, child_text, children, local, parse_xml
from emulator.classic import LOCKED_STATES, deployment_unit
from emulator.records import Operation
from emulator.state import Platform


def find_deployment(
    platform: Platform, service: str, deployment: str | None, slot: str | None = None
) -> dict[str, Any]:
    cs = platform.find_ci("cloudServices", service)
    if cs is None:
        raise not_found(say("notfound.hosted-service"))
    dep = cs.get("deployment")
    if dep is None or (deployment is not None and dep["name"].lower() != deployment.lower()):
        raise not_found(say("notfound.deployment"))
    if slot is not None and slot.lower() != "production":
        raise not_found(say("notfound.slot", slot=slot))
    return cs


def _role(cs: dict[str, Any], name: str) -> dict[str, Any]:
    roles: list[dict[str, Any]] = cs["deployment"]["roles"]
    for role in roles:
        if role["name"].lower() == name.lower():
            return role
    raise not_found(say("notfound.role", role=name))


def _vm_role(cs: dict[str, Any], name: str) -> dict[str, Any]:
    """A role that is a virtual machine: the VM operations do not apply to web/worker roles
    (they have no disks to attach, no VM size to update; the emulator's wording)."""
    role = _role(cs, name)
    if cs["deployment"]["kind"] == "PaaS":
        raise bad_request(say("write.not-a-vm", role=role["name"], d=cs["deployment"]["name"]))
    return role


def _check_service_lock(platform: Platform, cs: dict[str, Any], vm_operation: bool = False) -> None:
    unit = deployment_unit(cs)
    if platform.unit_state(unit) in LOCKED_STATES:
        if vm_operation:
            raise conflict(say("lock.vm"))
        raise conflict(say("lock.migrating", what="HostedService", name=cs["name"]))


def _unlocked_vm(
    platform: Platform, service: str, deployment: str, name: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The deployment and its VM role `name`, for a VM operation: refused (409) while the
    deployment's unit is in a migration state that locks it."""
    cs = find_deployment(platform, service, deployment)
    role = _vm_role(cs, name)
    _check_service_lock(platform, cs, vm_operation=True)
    return cs, role


def _write_op(platform: Platform, kind: str, unit: str | None) -> Operation:
    return ops.start(platform, kind, unit=None, duration_key="write", data={"target": unit})


def add_data_disk(
    platform: Platform, service: str, deployment: str, role_name: str, body: bytes
) -> Operation:
    cs, role = _unlocked_vm(platform, service, deployment, role_name)
    element = parse_xml(body, "DataVirtualHardDisk")
    media, lun, size = (
        child_text(element, "MediaLink"),
        child_text(element, "Lun"),
        child_text(element, "LogicalDiskSizeInGB"),
    )
    if not media:
        raise bad_request(say("write.media-link"))
    try:
        lun_n, size_n = int(lun or "0"), int(size or "0")
    except ValueError as exc:
        raise bad_request(say("write.lun-integers")) from exc
    if not 0 <= lun_n <= 63 or size_n < 1:
        raise bad_request(say("write.lun-range"))
    if any(d["lun"] == lun_n for d in role["dataDisks"]):
        raise conflict(say("write.lun-taken", lun=lun_n, role=role["name"]))
    name = child_text(element, "DiskName") or f"{cs['name']}-{role['name']}-{lun_n}"
    role["dataDisks"].append(
        {"name": name, "lun": lun_n, "sizeGB": size_n, "mediaLink": media, "blobSizeBytes": None}
    )
    return _write_op(platform, "addDataDisk", deployment_unit(cs))


def update_role(platform: Platform, service: str, deployment: str, role_name: str, body: bytes) -> Operation:
    cs, role = _unlocked_vm(platform, service, deployment, role_name)
    element = parse_xml(body, "PersistentVMRole")
    size = child_text(element, "RoleSize")
    if size:
        role["size"] = size
    avset = child_text(element, "AvailabilitySetName")
    if avset is not None:
        role["availabilitySet"] = avset or None
    return _write_op(platform, "updateRole", deployment_unit(cs))


def role_operation(
    platform: Platform, service: str, deployment: str, instance: str, body: bytes
) -> Operation:
    cs, role = _unlocked_vm(platform, service, deployment, instance)
    element = None
    for root in ("StartRoleOperation", "ShutdownRoleOperation", "RestartRoleOperation"):
        try:
            element = parse_xml(body, root)
            break
        except AsmError as exc:
            if "Expected root element" not in exc.message:
                raise
    if element is None:
        raise bad_request(say("write.role-operation"))
    kind = local(element.tag)
    if kind == "ShutdownRoleOperation":
        post = child_text(element, "PostShutdownAction") or "Stopped"
        if post not in ("Stopped", "StoppedDeallocated"):
            raise bad_request(say("write.post-shutdown", post=post))
        role["state"] = post
    else:
        role["state"] = "Running"
    return _write_op(platform, kind, deployment_unit(cs))


def delete_deployment(platform: Platform, service: str, deployment: str) -> Operation:
    cs = find_deployment(platform, service, deployment)
    _check_service_lock(platform, cs)
    cs["deployment"] = None
    for rip in platform.estate["reservedIps"]:
        if rip.get("cloudService") == cs["name"]:
            rip["cloudService"] = None
    return _write_op(platform, "deleteDeployment", None)


def update_storage(platform: Platform, account: str, body: bytes) -> Operation:
    acct = platform.find_ci("storageAccounts", account)
    if acct is None:
        raise not_found(say("notfound.storage"))
    if platform.unit_state(f"storageAccount/{acct['name']}") in LOCKED_STATES:
        raise conflict(say("lock.migrating", what="Storage account", name=acct["name"]))
    element = parse_xml(body, "UpdateStorageServiceInput")
    account_type = child_text(element, "AccountType")
    if account_type:
        acct["sku"] = account_type
    return _write_op(platform, "updateStorage", None)


def delete_network_item(platform: Platform, kind: str, collection: str, name: str, label: str) -> Operation:
    item = platform.find_ci(collection, name)
    if item is None:
        raise not_found(say("missing.item", what=label.lower(), name=name))
    if platform.unit_state(f"{kind}/{item['name']}") in LOCKED_STATES:
        raise conflict(say("lock.migrating", what=label, name=item["name"]))
    platform.estate[collection] = [x for x in platform.estate[collection] if x is not item]
    return _write_op(platform, f"delete:{kind}", None)


def set_network_configuration(platform: Platform, body: bytes) -> Operation:
    """Apply address spaces, subnets and DNS of the VNets in the document (new VNets are added;
    VNets left out are kept). Refused while any VNet is being migrated."""
    element = parse_xml(body, "NetworkConfiguration", NETWORK_NS)
    busy = [
        u for u, r in platform.units.items() if u.startswith("virtualNetwork/") and r.state in LOCKED_STATES
    ]
    if busy:
        raise conflict(say("lock.migrating", what="Virtual Network", name=busy[0].split("/", 1)[1]))
    vnc = next((c for c in element if local(c.tag) == "VirtualNetworkConfiguration"), None)
    sites = next((c for c in (vnc if vnc is not None else []) if local(c.tag) == "VirtualNetworkSites"), None)
    updates = []
    for site in children(sites, "VirtualNetworkSite") if sites is not None else []:
        name = site.get("name")
        if not name:
            raise bad_request(say("write.site-name"))
        space = next((c for c in site if local(c.tag) == "AddressSpace"), None)
        prefixes = (
            [(p.text or "").strip() for p in children(space, "AddressPrefix")] if space is not None else []
        )
        subnets_el = next((c for c in site if local(c.tag) == "Subnets"), None)
        subnets = []
        for sub in children(subnets_el, "Subnet") if subnets_el is not None else []:
            prefix = child_text(sub, "AddressPrefix")
            if not sub.get("name") or not prefix:
                raise bad_request(say("write.subnet-fields", v=name))
            subnets.append((sub.get("name"), prefix))
        if not prefixes:
            raise bad_request(say("write.address-space", v=name))
        updates.append((name, site.get("Location"), prefixes, subnets))
    for name, location, prefixes, subnets in updates:
        vnet = platform.find("virtualNetworks", name)
        if vnet is None:
            vnet = {
                "name": name,
                "location": location or platform.estate["location"],
                "addressSpace": [],
                "dnsServers": [],
                "subnets": [],
                "gateways": [],
                "peerings": [],
                "services": [],
            }
            platform.estate["virtualNetworks"].append(vnet)
        vnet["addressSpace"] = prefixes
        old = {s["name"]: s for s in vnet["subnets"]}
        vnet["subnets"] = [
            {**old.get(n, {"networkSecurityGroup": None, "routeTable": None}), "name": n, "prefix": p}
            for n, p in subnets
        ]
    return _write_op(platform, "setNetworkConfiguration", None)
