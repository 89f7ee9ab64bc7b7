"""Migration of the six unit kinds: validate / prepare / commit / abort, with states and locks.

States per unit, the platform's own vocabulary (`IaaSClassicToArmMigrationState`, reported as
`MigrationState` on deployment, VNet and storage reads only): absent → Preparing → Prepared →
Committing → Committed (classic side removed), or Prepared → Aborting → None (ARM side deleted).
A failed operation leaves `PrepareFailed`, `CommitFailed` or `AbortFailed`: commit is retried from
CommitFailed, abort from AbortFailed and from PrepareFailed (which may also be prepared again).
Repeats are idempotent: a repeat while running returns the running operation, a repeat of a
finished step succeeds at once. Abort is refused once commit has started.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator import faults, ops, switches
from emulator.arm.translate import quota_usage, translate_unit
from emulator.asm import validation
from emulator.asm.errors import AsmError, bad_request, conflict
from emulator.asm.messages import say
from emulator.classic import HOLDING_STATES, services_in_vnet
from emulator.records import ArmResource, Operation, UnitRecord
from emulator.state import Platform

KIND_LABEL = {
    "virtualNetwork": "Virtual Network",
    "cloudService": "HostedService",
    "storageAccount": "Storage account",
    "reservedIp": "Reserved IP",
    "networkSecurityGroup": "Network Security Group",
    "routeTable": "Route Table",
}
KIND_COLLECTION = {
    "virtualNetwork": "virtualNetworks",
    "cloudService": "cloudServices",
    "storageAccount": "storageAccounts",
    "reservedIp": "reservedIps",
    "networkSecurityGroup": "networkSecurityGroups",
    "routeTable": "routeTables",
}
COMPS = ("validate", "prepare", "commit", "abort")


def label(unit: str) -> str:
    kind, name = unit.split("/", 1)
    return f"{KIND_LABEL[kind]} {name}"


def _item(platform: Platform, kind: str, name: str) -> dict[str, Any] | None:
    return platform.find_ci(KIND_COLLECTION[kind], name)


# A unit that does not exist, as the platform answers (recorded: azure-xplat-cli
# cli.vm.compute.migration-tests, 2017-03-18): validate → 200 with one Error message of this
# ResourceType; prepare / commit / abort → this status and code with the same message.
# kind -> (status, code, ResourceType, message key); reserved IPs, NSGs, route tables: an assumption.
MISSING: dict[str, tuple[int, str, str, str]] = {
    "virtualNetwork": (400, "BadRequest", "VirtualNetwork", "missing.vnet"),
    "cloudService": (404, "ResourceNotFound", "Deployment", "missing.deployment"),
    "storageAccount": (404, "ResourceNotFound", "Storage", "missing.storage"),
}


class MissingUnit(AsmError):
    """A unit that is not there: validate reports it as one Error message, the rest refuse it."""

    def __init__(self, kind: str, name: str) -> None:
        label_ = KIND_LABEL[kind]
        status, code, rtype, key = MISSING.get(
            kind, (404, "ResourceNotFound", label_.replace(" ", ""), "missing.item")
        )
        super().__init__(status, code, say(key, name=name, what=label_.lower()))
        self.resource_type, self.resource_name = rtype, name


def _missing(kind: str, name: str) -> AsmError:
    return MissingUnit(kind, name)


def parse_destination(body: dict[str, str] | None) -> dict[str, str]:
    """`DeploymentNetworkResource` → {mode, resourceGroup, virtualNetwork, subnet}."""
    body = body or {}
    mode = body.get("DestinationVirtualNetwork") or "New"
    if mode not in ("New", "Existing", "Default"):
        raise bad_request(say("refuse.bad-destination", mode=mode))
    if mode == "Default":
        raise bad_request(say("refuse.default-destination"))
    dest = {"mode": mode}
    if mode == "Existing":
        for key, tag in (
            ("resourceGroup", "ResourceGroupName"),
            ("virtualNetwork", "VirtualNetworkName"),
            ("subnet", "SubNetName"),
        ):
            if not body.get(tag):
                raise bad_request(say("refuse.destination-field", tag=tag))
            dest[key] = body[tag]
    return dest


def _existing_target(platform: Platform, dest: dict[str, str]) -> None:
    """An `Existing` destination must name an ARM VNet and subnet that exist."""
    rid = (
        f"/subscriptions/{platform.subscription}/resourceGroups/{dest['resourceGroup']}"
        f"/providers/Microsoft.Network/virtualNetworks/{dest['virtualNetwork']}"
    ).lower()
    vnet = platform.resources.get(rid)
    if vnet is None:
        raise bad_request(say("refuse.existing-vnet-missing", v=dest["virtualNetwork"]))
    for subnet in vnet.properties.get("subnets", []):
        if subnet["name"].lower() == dest["subnet"].lower():
            dest["prefix"] = subnet["properties"]["addressPrefix"]
            return
    raise bad_request(say("refuse.existing-subnet-missing", subnet=dest["subnet"], v=dest["virtualNetwork"]))


def _in_vnet(cs: dict[str, Any], dep: dict[str, Any]) -> str:
    return say("validate.deployment-in-vnet", d=dep["name"], h=cs["name"], v=dep["virtualNetwork"])


def resolve(
    platform: Platform, kind: str, name: str, deployment: str | None
) -> tuple[str, dict[str, Any] | None]:
    """(unit, classic item); the item is None when the unit has been committed already."""
    item = _item(platform, kind, name)
    if item is None:
        for unit, record in platform.units.items():
            if unit.lower() == f"{kind}/{name}".lower() and record.state == "Committed":
                return unit, None
        raise _missing(kind, (deployment or name) if kind == "cloudService" else name)
    if kind == "cloudService":
        dep = item.get("deployment")
        if not dep or (deployment is not None and dep["name"].lower() != deployment.lower()):
            raise MissingUnit(kind, deployment or "Production")
        if dep.get("virtualNetwork"):
            raise bad_request(_in_vnet(item, dep))
    return f"{kind}/{item['name']}", item


def validation_messages(platform: Platform, unit: str, item: dict[str, Any]) -> list[dict[str, str]]:
    kind, name = unit.split("/", 1)
    if kind == "virtualNetwork":
        return validation.validate_vnet(platform, item)
    if kind == "cloudService":
        return validation.validate_deployment(platform, item)
    if kind == "storageAccount":
        return validation.validate_storage(platform, item)
    where = validation.associated_to(platform, kind, name)
    if where:
        return [
            validation._msg(
                KIND_LABEL[kind].replace(" ", ""),
                name,
                say("validate.associated", unit=label(unit), where=", ".join(where)),
            )
        ]
    return []


def _committed(platform: Platform, unit: str, deployment: str | None = None) -> AsmError:
    """What a call on a committed unit gets. Commit deletes the classic resource (Microsoft docs),
    so by default the answer is the recorded one for a unit that is not there; the
    `alreadyMigratedMessage` switch gives the emulator's former wording instead (no source)."""
    if switches.value(platform, "alreadyMigratedMessage"):
        return bad_request(say("refuse.already-migrated", unit=label(unit)))
    kind, name = unit.split("/", 1)
    return MissingUnit(kind, (deployment or name) if kind == "cloudService" else name)


