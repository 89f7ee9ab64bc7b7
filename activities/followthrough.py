"""The follow-through's activities (issue #18): survey the migrated VMs, take one step for one
VM as ARM shows it now, read an operation's status, write the follow-through's report.

Each is idempotent: `ft_step` decides from a fresh ARM read (`migration.followthrough.next_action`)
and never remembers what it did, so repeating it after a crash repeats nothing that took effect.
"""

from __future__ import annotations

import functools
from typing import Any

import azure.durable_functions as df

from activities._runtime import azure_settings, phase, storage
from connectors.asm import AsmClient
from connectors.compute import ComputeConnector
from connectors.connection import Connection
from connectors.errors import PermanentError
from migration.followthrough import (
    SetFacts,
    VmFacts,
    conversion_refusal,
    next_action,
    plan_line,
    remaining_by_hand,
    set_refusal,
)
from migration.render import follow_through_html
from migration.requests import Unit

bp = df.Blueprint()
LOCKED = frozenset({"Preparing", "Prepared", "Committing"})


@functools.cache
def _compute(subscription_id: str) -> ComputeConnector:
    return ComputeConnector.connect(Connection(azure_settings(), subscription_id))


def _subscription(payload: dict[str, Any]) -> str:
    return str(payload["request"]["subscriptionId"])


def _set(compute: ComputeConnector, vm: VmFacts) -> SetFacts | None:
    return compute.availability_set(vm.availability_set) if vm.availability_set else None


def _accounts(vm: VmFacts) -> list[str]:
    """The classic storage accounts that hold the VM's VHDs (`https://<account>.blob…`)."""
    return sorted({d.vhd.split("//", 1)[-1].split(".", 1)[0] for d in vm.disks if d.vhd})


@bp.activity_trigger(input_name="payload")
@phase
def ft_survey(payload: dict[str, Any]) -> dict[str, Any]:
    """Every VM of the migrated group, what will happen to it, the storage accounts it needs."""
    compute = _compute(_subscription(payload))
    group = payload["group"]
    vms, plan = [], []
    for name in compute.vm_names(group):
        vm = compute.vm(group, name)
        vms.append({**vm.to_json(), "accounts": _accounts(vm)})
        plan.append(plan_line(vm, _set(compute, vm)))
    return {"vms": vms, "plan": plan}


@bp.activity_trigger(input_name="payload")
@phase
def ft_read_vm(payload: dict[str, Any]) -> dict[str, Any]:
    """The VM as ARM shows it (no change): read before anything changes, to know how to end."""
    return _compute(_subscription(payload)).vm(payload["group"], payload["vm"]).to_json()


@bp.activity_trigger(input_name="payload")
@phase
def ft_accounts_locked(payload: dict[str, Any]) -> dict[str, Any]:
    """Which of the VM's classic storage accounts are being migrated now (locked by prepare)."""
    client = AsmClient.connect(Connection(azure_settings(), _subscription(payload)))
    try:
        locked = []
        for account in payload.get("accounts", []):
            state = client.migration_state(Unit(kind="storageAccount", name=account))
            if state in LOCKED:
                locked.append({"account": account, "state": state})
        return {"locked": locked}
    finally:
        client.close()


@bp.activity_trigger(input_name="payload")
@phase
def ft_step(payload: dict[str, Any]) -> dict[str, Any]:
    """Decide the VM's next step from ARM now and start it; `{action, operationUrl?, finding?, vm}`."""
    compute = _compute(_subscription(payload))
    group, name = payload["group"], payload["vm"]
    vm = compute.vm(group, name)
    aset = _set(compute, vm)
    action = next_action(vm, bool(payload["wasRunning"]), aset, bool(payload.get("restoring")))
    out: dict[str, Any] = {"action": action.kind, "vm": vm.to_json()}
    if action.kind == "refuse":
        out["finding"] = action.to_json()
    elif action.kind == "alignSet" and aset is not None:
        try:
            compute.align_set(aset.id, int(action.fault_domains or 1))
        except PermanentError as exc:
            out.update(action="refuse", finding=set_refusal(aset.name, exc.message).to_json())
        else:
            out["faultDomains"] = action.fault_domains
    elif action.kind in ("deallocate", "start", "convert"):
        verb = "convertToManagedDisks" if action.kind == "convert" else action.kind
        try:
            out.update(compute.begin(group, name, verb))
        except PermanentError as exc:
            out.update(action="refuse", finding=conversion_refusal(name, exc.code, exc.message).to_json())
    return out


@bp.activity_trigger(input_name="payload")
@phase
def ft_operation(payload: dict[str, Any]) -> dict[str, Any]:
    """The status of a started compute operation (`InProgress` while a transient error hides it)."""
    return _compute(_subscription(payload)).operation(payload["operationUrl"])


@bp.activity_trigger(input_name="payload")
@phase
def ft_report(payload: dict[str, Any]) -> dict[str, Any]:
    """The follow-through's report: per VM the outcome, downtime, managed disks (the id map), the
    VHDs that still bill and what remains by hand. Same input, same bytes."""
    status = payload["status"]
    rows = []
    for vm in status.get("vms", []):
        vhds = [d["vhd"] for d in (vm.get("before") or {}).get("disks", []) if d.get("vhd")]
        after = {d.get("lun"): d for d in (vm.get("after") or {}).get("disks", [])}
        id_map = [
            {"classic": d["vhd"], "arm": (after.get(d.get("lun")) or {}).get("managed")}
            for d in (vm.get("before") or {}).get("disks", [])
            if d.get("vhd")
        ]
        converted = vm.get("outcome") == "converted"
        rows.append(
            {
                "vm": vm.get("vm"),
                "outcome": vm.get("outcome"),
                "wasRunning": vm.get("wasRunning"),
                "downtimeSeconds": vm.get("downtimeSeconds", 0),
                "idMap": id_map,
                "vhdsStillBilling": vhds if converted else [],
                "remainingByHand": remaining_by_hand(vhds)
                if converted
                else ([vm["finding"]["remedy"]] if vm.get("finding") else []),
                "finding": vm.get("finding"),
            }
        )
    document = {
        "id": status["id"],
        "unitId": status.get("unitId"),
        "phase": status.get("phase"),
        "unit": status.get("unit"),
        "vms": rows,
        "timeline": status.get("timeline", []),
    }
    stored = storage().put_report(status["id"], document, follow_through_html(document))
    return {"json": stored[0].name, "html": stored[1].name}
