"""ARM compute routes on migrated VMs: the follow-through to managed disks (issue #18).

`Microsoft.Compute/virtualMachines` GET (with `$expand=instanceView`), `instanceView`,
`deallocate` / `start` / `convertToManagedDisks` (long-running: 202 with `Azure-AsyncOperation`
and `Location`, then the operation's status), availability sets GET / PATCH / PUT to the
`Aligned` SKU, `Microsoft.Compute/disks` (through the generic resource routes) and Resource SKUs
with `MaximumPlatformFaultDomainCount`. The refusals are the platform's preconditions: convert
only a deallocated VM, in an aligned set, whose extensions all succeeded. Sources and the
assumptions made where none exists: docs/fidelity.md ("ARM compute").
"""

from __future__ import annotations

import json
from typing import Any

from emulator import faults, ops
from emulator.arm import compute_ops as cops
from emulator.arm.errors import ArmError, resource_not_found
from emulator.arm.messages import say
from emulator.http import Call, Reply, Router, json_reply
from emulator.records import ArmResource, Operation

router = Router()
DEFAULT_MAX_FAULT_DOMAINS = 3
VM_PATH = "/resourcegroups/{group}/providers/Microsoft.Compute/virtualMachines/{vm}"
SET_PATH = "/resourcegroups/{group}/providers/Microsoft.Compute/availabilitySets/{name}"


def _rid(call: Call, rtype: str, name: str) -> str:
    group = call.params["group"]
    return f"/subscriptions/{call.platform.subscription}/resourcegroups/{group}/providers/Microsoft.Compute/{rtype}/{name}".lower()  # noqa: E501


def _vm(call: Call) -> ArmResource:
    vm = call.platform.resources.get(_rid(call, "virtualMachines", call.params["vm"]))
    if vm is None:
        raise resource_not_found("Microsoft.Compute/virtualMachines", call.params["vm"], call.params["group"])
    return vm


def _extensions(call: Call, vm: ArmResource) -> list[ArmResource]:
    prefix = f"{vm.id}/extensions/".lower()
    return [r for rid, r in sorted(call.platform.resources.items()) if rid.startswith(prefix)]


def instance_view(call: Call, vm: ArmResource) -> dict[str, Any]:
    """What `instanceView` shows: provisioning state, power state, each extension's status."""
    state = cops.power(call.platform, vm)
    busy = cops.running_op(call.platform, vm.id.lower()) is not None
    return {
        "statuses": [
            {
                "code": f"ProvisioningState/{'updating' if busy else 'succeeded'}",
                "level": "Info",
                "displayStatus": "Updating" if busy else "Provisioning succeeded",
            },
            {"code": f"PowerState/{state}", "level": "Info", "displayStatus": f"VM {state}"},
        ],
        "extensions": [
            {
                "name": e.name.split("/")[-1],
                "type": e.properties.get("type"),
                "statuses": [
                    {
                        "code": f"ProvisioningState/{e.properties['provisioningState'].lower()}",
                        "level": "Info",
                        "displayStatus": f"Provisioning {e.properties['provisioningState'].lower()}",
                    }
                ],
            }
            for e in _extensions(call, vm)
        ],
    }


def _vm_body(call: Call, vm: ArmResource, expand: bool) -> dict[str, Any]:
    body = dict(vm.doc)
    busy = cops.running_op(call.platform, vm.id.lower()) is not None
    body["properties"] = {**vm.properties, "provisioningState": "Updating" if busy else "Succeeded"}
    if expand:
        body["properties"]["instanceView"] = instance_view(call, vm)
    return body


def get_vm(call: Call) -> Reply:
    expand = call.query.get("$expand", "").lower() == "instanceview"
    return json_reply(200, _vm_body(call, _vm(call), expand))


def get_instance_view(call: Call) -> Reply:
    return json_reply(200, instance_view(call, _vm(call)))


def _lro(call: Call, op: Operation, location: str) -> Reply:
    url = (
        f"{call.base}/subscriptions/{call.platform.subscription}/providers/Microsoft.Compute/locations/"
        f"{location}/operations/{op.id}?api-version={call.query.get('api-version', '2024-07-01')}"
    )
    return Reply(
        202,
        "",
        "application/json; charset=utf-8",
        {"Azure-AsyncOperation": url, "Location": url + "&monitor=true"},
        mutated=True,
    )


