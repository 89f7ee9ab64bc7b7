"""The emulator's state: a backend per subscription, and what the emulator sets for all of them.

As moto keeps a backend per account and region, the emulator keeps a `Platform` per subscription
id (`Platforms`, keyed case-insensitively: the platform's subscription ids are GUIDs, compared
without case). A request for a subscription without a backend is refused as the platform refuses
it (`emulator/server.py`: ASM 403 `ForbiddenError`, ARM 404 `SubscriptionNotFound`). The estate
file describes one subscription, so there is one backend; its own records are typed
(`emulator/records.py`, with the resource groups and resources, as are the controls all backends
share), the platform's documents (the estate, an ARM resource's wire document) are JSON.

Everything is persisted as JSON in the state directory (`state.json`, format 2: the controls
and `subscriptions`, one entry per backend; a format-1 file — one subscription's keys at the top
level — still loads). A restart continues where the last run stopped (classic side, migration
states, ARM side, operations, faults, platform time); `--reset` starts over from the estate file.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from emulator.arm import circuits
from emulator.arm.location import arm_location
from emulator.clock import PlatformClock
from emulator.records import ArmResource, Fault, Operation, Progress, ResourceGroup, Settings, UnitRecord

STATE_FILE = "state.json"
STATE_FORMAT = 2


class Controls:
    """What the emulator sets for every subscription (the admin API's faults, progress and
    settings: typed records, `emulator/records.py`), the platform clock and the request-id
    sequence."""

    def __init__(self, clock: PlatformClock) -> None:
        self.clock = clock
        self.faults: list[Fault] = []
        self.version = 0  # moves on every save: invalidates the server's response cache
        self.reset()

    def reset(self) -> None:
        """Progress and settings back to their defaults (faults are the caller's to clear)."""
        self.progress = Progress()
        self.settings = Settings()
        self.seq = 0

    def faults_json(self) -> list[dict[str, Any]]:
        """The faults as the admin API shows them and the state file keeps them."""
        return [fault.to_json() for fault in self.faults]

    def to_json(self) -> dict[str, Any]:
        return {
            "faults": self.faults_json(),
            "progress": self.progress.to_json(),
            "settings": self.settings.to_json(),
            "seq": self.seq,
        }

    def load_json(self, data: dict[str, Any]) -> None:
        self.faults = [Fault.from_json(fault) for fault in data["faults"]]
        self.progress = Progress.from_json(data["progress"])
        self.settings = Settings.from_json(data["settings"])
        self.seq = data["seq"]


class Platform:
    """One subscription's backend: its live classic estate, migration units, operations and ARM
    resource groups and resources."""

    def __init__(self, estate: dict[str, Any], controls: Controls) -> None:
        self.original = estate
        self.controls = controls
        self.reset()

    @property
    def clock(self) -> PlatformClock:
        return self.controls.clock

    # -- lifecycle -------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the estate file: classic side as loaded, nothing prepared, no ARM resources."""
        self.estate: dict[str, Any] = copy.deepcopy(self.original)
        self.subscription: str = self.estate["subscriptionId"]
        self.units: dict[str, UnitRecord] = {}
        self.ops: dict[str, Operation] = {}
        self.groups: dict[str, ResourceGroup] = {}  # lower-case name -> group
        self.resources: dict[str, ArmResource] = {}  # lower-case id -> resource
        for circuit in self.estate["expressRouteCircuits"]:  # circuits moved to ARM up front
            if circuit.get("movedToArm"):
                self.move_circuit(circuit)

    def to_json(self) -> dict[str, Any]:
        return {
            "estate": self.estate,
            "original": self.original,
            "units": {name: record.to_json() for name, record in self.units.items()},
            "ops": {op_id: op.to_json() for op_id, op in self.ops.items()},
            "groups": {key: group.to_json() for key, group in self.groups.items()},
            "resources": {rid: resource.to_json() for rid, resource in self.resources.items()},
        }

    def load_json(self, data: dict[str, Any]) -> None:
        self.original = data["original"]
        self.estate = data["estate"]
        self.subscription = self.estate["subscriptionId"]
        self.units = {name: UnitRecord.from_json(r) for name, r in data["units"].items()}
        self.ops = {op_id: Operation.from_json(op) for op_id, op in data["ops"].items()}
        self.groups = {key: ResourceGroup.from_json(group) for key, group in data["groups"].items()}
        self.resources = {rid: ArmResource.from_json(r) for rid, r in data["resources"].items()}

    # -- helpers ---------------------------------------------------------------------------
    def next_id(self) -> str:
        """A request id as the platform's `x-ms-request-id`: 32 hex digits (recorded answers,
        azure-xplat-cli 2016); the Operation's `<ID>` is the same GUID with dashes
        (`dashed_id`). The sequence first keeps ids readable in logs."""
        self.controls.seq += 1
        return f"{self.controls.seq:08x}{os.urandom(12).hex()}"

    def find(self, kind: str, name: str) -> dict[str, Any] | None:
        items: list[dict[str, Any]] = self.estate[kind]
        for item in items:
            if item["name"] == name:
                return item
        return None

    def item(self, kind: str, name: str) -> dict[str, Any]:
        """The item a caller knows is in the estate (a reference the estate check resolved, a unit
        being prepared): its absence is the emulator's own bug, named."""
        found = self.find(kind, name)
        if found is None:
            raise LookupError(f"emulator: {kind} {name!r} is not in the estate")
        return found

    def find_ci(self, kind: str, name: str) -> dict[str, Any] | None:
        """Classic names are case-insensitive on the platform."""
        lowered = name.lower()
        items: list[dict[str, Any]] = self.estate[kind]
        for item in items:
            if item["name"].lower() == lowered:
                return item
        return None

    def unit_state(self, unit: str) -> str | None:
        """`MigrationState` of a unit: None (not prepared), Preparing, Prepared, PrepareFailed, …"""
        record = self.units.get(unit)
        return record.state if record else None

    def reported_state(self, unit: str) -> str | None:
        """The `MigrationState` element's text on reads: the state, or the literal `None` for a
        unit that has been through migration and is back to not prepared (after an abort, as the
        platform's enum `IaaSClassicToArmMigrationState` says); absent for an untouched unit."""
        record = self.units.get(unit)
        if record is None:
            return None
        return record.state or "None"

    def move_circuit(self, circuit: dict[str, Any], group: str | None = None) -> dict[str, Any]:
        """Mark an ExpressRoute circuit moved to ARM and put its ARM resource (and group) in
        place (`emulator/arm/circuits.py`); idempotent: a circuit moves once, a second move keeps
        its first group."""
        circuit["movedToArm"] = True
        group = circuit.get("armResourceGroup") or group or circuits.DEFAULT_GROUP
        circuit["armResourceGroup"] = group
        location = arm_location(self.estate["location"])
        resource = circuits.resource(self.subscription, group, circuit["name"], location)
        self.groups.setdefault(group.lower(), ResourceGroup.create(self.subscription, group, location))
        self.resources[resource["id"].lower()] = ArmResource(doc=resource)
        return resource

    def location_of(self, item: dict[str, Any]) -> str:
        location: str = item.get("location") or self.estate["location"]
        return location


class Platforms:
    """The backend of each subscription the emulator serves (moto's `BackendDict`), with the
    controls they share; saved and loaded together."""

    def __init__(self, estate: dict[str, Any], clock: PlatformClock, state_dir: Path | None = None) -> None:
        self.controls = Controls(clock)
        self.state_dir = state_dir
        self.home = Platform(estate, self.controls)  # the estate file's subscription
        self.backends: dict[str, Platform] = {self.home.subscription.lower(): self.home}

    @property
    def clock(self) -> PlatformClock:
        return self.controls.clock

    def get(self, subscription: str) -> Platform | None:
        """The subscription's backend; None for one the emulator does not serve."""
        return self.backends.get(subscription.lower())

    def to_json(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            **self.controls.to_json(),
            "subscriptions": {b.subscription: b.to_json() for b in self.backends.values()},
            "platformTime": self.clock.now(),
        }

    def load_json(self, data: dict[str, Any]) -> None:
        """A saved state: format 2, or format 1 (one subscription's keys at the top level)."""
        self.controls.load_json(data)
        saved = data["subscriptions"] if data.get("format", 1) >= 2 else {"": data}
        self.backends = {}
        for entry in saved.values():
            backend = Platform(entry["original"], self.controls)
            backend.load_json(entry)
            self.backends[backend.subscription.lower()] = backend
        self.home = next(iter(self.backends.values()))  # the saved state wins, as it always has

    def save(self) -> None:
        """Write the state atomically (temp file + rename): a crash never leaves half a file."""
        self.controls.version += 1  # invalidates the server's response cache
        if self.state_dir is None:
            return
        path = self.state_dir / STATE_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), separators=(",", ":")))
        os.replace(tmp, path)


def load_or_create(
    estate: dict[str, Any], clock: PlatformClock, state_dir: Path, *, reset: bool, start_given: bool
) -> Platforms:
    """The state of the last run in `state_dir` (unless `reset`), else a fresh one from `estate`."""
    platforms = Platforms(estate, clock, state_dir)
    path = state_dir / STATE_FILE
    if path.exists() and not reset:
        data = json.loads(path.read_text())
        platforms.load_json(data)
        if not start_given:
            clock._base = float(data.get("platformTime", clock.now()))  # resume platform time
    platforms.save()
    return platforms
