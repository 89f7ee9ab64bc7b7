"""The follow-through after commit: each migrated VM onto managed disks (issue #18), decided purely.

A classic VM lands in ARM on unmanaged disks (VHDs in the classic storage account). Microsoft
retired unmanaged disks on 30 September 2025: such a VM can no longer be started, so a migration
is finished only when each VM is on managed disks. The platform's procedure, per VM: every
extension `Provisioning succeeded`; its availability set on the `Aligned` SKU (fault domains
within the region's `MaximumPlatformFaultDomainCount`); deallocate; `convertToManagedDisks`
(which starts the VM); deallocate again if it was not running before.

`next_action` decides the next step from what ARM shows now, never from what c2arm remembers
having done, so a step repeated after a crash does nothing twice: a VM already on managed disks
is never converted again, a deallocated VM is not deallocated again. The one thing remembered is
whether the VM was running before anything changed (read before the first change, kept in the
orchestration's history): the VM ends as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from migration.fields import camel_fields
from migration.instance_ids import derived_id

#: The one part of a follow-through's derived id (`migration.instance_ids`: `<unit id>~follow`).
FOLLOW_PART = "follow"
ALIGNED = "Aligned"
TRANSITIONAL = frozenset({"deallocating", "starting", "stopping", "updating"})

ActionKind = Literal["wait", "alignSet", "deallocate", "convert", "start", "done", "refuse"]


def follow_through_id(unit_id: str) -> str:
    """The follow-through orchestration of unit `unit_id`: `<unit id>~follow`, a derived id in the
    reserved namespace (`migration.instance_ids`), so no submitted request can take it."""
    return derived_id(unit_id, FOLLOW_PART)


def wants_follow_through(request: dict[str, Any]) -> bool:
    """A request (JSON) asks for the managed-disks follow-through and has VMs to carry (VNet or
    cloud service), and is not a dry run (a dry run commits nothing)."""
    wanted = bool((request.get("followThrough") or {}).get("managedDisks"))
    has_vms = (request.get("unit") or {}).get("kind") in ("virtualNetwork", "cloudService")
    return wanted and has_vms and not request.get("dryRun")


@dataclass(frozen=True)
class Disk:
    """One disk of a VM: unmanaged (`vhd` = the blob URI) or managed (`managed` = the disk's id)."""

    name: str
    lun: int | None
    vhd: str | None
    managed: str | None
    size_gb: int | None = None


@dataclass(frozen=True)
class SetFacts:
    """A VM's availability set as ARM shows it, with the region's maximum aligned fault domains."""

    id: str
    name: str
    sku: str
    fault_domains: int
    max_fault_domains: int


@dataclass(frozen=True)
class VmFacts:
    """What ARM shows of one VM now."""

    id: str
    name: str
    group: str
    location: str
    power: str  # running | deallocated | stopped | deallocating | starting | unknown
    busy: bool  # provisioningState Updating: an operation runs on it
    disks: tuple[Disk, ...]
    availability_set: str | None
    extensions: tuple[tuple[str, str], ...] = field(default=())  # (name, provisioning state)

    @property
    def managed(self) -> bool:
        return bool(self.disks) and all(d.managed for d in self.disks)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VmFacts:
        disks = tuple(
            Disk(d["name"], d.get("lun"), d.get("vhd"), d.get("managed"), d.get("sizeGB"))
            for d in data.get("disks", [])
        )
        exts = tuple((e["name"], e["state"]) for e in data.get("extensions", []))
        return cls(
            data["id"],
            data["name"],
            data["group"],
            data.get("location", ""),
            data["power"],
            bool(data.get("busy")),
            disks,
            data.get("availabilitySet"),
            exts,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            **camel_fields(self, "id", "name", "group", "location", "power", "busy", "availability_set"),
            "disks": [
                {"name": d.name, "lun": d.lun, "vhd": d.vhd, "managed": d.managed, "sizeGB": d.size_gb}
                for d in self.disks
            ],
            "extensions": [{"name": n, "state": s} for n, s in self.extensions],
        }


@dataclass(frozen=True)
class Action:
    """The next step for one VM; `refuse` carries a finding (code, message, remedy)."""

    kind: ActionKind
    fault_domains: int | None = None
    code: str = ""
    message: str = ""
    remedy: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.fault_domains is not None:
            out["faultDomains"] = self.fault_domains
        if self.kind == "refuse":
            out.update(code=self.code, message=self.message, remedy=self.remedy)
        return out


def next_action(vm: VmFacts, was_running: bool, aset: SetFacts | None, restoring: bool = False) -> Action:
    """The next step from what ARM shows; `restoring` after a refusal: only put the VM back."""
    if vm.busy or vm.power in TRANSITIONAL:
        return Action("wait")
    if vm.managed or restoring:
        if was_running and vm.power != "running":
            return Action("start")
        if not was_running and vm.power == "running":
            return Action("deallocate")
        return Action("done")
    for name, state in vm.extensions:
        if state.lower() != "succeeded":
            return Action(
                "refuse",
                code="C2A-FT-01",
                message=(
                    f"VM {vm.name}: extension {name} is in provisioning state {state}; the platform refuses "
                    "to convert a VM whose extensions have not all succeeded (409)."
                ),
                remedy=f"Repair or remove extension {name} on {vm.name}, then run the follow-through again.",
            )
    if aset is not None and aset.sku != ALIGNED:
        if aset.max_fault_domains < 1:
            return Action(
                "refuse",
                code="C2A-FT-02",
                message=(f"Availability set {aset.name}: the region offers no aligned fault domain."),
                remedy="Move the VMs out of the set (recreate them) or choose another region.",
            )
        return Action("alignSet", fault_domains=min(aset.fault_domains, aset.max_fault_domains))
    if vm.power != "deallocated":
        return Action("deallocate")
    return Action("convert")


def set_refusal(aset_name: str, message: str) -> Action:
    """The platform refused to align the set: a finding with the remedy the docs give."""
    return Action(
        "refuse",
        code="C2A-FT-02",
        message=f"Availability set {aset_name} cannot be aligned: {message}",
        remedy=(
            f"Align {aset_name} by hand with a fault-domain count the region supports "
            "(Update-AzAvailabilitySet -Sku Aligned -PlatformFaultDomainCount N), then run the "
            "follow-through again."
        ),
    )


def conversion_refusal(vm_name: str, code: str, message: str) -> Action:
    """The platform refused or failed the conversion for good."""
    return Action(
        "refuse",
        code="C2A-FT-03",
        message=f"VM {vm_name}: conversion refused: {code}: {message}",
        remedy=(
            f"Resolve the platform's reason, then convert {vm_name} by hand (deallocate, "
            "ConvertTo-AzVMManagedDisk) or run the follow-through again."
        ),
    )


def plan_line(vm: VmFacts, aset: SetFacts | None) -> dict[str, Any]:
    """What the follow-through will do to one VM (the review page's row)."""
    steps: list[str] = []
    if vm.managed:
        steps.append("nothing: already on managed disks")
    else:
        if aset is not None and aset.sku != ALIGNED:
            steps.append(
                f"align availability set {aset.name} "
                f"({min(aset.fault_domains, aset.max_fault_domains)} fault domains)"
            )
        if vm.power == "running":
            steps += ["deallocate (downtime starts)", "convert to managed disks (the platform starts it)"]
        else:
            steps += ["convert to managed disks", "deallocate again (it was not running)"]
    return {
        "vm": vm.name,
        "power": vm.power,
        "availabilitySet": aset.name if aset else None,
        "downtime": vm.power == "running" and not vm.managed,
        "disks": [{"name": d.name, "vhd": d.vhd, "sizeGB": d.size_gb} for d in vm.disks if d.vhd],
        "steps": steps,
    }


def remaining_by_hand(vhds: list[str]) -> list[str]:
    """What a person still has to do once a VM is on managed disks."""
    if not vhds:
        return []
    return [
        "Delete the original VHD blobs once the VM is verified on managed disks: they still bill "
        f"({len(vhds)} blob(s) in the classic storage account).",
        "Delete the storage account's migrated copy when nothing else uses it.",
    ]


def managed_disk_map(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Classic disk name → managed disk id, from the follow-through's rows (`before` / `after`)."""
    out: dict[str, str] = {}
    for row in rows:
        after = {d.get("lun"): d for d in (row.get("after") or {}).get("disks", [])}
        for disk in (row.get("before") or {}).get("disks", []):
            managed = (after.get(disk.get("lun")) or {}).get("managed")
            if disk.get("vhd") and managed:
                out[str(disk.get("name"))] = str(managed)
    return out
