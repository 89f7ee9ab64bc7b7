"""Long-running compute operations on migrated VMs: deallocate, start, convertToManagedDisks.

Each is an emulator operation (`emulator.ops`) that ends on a later request; the VM shows a
transitional power state meanwhile. Sources and assumptions: docs/fidelity.md ("ARM compute").
"""

from __future__ import annotations

import hashlib
from typing import Any

from emulator import ops
from emulator.arm.messages import say
from emulator.records import ArmResource, Operation
from emulator.state import Platform

COMPUTE = "Microsoft.Compute"
# power state → what `instanceView` shows while an operation runs (PowerState/<code>)
TRANSIENT = {"vm:deallocate": "deallocating", "vm:start": "starting", "vm:convert": "deallocated"}


def running_op(platform: Platform, vm_id: str) -> Operation | None:
    """The VM's compute operation still in progress, if any (one at a time per VM)."""
    for op in platform.ops.values():
        if op.kind.startswith("vm:") and op.status == "InProgress" and op.data.get("vm") == vm_id:
            return op
    return None


def power(platform: Platform, vm: ArmResource) -> str:
    """`running`, `deallocated`, `stopped`, or a transitional state while an operation runs."""
    op = running_op(platform, vm.id.lower())
    if op is not None:
        return TRANSIENT[op.kind]
    return vm.power or "running"


def disk_id(platform: Platform, vm: ArmResource, name: str) -> str:
    group = vm.id.split("/")[4]
    return f"/subscriptions/{platform.subscription}/resourceGroups/{group}/providers/{COMPUTE}/disks/{name}"


def managed_disk_name(vm: ArmResource, disk: dict[str, Any]) -> str:
    """A converted disk's name: `<vm>_<unmanaged disk name>_<6 hex of the VHD URI>` (assumed)."""
    digest = hashlib.sha256(disk["vhd"]["uri"].encode()).hexdigest()[:6]
    return f"{vm.name}_{disk['name']}_{digest}"


def _storage_type(platform: Platform, vhd_uri: str) -> str:
    """Premium when the VHD's account is premium, else Standard (the conversion keeps the tier)."""
    account = vhd_uri.split("//", 1)[-1].split(".", 1)[0].lower()
    for acct in platform.original.get("storageAccounts", []):
        if acct["name"].lower() == account and str(acct.get("sku", "")).startswith("Premium"):
            return "Premium_LRS"
    return "Standard_LRS"


def _convert(platform: Platform, op: Operation) -> tuple[str, str | None, str | None]:
    vm = platform.resources.get(op.data["vm"])
    if vm is None:
        return "Failed", "NotFound", say("arm.vm-deleted")
    profile = vm.properties["storageProfile"]
    for disk, os_type in [(profile["osDisk"], profile["osDisk"].get("osType"))] + [
        (d, None) for d in profile.get("dataDisks", [])
    ]:
        if "vhd" not in disk:
            continue
        name = managed_disk_name(vm, disk)
        rid = disk_id(platform, vm, name)
        sku = _storage_type(platform, disk["vhd"]["uri"])
        props: dict[str, Any] = {
            "provisioningState": "Succeeded",
            "diskSizeGB": disk.get("diskSizeGB"),
            "diskState": "Attached",
            "creationData": {"createOption": "Import", "sourceUri": disk["vhd"]["uri"]},
        }
        if os_type:
            props["osType"] = os_type
        platform.resources[rid.lower()] = ArmResource(
            doc={
                "id": rid,
                "name": name,
                "type": f"{COMPUTE}/disks",
                "location": vm.doc["location"],
                "tags": {},
                "sku": {"name": sku, "tier": sku.split("_")[0]},
                "managedBy": vm.id,
                "properties": props,
            }
        )
        disk.pop("vhd")
        disk["name"] = name
        disk["createOption"] = "Attach"
        disk["managedDisk"] = {"id": rid, "storageAccountType": sku}
    vm.power = "running"  # the platform starts the VM after converting it
    return "Succeeded", None, None


def _deallocate(platform: Platform, op: Operation) -> tuple[str, str | None, str | None]:
    vm = platform.resources.get(op.data["vm"])
    if vm is not None:
        vm.power = "deallocated"
    return "Succeeded", None, None


def _start(platform: Platform, op: Operation) -> tuple[str, str | None, str | None]:
    vm = platform.resources.get(op.data["vm"])
    if vm is not None:
        vm.power = "running"
    return "Succeeded", None, None


# no undo: a failed operation leaves the VM as it was (deallocated for a failed conversion)
ops.register("vm:convert", _convert)
ops.register("vm:deallocate", _deallocate)
ops.register("vm:start", _start)
