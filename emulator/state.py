"""The emulator's whole state, persisted as JSON in the state directory.

A restart continues where the last run stopped (classic side, migration states, ARM side,
operations, faults, platform time); `--reset` starts over from the estate file.
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

STATE_FILE = "state.json"
DEFAULT_DURATIONS = {  # platform seconds
    "prepare": 4.0,
    "commit": 3.0,
    "abort": 3.0,
    "write": 1.0,  # management-plane writes (add disk, role start/shutdown, delete …)
    "convert": 5.0,  # ARM convertToManagedDisks of a migrated VM
}


class Platform:
    """Everything the emulator knows: the live classic estate, units, operations, ARM, faults."""

    def __init__(self, estate: dict[str, Any], clock: PlatformClock, state_dir: Path | None = None) -> None:
        self.original = estate
        self.clock = clock
        self.version = 0
        self.state_dir = state_dir
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the estate file: classic side as loaded, nothing prepared, no ARM resources."""
        self.estate: dict[str, Any] = copy.deepcopy(self.original)
        self.subscription: str = self.estate["subscriptionId"]
        self.units: dict[str, dict[str, Any]] = {}
        self.ops: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}  # lower-case name -> group
        self.resources: dict[str, dict[str, Any]] = {}  # lower-case id -> resource
        self.faults: list[dict[str, Any]] = getattr(self, "faults", [])
        self.progress: dict[str, Any] = {"mode": "timed", "durations": dict(DEFAULT_DURATIONS)}
        self.settings: dict[str, Any] = {"armPageSize": 100}
        self.seq = 0
        self.vips: dict[str, str] = {}
        for circuit in self.estate["expressRouteCircuits"]:  # circuits moved to ARM up front
            if circuit.get("movedToArm"):
                self.move_circuit(circuit)

    def to_json(self) -> dict[str, Any]:
        return {
            "estate": self.estate,
            "original": self.original,
            "units": self.units,
            "ops": self.ops,
            "groups": self.groups,
            "resources": self.resources,
            "faults": self.faults,
            "progress": self.progress,
            "settings": self.settings,
            "seq": self.seq,
            "vips": self.vips,
            "platformTime": self.clock.now(),
        }

    def load_json(self, data: dict[str, Any]) -> None:
        self.original = data["original"]
        self.estate = data["estate"]
        self.subscription = self.estate["subscriptionId"]
        for key in ("units", "ops", "groups", "resources", "faults", "progress", "settings", "seq", "vips"):
            setattr(self, key, data[key])

    def save(self) -> None:
        """Write the state atomically (temp file + rename): a crash never leaves half a file."""
        self.version += 1  # invalidates the server's response cache
        if self.state_dir is None:
            return
        path = self.state_dir / STATE_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), separators=(",", ":")))
        os.replace(tmp, path)

    # -- helpers ---------------------------------------------------------------------------
    def next_id(self) -> str:
        """A request id as the platform's `x-ms-request-id`: 32 hex digits (recorded answers,
        azure-xplat-cli 2016); the Operation's `<ID>` is the same GUID with dashes
        (`dashed_id`). The sequence first keeps ids readable in logs."""
        self.seq += 1
        return f"{self.seq:08x}{os.urandom(12).hex()}"

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
        return record["state"] if record else None

    def reported_state(self, unit: str) -> str | None:
        """The `MigrationState` element's text on reads: the state, or the literal `None` for a
        unit that has been through migration and is back to not prepared (after an abort, as the
        platform's enum `IaaSClassicToArmMigrationState` says); absent for an untouched unit."""
        record = self.units.get(unit)
        if record is None:
            return None
        return record["state"] or "None"

    def move_circuit(self, circuit: dict[str, Any], group: str | None = None) -> dict[str, Any]:
        """Mark an ExpressRoute circuit moved to ARM and put its ARM resource (and group) in
        place (`emulator/arm/circuits.py`); idempotent: a circuit moves once, a second move keeps
        its first group."""
        circuit["movedToArm"] = True
        group = circuit.get("armResourceGroup") or group or circuits.DEFAULT_GROUP
        circuit["armResourceGroup"] = group
        location = arm_location(self.estate["location"])
        group_resource, resource = circuits.resources(self.subscription, group, circuit["name"], location)
        self.groups.setdefault(group.lower(), group_resource)
        self.resources[resource["id"].lower()] = resource
        return resource

    def location_of(self, item: dict[str, Any]) -> str:
        location: str = item.get("location") or self.estate["location"]
        return location


def load_or_create(
    estate: dict[str, Any], clock: PlatformClock, state_dir: Path, *, reset: bool, start_given: bool
) -> Platform:
    """The state of the last run in `state_dir` (unless `reset`), else a fresh one from `estate`."""
    platform = Platform(estate, clock, state_dir)
    path = state_dir / STATE_FILE
    if path.exists() and not reset:
        data = json.loads(path.read_text())
        platform.load_json(data)
        if not start_given:
            clock._base = float(data.get("platformTime", clock.now()))  # resume platform time
    platform.save()
    return platform