def _on_committed(
    platform: Platform, unit: str, comp: str, deployment: str | None
) -> list[dict[str, str]] | None:
    """Validate / prepare of a committed unit: refused as `_committed` says (validate of a missing
    deployment, VNet or storage account answers 200 with the one Error message, as recorded).
    A repeated commit succeeds at once (`repeatCommitSucceeds`, the default) or is refused too;
    None lets the call go on."""
    if comp == "commit" and switches.value(platform, "repeatCommitSucceeds"):
        return None
    gone = _committed(platform, unit, deployment)
    if comp == "validate" and unit.split("/", 1)[0] in MISSING and isinstance(gone, MissingUnit):
        return [validation._msg(gone.resource_type, gone.resource_name, gone.message)]
    raise gone


def _require_provider(platform: Platform) -> None:
    if not platform.estate["migrationProviderRegistered"]:
        raise bad_request(say("refuse.not-registered", s=platform.subscription))


def handle(
    platform: Platform,
    kind: str,
    name: str,
    comp: str | None,
    body: dict[str, str] | None,
    deployment: str | None = None,
) -> tuple[int, Operation | list[dict[str, str]]]:
    """One migration call; returns (200, messages) for validate or (202, operation) otherwise."""
    if comp not in COMPS:
        raise bad_request(say("refuse.bad-comp", comp=comp, comps=", ".join(COMPS)))
    _require_provider(platform)
    if comp == "validate" and kind == "cloudService":
        item = _item(platform, kind, name)
        dep = (item or {}).get("deployment")
        if (
            item
            and dep
            and dep.get("virtualNetwork")
            and (deployment is None or dep["name"].lower() == deployment.lower())
        ):
            return 200, [validation._msg("Deployment", dep["name"], _in_vnet(item, dep))]
    try:
        unit, item = resolve(platform, kind, name, deployment)
    except MissingUnit as missing:
        if comp == "validate" and kind in MISSING:  # recorded: 200 with the one Error message
            return 200, [validation._msg(missing.resource_type, missing.resource_name, missing.message)]
        raise
    dest = parse_destination(body) if kind == "cloudService" and comp in ("validate", "prepare") else None
    if item is None and comp != "abort":  # committed: the classic resource is gone
        answer = _on_committed(platform, unit, comp, deployment)
        if answer is not None:
            return 200, answer
    if comp == "validate":
        assert item is not None
        messages = validation_messages(platform, unit, item)
        if dest and dest["mode"] == "Existing":
            try:
                _existing_target(platform, dest)
            except AsmError as exc:
                messages.append(validation._msg("VirtualNetwork", dest["virtualNetwork"], exc.message))
        if not any(m["category"] == "Error" for m in messages):  # passed: what it will migrate
            messages += validation.to_be_migrated(platform, unit.split("/", 1)[0], item)
        return 200, messages
    return 202, STARTERS[comp](platform, unit, item, dest)