def _refused(name: str, why: str) -> ArmError:
    return ArmError(
        409,
        "OperationNotAllowed",
        say("arm.convert-refused", vm=name, why=why),
    )


def _convert_refusal(call: Call, vm: ArmResource) -> ArmError | None:
    """Why the platform refuses to convert this VM now, if it does (docs/fidelity.md)."""
    name, profile = vm.name, vm.properties["storageProfile"]
    disks = [profile["osDisk"], *profile.get("dataDisks", [])]
    if all("managedDisk" in d for d in disks):
        return _refused(name, say("arm.convert.managed"))
    state = cops.power(call.platform, vm)
    if state != "deallocated":
        return _refused(name, say("arm.convert.not-deallocated", state=state))
    set_ref = (vm.properties.get("availabilitySet") or {}).get("id")
    if set_ref:
        aset = call.platform.resources.get(set_ref.lower())
        if aset is not None and _sku(aset) != "Aligned":
            return _refused(name, say("arm.convert.set-not-aligned", set=aset.name))
    for ext in _extensions(call, vm):
        state = ext.properties["provisioningState"]
        if state != "Succeeded":
            why = say("arm.convert.extension", extension=ext.name.split("/")[-1], state=state)
            return _refused(name, why)
    return None


def vm_action(call: Call) -> Reply:
    """deallocate / start / convertToManagedDisks: 202 and an operation (a repeat returns the running one)."""
    action = call.params["action"].lower()
    kinds = {"deallocate": "vm:deallocate", "start": "vm:start", "converttomanageddisks": "vm:convert"}
    if action not in kinds:
        raise ArmError(
            404, "InvalidResourceType", say("arm.action-not-supported", action=call.params["action"])
        )
    vm = _vm(call)
    vm_id = vm.id.lower()
    running = cops.running_op(call.platform, vm_id)
    if running is not None:
        if running.kind == kinds[action]:
            return _lro(call, running, vm.doc["location"])
        raise ArmError(
            409,
            "OperationNotAllowed",
            say("arm.operation-in-progress", action=call.params["action"], vm=vm.name),
        )
    if kinds[action] == "vm:convert":
        refusal = _convert_refusal(call, vm)
        if refusal is not None:
            raise refusal
    unit = f"virtualMachine/{vm.name}"
    failure, slow = faults.operation_fault(call.platform, unit, call.params["action"])
    key = "convert" if kinds[action] == "vm:convert" else "write"
    op = ops.start(
        call.platform, kinds[action], duration_key=key, data={"vm": vm_id}, failure=failure, slow=slow
    )
    return _lro(call, op, vm.doc["location"])


def _max_fault_domains(call: Call, location: str) -> int:
    table = call.platform.controls.settings.max_fault_domains or {}
    return int(table.get(location.lower().replace(" ", ""), DEFAULT_MAX_FAULT_DOMAINS))


def _sku(aset: ArmResource) -> str | None:
    """An availability set's SKU name (`Classic`, `Aligned`), None when it has none."""
    sku: str | None = (aset.doc.get("sku") or {}).get("name")
    return sku


def _set(call: Call) -> ArmResource:
    aset = call.platform.resources.get(_rid(call, "availabilitySets", call.params["name"]))
    if aset is None:
        group = call.params["group"]
        raise resource_not_found("Microsoft.Compute/availabilitySets", call.params["name"], group)
    return aset


def _set_body(call: Call, aset: ArmResource) -> dict[str, Any]:
    members = [
        {"id": r.id}
        for _, r in sorted(call.platform.resources.items())
        if r.type == "Microsoft.Compute/virtualMachines"
        and ((r.properties.get("availabilitySet") or {}).get("id") or "").lower() == aset.id.lower()
    ]
    body = dict(aset.doc)
    body["properties"] = {**aset.properties, "virtualMachines": members}
    return body


def body(call: Call, res: ArmResource) -> dict[str, Any]:
    """A resource as its GET answers it: a list answers the same models as the GETs (Virtual
    Machines - List, Availability Sets - List), so a VM's provisioning state and a set's members
    are the same in both."""
    kind = res.type.lower()
    if kind == "microsoft.compute/virtualmachines":
        return _vm_body(call, res, expand=False)
    if kind == "microsoft.compute/availabilitysets":
        return _set_body(call, res)
    return res.doc


