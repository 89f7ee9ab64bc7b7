"""ARM compute calls of the follow-through (azure-mgmt-compute): read VMs and sets, align a set,
start deallocate / start / convertToManagedDisks without waiting, read an operation's status.

No call waits for a long-running operation: the start returns the `Azure-AsyncOperation` URL and
the orchestrator polls it with durable timers (as it polls the classic operations). Errors,
retries and the per-subscription limiter are the ARM reader's (`ArmReader.call`).
"""

from __future__ import annotations

from typing import Any

from azure.core.rest import HttpRequest
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.compute.models import AvailabilitySetUpdate

from connectors.arm import ArmReader
from connectors.closing import Closing
from connectors.connection import Connection
from connectors.errors import PermanentError, Reason, TransientError, classify
from migration.followthrough import Disk, SetFacts, VmFacts

COMPUTE_API = "2024-07-01"
ACTIONS = ("deallocate", "start", "convertToManagedDisks")


def _json(model: Any) -> dict[str, Any]:
    return model.as_dict() if hasattr(model, "as_dict") else dict(model)


def _segment(resource_id: str, key: str) -> str:
    parts = resource_id.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    return parts[lowered.index(key.lower()) + 1]


def vm_facts(data: dict[str, Any]) -> VmFacts:
    """A VM's REST JSON (with `instanceView`) → the core's facts."""
    props = data.get("properties") or {}
    view = props.get("instanceView") or {}
    codes = [s.get("code", "") for s in view.get("statuses") or []]
    power = next((c.split("/", 1)[1] for c in codes if c.startswith("PowerState/")), "unknown")
    busy = any(c.lower() == "provisioningstate/updating" for c in codes) or (
        str(props.get("provisioningState", "")).lower() == "updating"
    )
    profile = props.get("storageProfile") or {}
    disks = []
    for disk in [profile.get("osDisk") or {}, *(profile.get("dataDisks") or [])]:
        if not disk:
            continue
        disks.append(
            Disk(
                disk.get("name", ""),
                disk.get("lun"),
                (disk.get("vhd") or {}).get("uri"),
                (disk.get("managedDisk") or {}).get("id"),
                disk.get("diskSizeGB"),
            )
        )
    extensions = []
    for ext in view.get("extensions") or []:
        code = next((s.get("code", "") for s in ext.get("statuses") or []), "ProvisioningState/unknown")
        extensions.append((ext.get("name", ""), code.split("/", 1)[-1]))
    aset = (props.get("availabilitySet") or {}).get("id")
    return VmFacts(
        data["id"],
        data["name"],
        _segment(data["id"], "resourceGroups"),
        data.get("location", ""),
        power,
        busy,
        tuple(disks),
        aset,
        tuple(extensions),
    )