def _repeat_done(platform: Platform, unit: str, comp: str) -> Operation:
    return ops.start(platform, f"noop:{comp}", unit=unit, data={"immediate": True})


def _begin(platform: Platform, unit: str, comp: str, state: str, data: dict[str, Any]) -> Operation:
    failure, slow = faults.operation_fault(platform, unit, comp)
    record = platform.units.setdefault(unit, UnitRecord())
    record.previous = record.state
    record.state = state
    return ops.start(platform, comp, unit=unit, duration_key=comp, data=data, failure=failure, slow=slow)


def _prepare(
    platform: Platform, unit: str, item: dict[str, Any] | None, dest: dict[str, str] | None
) -> Operation:
    state = platform.unit_state(unit)
    if state in ("Preparing",):
        return ops.in_flight(platform, unit) or _repeat_done(platform, unit, "prepare")
    if state == "Prepared":
        return _repeat_done(platform, unit, "prepare")
    if state == "Committed" or item is None:
        raise _committed(platform, unit)
    if state in ("Committing", "CommitFailed"):
        raise conflict(say("refuse.being-committed", unit=label(unit)))
    if state in ("Aborting", "AbortFailed"):
        raise conflict(say("refuse.being-aborted", unit=label(unit)))
    if dest and dest["mode"] == "Existing":
        _existing_target(platform, dest)
    return _begin(platform, unit, "prepare", "Preparing", {"destination": dest})


def _commit(platform: Platform, unit: str, _item: dict[str, Any] | None, _dest: Any) -> Operation:
    state = platform.unit_state(unit)
    if state == "Committing":
        return ops.in_flight(platform, unit) or _repeat_done(platform, unit, "commit")
    if state == "Committed":
        return _repeat_done(platform, unit, "commit")
    if state == "Preparing":
        raise conflict(say("refuse.being-prepared", unit=label(unit)))
    if state in ("Aborting", "AbortFailed"):
        raise conflict(say("refuse.being-aborted", unit=label(unit)))
    if state not in ("Prepared", "CommitFailed"):  # a failed commit is retried (the docs' remedy)
        raise bad_request(say("refuse.not-prepared", unit=label(unit)))
    return _begin(platform, unit, "commit", "Committing", {})


def _abort(platform: Platform, unit: str, _item: dict[str, Any] | None, _dest: Any) -> Operation:
    state = platform.unit_state(unit)
    record = platform.units.get(unit) or UnitRecord()
    if state == "Aborting":
        return ops.in_flight(platform, unit) or _repeat_done(platform, unit, "abort")
    if state in ("Committing", "Committed", "CommitFailed"):
        raise conflict(say("refuse.abort-after-commit", unit=label(unit)))
    if state == "Preparing":
        raise conflict(say("refuse.being-prepared", unit=label(unit)))
    if state is None:
        if record.aborted:
            return _repeat_done(platform, unit, "abort")
        raise bad_request(say("refuse.not-prepared", unit=label(unit)))
    return _begin(platform, unit, "abort", "Aborting", {})


Starter = Callable[[Platform, str, dict[str, Any] | None, dict[str, str] | None], Operation]
STARTERS: dict[str, Starter] = {"prepare": _prepare, "commit": _commit, "abort": _abort}