def get_set(call: Call) -> Reply:
    return json_reply(200, _set_body(call, _set(call)))


def update_set(call: Call) -> Reply:
    """PATCH / PUT of an existing set: SKU `Classic` → `Aligned`, within the region's fault domains."""
    aset = _set(call)
    try:
        body = json.loads(call.body or b"{}")
    except ValueError as exc:
        raise ArmError(400, "InvalidRequestContent", say("arm.body-not-json")) from exc
    if not isinstance(body, dict):
        raise ArmError(400, "InvalidRequestContent", say("arm.body-not-object"))
    sku = (body.get("sku") or {}).get("name") or _sku(aset) or "Classic"
    if sku not in ("Aligned", "Classic"):
        raise ArmError(
            400,
            "InvalidParameter",
            say("arm.bad-sku", sku=sku),
        )
    props = body.get("properties") or {}
    count = int(props.get("platformFaultDomainCount") or aset.properties["platformFaultDomainCount"])
    if sku == "Classic" and _sku(aset) == "Aligned":
        raise ArmError(
            409,
            "OperationNotAllowed",
            say("arm.set-aligned", set=aset.name),
        )
    if sku == "Aligned":
        most = _max_fault_domains(call, aset.doc["location"])
        if not 1 <= count <= most:
            raise ArmError(
                400,
                "InvalidParameter",
                say("arm.fault-domains", count=count, most=most),
            )
    aset.doc["sku"] = {"name": sku}
    aset.properties["platformFaultDomainCount"] = count
    reply = json_reply(200, _set_body(call, aset))
    reply.mutated = True
    return reply


def resource_skus(call: Call) -> Reply:
    """The availability-set SKUs per region the estate uses, with `MaximumPlatformFaultDomainCount`."""
    locations = sorted(
        {str(r.doc["location"]) for r in call.platform.resources.values() if r.doc.get("location")}
    )
    wanted = call.query.get("$filter", "")
    if "location eq" in wanted:
        locations = [wanted.split("'")[1].lower().replace(" ", "")] if "'" in wanted else locations
    items = [
        {
            "resourceType": "availabilitySets",
            "name": name,
            "locations": [loc],
            "locationInfo": [{"location": loc, "zones": []}],
            "capabilities": [
                {
                    "name": "MaximumPlatformFaultDomainCount",
                    "value": str(_max_fault_domains(call, loc) if name == "Aligned" else 3),
                }
            ],
            "restrictions": [],
        }
        for loc in locations
        for name in ("Classic", "Aligned")
    ]
    return json_reply(200, {"value": items})


def operation_status(call: Call) -> Reply:
    """`Azure-AsyncOperation` (status body) or, with `monitor=true`, `Location` (202 until done)."""
    op = call.platform.ops.get(call.params["op"])
    if op is None or not op.kind.startswith("vm:"):
        raise ArmError(404, "NotFound", say("arm.operation-not-found", op=call.params["op"]))
    clock = call.platform.clock
    if call.query.get("monitor", "").lower() == "true":
        if op.status == "InProgress":
            again = {"Location": f"{call.base}{call.path}?{_qs(call)}"}
            return Reply(202, "", "application/json; charset=utf-8", again)
        if op.status == "Failed":
            return json_reply(op.http_status_code, {"error": op.error})
        return Reply(200, "", "application/json; charset=utf-8")
    body: dict[str, Any] = {"name": op.id, "status": op.status, "startTime": clock.iso(op.created)}
    if op.status != "InProgress":
        body["endTime"] = clock.iso(op.created if op.finished is None else op.finished)
    if op.error:
        body["error"] = op.error
    return json_reply(200, body)


def _qs(call: Call) -> str:
    return "&".join(f"{k}={v}" for k, v in call.query.items())


router.add("GET", "/providers/Microsoft.Compute/skus", resource_skus)
router.add("GET", "/providers/Microsoft.Compute/locations/{location}/operations/{op}", operation_status)
router.add("GET", VM_PATH, get_vm)
router.add("GET", VM_PATH + "/instanceView", get_instance_view)
router.add("POST", VM_PATH + "/{action}", vm_action)
router.add("GET", SET_PATH, get_set)
router.add("PATCH", SET_PATH, update_set)
router.add("PUT", SET_PATH, update_set)