class ComputeConnector(Closing):
    """The follow-through's compute calls for one subscription. Build with `connect`."""

    def __init__(self, reader: ArmReader) -> None:
        self.reader = reader
        self.compute: ComputeManagementClient = reader.compute

    @classmethod
    def connect(cls, connection: Connection, **client_kwargs: Any) -> ComputeConnector:
        """A connector for `connection`: the reader's SDK clients (compute among them)."""
        return cls(ArmReader.connect(connection, **client_kwargs))

    def close(self) -> None:
        self.reader.close()

    # --- reads ---------------------------------------------------------------------------------
    def vm_names(self, group: str) -> list[str]:
        """The VMs of a migrated resource group, by name."""
        vms = self.reader.call(
            f"list VMs of {group}", lambda: list(self.compute.virtual_machines.list(group))
        )
        return sorted(vm.name for vm in vms if vm.name)  # every ARM VM has one; the SDK types it optional

    def vm(self, group: str, name: str) -> VmFacts:
        data = self.reader.call(
            f"get VM {name}",
            lambda: self.compute.virtual_machines.get(
                group, name, expand="instanceView", api_version=COMPUTE_API
            ),
        )
        return vm_facts(_json(data))

    def availability_set(self, set_id: str) -> SetFacts:
        """The set and the region's `MaximumPlatformFaultDomainCount` for `Aligned` (Resource SKUs)."""
        group, name = _segment(set_id, "resourceGroups"), set_id.rstrip("/").rsplit("/", 1)[-1]
        aset = _json(
            self.reader.call(
                f"get availability set {name}", lambda: self.compute.availability_sets.get(group, name)
            )
        )
        location = str(aset.get("location", ""))
        return SetFacts(
            aset["id"],
            name,
            (aset.get("sku") or {}).get("name", "Classic"),
            int((aset.get("properties") or {}).get("platformFaultDomainCount") or 1),
            self.max_fault_domains(location),
        )

    def max_fault_domains(self, location: str) -> int:
        skus = self.reader.call(
            "list resource SKUs",
            lambda: list(self.compute.resource_skus.list(filter=f"location eq '{location}'")),
        )
        for sku in skus:
            if sku.resource_type == "availabilitySets" and sku.name == "Aligned":
                for capability in sku.capabilities or []:
                    if capability.name == "MaximumPlatformFaultDomainCount" and capability.value:
                        return int(capability.value)
        return 0  # the region offers no aligned set

    # --- writes --------------------------------------------------------------------------------
    def align_set(self, set_id: str, fault_domains: int) -> SetFacts:
        """Move the set to `Aligned` with `fault_domains` (synchronous on the platform)."""
        group, name = _segment(set_id, "resourceGroups"), set_id.rstrip("/").rsplit("/", 1)[-1]
        body = AvailabilitySetUpdate(
            {"sku": {"name": "Aligned"}, "properties": {"platformFaultDomainCount": fault_domains}}
        )
        self.reader.call(
            f"align availability set {name}", lambda: self.compute.availability_sets.update(group, name, body)
        )
        return self.availability_set(set_id)

    def begin(self, group: str, name: str, action: str) -> dict[str, Any]:
        """Start `action` on a VM and return at once: `{operationUrl, requestId}`."""
        if action not in ACTIONS:
            raise ValueError(f"action: must be one of {', '.join(ACTIONS)}")
        seen: dict[str, Any] = {}

        def hook(response: Any) -> None:
            seen.update(response.http_response.headers)

        method = {
            "deallocate": self.compute.virtual_machines.begin_deallocate,
            "start": self.compute.virtual_machines.begin_start,
            "convertToManagedDisks": self.compute.virtual_machines.begin_convert_to_managed_disks,
        }[action]
        self.reader.call(
            f"{action} VM {name}", lambda: method(group, name, polling=False, raw_response_hook=hook)
        )
        headers = {k.lower(): v for k, v in seen.items()}
        url = headers.get("azure-asyncoperation") or headers.get("location")
        if not url:
            raise PermanentError(
                f"{action} of {name} answered without an operation to follow",
                reason=Reason.PROTOCOL,
                operation=f"{action} VM {name}",
            )
        return {
            "operationUrl": url,
            "requestId": headers.get("x-ms-request-id"),
            "retryAfter": headers.get("retry-after"),
        }

    def operation(self, url: str) -> dict[str, Any]:
        """`{status: InProgress|Succeeded|Failed, error?, transient?}` of a started operation."""
        if not url.lower().startswith(self.reader.base_url.lower().rstrip("/") + "/"):
            raise PermanentError(f"operation URL outside {self.reader.base_url}", reason=Reason.PROTOCOL)

        def read() -> dict[str, Any]:
            response = self.compute.send_request(HttpRequest("GET", url))
            if response.status_code >= 400:
                body = response.json() if response.content else {}
                error = (body or {}).get("error") or {}
                raise classify(
                    response.status_code,
                    error.get("code", ""),
                    error.get("message", ""),
                    operation="operation status",
                )
            answer: dict[str, Any] = response.json()
            return answer

        try:
            body = self.reader.call("operation status", read)
        except TransientError as exc:
            return {"status": "InProgress", "retryAfter": exc.retry_after, "lastError": exc.message}
        status = str(body.get("status", "InProgress"))
        out: dict[str, Any] = {"status": status}
        if status == "Failed":
            error = body.get("error") or {}
            verdict = classify(
                500 if error.get("code") == "InternalError" else 409,
                error.get("code", ""),
                error.get("message", ""),
            )
            out.update(
                error={"code": error.get("code", ""), "message": error.get("message", "")},
                transient=verdict.transient,
            )
        return out