# -- completers --------------------------------------------------------------------------------
def _complete_prepare(platform: Platform, op: Operation) -> tuple[str, str | None, str | None]:
    unit = op.migration_unit()
    kind, name = unit.split("/", 1)
    item = platform.item(KIND_COLLECTION[kind], name)  # the unit is the item's own name (resolve)
    record = platform.units[unit]
    problems = [m["message"] for m in validation_messages(platform, unit, item) if m["category"] == "Error"]
    if kind == "virtualNetwork":
        problems += validation.prepare_problems_vnet(platform, item)
    elif kind == "cloudService":
        problems += validation.prepare_problems_deployment(item)
    elif kind == "storageAccount":
        problems += validation.prepare_problems_storage(platform, item)
    if problems:
        platform.units[unit] = UnitRecord(state="PrepareFailed")
        return "Failed", "BadRequest", " ".join(problems)
    rg, resources = translate_unit(platform, unit, op.data.get("destination"))
    problems += _quota_problems(platform, resources)
    if problems:
        platform.units[unit] = UnitRecord(state="PrepareFailed")
        return "Failed", "BadRequest", " ".join(problems)
    record.deviations = faults.apply_deviations(platform, unit, resources)
    rg.unit = unit
    platform.groups[rg.name.lower()] = rg
    outside_vnet = kind == "cloudService"  # stopped and deallocated, new private IP
    for res in resources:
        resource = ArmResource.from_json(res)  # a VM's power (from its role's state) beside its document
        if outside_vnet and resource.type == "Microsoft.Compute/virtualMachines":
            resource.power = "deallocated"
        platform.resources[resource.id.lower()] = resource
    record.resource_group = rg.name
    record.usage = quota_usage(resources)
    if outside_vnet:
        record.role_states = {r["name"]: r["state"] for r in item["deployment"]["roles"]}
        for role in item["deployment"]["roles"]:
            role["state"] = "StoppedDeallocated"
    record.state = "Prepared"
    return "Succeeded", None, None


def _quota_problems(platform: Platform, resources: list[dict[str, Any]]) -> list[str]:
    need = quota_usage(resources)
    used: dict[str, int] = {}
    for record in platform.units.values():
        if record.state in HOLDING_STATES:
            for key, n in record.usage.items():
                used[key] = used.get(key, 0) + n
    out = []
    for key, n in need.items():
        left = platform.estate["armQuotas"][key] - used.get(key, 0)
        if n > left:
            out.append(say("prepare.quota", key=key, left=max(left, 0), more=n - max(left, 0)))
    return out


FAILED_STATE = {"prepare": "PrepareFailed", "commit": "CommitFailed", "abort": "AbortFailed"}


def _failed_back(platform: Platform, op: Operation) -> None:
    """A failed operation leaves the unit in the platform's `…Failed` state (nothing undone)."""
    record = platform.units.get(op.migration_unit())
    if record is not None:
        record.state = FAILED_STATE[op.kind]


def _complete_commit(platform: Platform, op: Operation) -> tuple[str, str | None, str | None]:
    unit = op.migration_unit()
    kind, name = unit.split("/", 1)
    est = platform.estate
    if kind == "virtualNetwork":
        for cs in services_in_vnet(platform, name):
            _remove_service(platform, cs)
        est["virtualNetworks"] = [x for x in est["virtualNetworks"] if x["name"] != name]
    elif kind == "cloudService":
        service = platform.find("cloudServices", name)
        if service:
            _remove_service(platform, service)
    else:
        coll = KIND_COLLECTION[kind]
        est[coll] = [x for x in est[coll] if x["name"] != name]
    platform.units[unit].state = "Committed"
    for group in platform.groups.values():
        if group.unit == unit:
            group.committed = True
    return "Succeeded", None, None


def _remove_service(platform: Platform, cs: dict[str, Any]) -> None:
    est = platform.estate
    est["cloudServices"] = [x for x in est["cloudServices"] if x["name"] != cs["name"]]
    est["reservedIps"] = [r for r in est["reservedIps"] if r.get("cloudService") != cs["name"]]


def _complete_abort(platform: Platform, op: Operation) -> tuple[str, str | None, str | None]:
    unit = op.migration_unit()
    record = platform.units[unit]
    group = (record.resource_group or "").lower()
    if group:
        prefix = f"/subscriptions/{platform.subscription}/resourcegroups/{group}/"
        for rid in [r for r in platform.resources if r.startswith(prefix)]:
            del platform.resources[rid]
        platform.groups.pop(group, None)
    kind, name = unit.split("/", 1)
    if kind == "cloudService" and record.role_states:
        cs = platform.find("cloudServices", name)
        for role in (cs or {}).get("deployment", {}).get("roles", []):
            role["state"] = record.role_states.get(role["name"], role["state"])
    platform.units[unit] = UnitRecord(aborted=True)
    return "Succeeded", None, None


ops.register("prepare", _complete_prepare, _failed_back)
ops.register("commit", _complete_commit, _failed_back)
ops.register("abort", _complete_abort, _failed_back)
# a repeat (`noop:prepare` …) has no completer: it ends Succeeded at once
