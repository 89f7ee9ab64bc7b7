"""The emulator's state: a backend per subscription, typed records, and a state file that a
restart (or an emulator of the previous format) continues from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from emulator.asm import migration
from emulator.clock import PlatformClock
from emulator.estate import load_estate
from emulator.faults import parse_faults
from emulator.records import ArmResource, Fault, Operation, Progress, ResourceGroup, Settings, UnitRecord
from emulator.state import STATE_FILE, Platforms, load_or_create

ROOT = Path(__file__).resolve().parents[3]
SMALL = ROOT / "examples" / "estates" / "small.yaml"
SUB = "00000000-0000-0000-0000-000000000001"


def _prepared(state_dir: Path) -> Platforms:
    """A stack whose VNet unit has been prepared (immediately) and whose faults list one fault."""
    platforms = load_or_create(
        load_estate(SMALL), PlatformClock(start=1_000_000.0), state_dir, reset=True, start_given=True
    )
    platforms.controls.progress.mode = "immediate"
    status, op = migration.handle(platforms.home, "virtualNetwork", "vnet-small", "prepare", None)
    assert status == 202 and isinstance(op, Operation) and op.status == "Succeeded"
    platforms.controls.faults = parse_faults([{"id": "f1", "action": {"type": "error", "status": 503}}])
    platforms.save()
    return platforms


def test_a_backend_per_subscription_and_none_for_another(tmp_path: Path) -> None:
    platforms = Platforms(load_estate(SMALL), PlatformClock(start=0), tmp_path)
    assert platforms.get(SUB) is platforms.home
    assert platforms.get("22222222-2222-2222-2222-222222222222") is None


def test_a_restart_continues_with_typed_records(tmp_path: Path) -> None:
    before = _prepared(tmp_path)
    saved = json.loads((tmp_path / STATE_FILE).read_text())
    assert saved["format"] == 2 and list(saved["subscriptions"]) == [SUB]
    after = load_or_create(
        load_estate(SMALL), PlatformClock(start=0), tmp_path, reset=False, start_given=False
    )
    record = after.home.units["virtualNetwork/vnet-small"]
    assert isinstance(record, UnitRecord) and record.state == "Prepared"
    assert record == before.home.units["virtualNetwork/vnet-small"]
    assert after.home.ops == before.home.ops
    assert after.home.groups == before.home.groups and after.home.resources == before.home.resources
    group = after.home.groups["vnet-small-migrated"]
    assert isinstance(group, ResourceGroup) and group.unit == "virtualNetwork/vnet-small"
    assert after.controls.faults == before.controls.faults and after.controls.faults[0].id == "f1"
    assert after.clock.now() >= 1_000_000.0  # platform time resumed, not restarted at 0
    fresh = load_or_create(
        load_estate(SMALL), PlatformClock(start=0), tmp_path, reset=True, start_given=False
    )
    assert fresh.home.units == {} and fresh.home.resources == {}


def _format_1(saved: dict[str, Any]) -> dict[str, Any]:
    """The file an emulator before format 2 wrote: one subscription's keys at the top level."""
    backend = saved["subscriptions"][SUB]
    controls = {k: saved[k] for k in ("faults", "progress", "settings", "seq")}
    return {**backend, **controls, "vips": {}, "platformTime": saved["platformTime"]}


def test_a_format_1_state_file_still_loads(tmp_path: Path) -> None:
    before = _prepared(tmp_path)
    path = tmp_path / STATE_FILE
    path.write_text(json.dumps(_format_1(json.loads(path.read_text()))))
    after = load_or_create(
        load_estate(SMALL), PlatformClock(start=0), tmp_path, reset=False, start_given=False
    )
    assert after.home.units == before.home.units and after.home.ops == before.home.ops
    assert after.home.estate == before.home.estate
    assert after.controls.seq == before.controls.seq
    assert json.loads(path.read_text())["format"] == 2  # rewritten in the current format


def test_the_controls_are_typed_and_keep_the_state_files_keys(tmp_path: Path) -> None:
    """Faults, progress and settings load from a format-2 file into records and are written back
    (and shown by the admin API) with the same keys and values, null switches and whole numbers
    included."""
    _prepared(tmp_path)
    path = tmp_path / STATE_FILE
    controls = {
        "faults": [
            {
                "id": "f1",
                "match": {"unit": "virtualNetwork/*"},
                "probability": 0.5,
                "count": 2,
                "action": {"type": "operationFailed", "transient": False},
                "fired": 1,
            }
        ],
        "progress": {"mode": "manual", "durations": {"prepare": 4.0, "commit": 7}},
        "settings": {
            "armPageSize": 7,
            "switches": {"operationTimeoutHours": None, "repeatCommitSucceeds": False},
            "maxFaultDomains": {"westeurope": 2},
        },
        "seq": 12,
    }
    path.write_text(json.dumps({**json.loads(path.read_text()), **controls}))
    after = load_or_create(
        load_estate(SMALL), PlatformClock(start=0), tmp_path, reset=False, start_given=False
    )
    fault = after.controls.faults[0]
    assert isinstance(fault, Fault) and fault.fired == 1 and fault.action["transient"] is False
    assert isinstance(after.controls.progress, Progress) and after.controls.progress.mode == "manual"
    settings = after.controls.settings
    assert isinstance(settings, Settings) and settings.max_fault_domains == {"westeurope": 2}
    rewritten = json.loads(path.read_text())
    assert {key: rewritten[key] for key in controls} == controls
    assert type(rewritten["progress"]["durations"]["commit"]) is int  # 7 == 7.0: the type too
    assert rewritten["settings"]["switches"]["repeatCommitSucceeds"] is False
    assert Settings().to_json() == {"armPageSize": 100}
    assert Progress().to_json()["durations"]["prepare"] == 4.0


def test_arm_resources_keep_the_emulators_state_beside_their_wire_document(tmp_path: Path) -> None:
    """A prepared VM's power state is the record's, not its document's (which is what a GET
    answers); the state file keeps it beside the document's keys, as format 2 always has."""
    platforms = _prepared(tmp_path)
    vms = {
        rid: r for rid, r in platforms.home.resources.items() if r.type == "Microsoft.Compute/virtualMachines"
    }
    assert vms and all(isinstance(r, ArmResource) and r.power and "power" not in r.doc for r in vms.values())
    saved = json.loads((tmp_path / STATE_FILE).read_text())["subscriptions"][SUB]["resources"]
    assert {rid: saved[rid]["power"] for rid in vms} == {rid: r.power for rid, r in vms.items()}
    older = {**saved[next(iter(vms))], "unit": "virtualNetwork/vnet-small", "committed": True}
    loaded = ArmResource.from_json(older)
    assert set(older) - set(loaded.doc) == {"power", "unit", "committed"}


def test_records_keep_the_admin_apis_keys() -> None:
    """`GET /admin/state` shows unit records and operations with the keys the state file had."""
    aborted = UnitRecord(aborted=True)
    assert aborted.to_json() == {"state": None, "aborted": True}
    prepared = {"state": "Prepared", "resourceGroup": "g-Migrated", "usage": {"cores": 2}, "deviations": []}
    assert UnitRecord.from_json(prepared).to_json() == prepared
    op = Operation(id="0001", kind="prepare", unit="virtualNetwork/v", created=5.0, due=None)
    assert set(op.to_json()) == {
        "id",
        "kind",
        "unit",
        "status",
        "created",
        "due",
        "httpStatusCode",
        "error",
        "data",
        "failure",
    }
    op.finished = 9.0
    assert Operation.from_json(op.to_json()) == op and op.to_json()["finished"] == 9.0


def test_an_operation_names_its_unit_or_says_it_has_none() -> None:
    write = Operation(id="0002", kind="updateStorage", unit=None, created=0.0, due=0.0)
    with pytest.raises(LookupError, match="names no unit"):
        write.migration_unit()
    assert Operation(
        id="0003", kind="commit", unit="reservedIp/r", created=0.0, due=0.0
    ).migration_unit() == ("reservedIp/r")


def test_a_resource_group_keeps_its_wire_document_and_its_unit() -> None:
    group = ResourceGroup.create(SUB, "vnet-small-Migrated", "westeurope")
    group.unit = "virtualNetwork/vnet-small"
    saved = group.to_json()
    assert saved == {
        "id": f"/subscriptions/{SUB}/resourceGroups/vnet-small-Migrated",
        "name": "vnet-small-Migrated",
        "type": "Microsoft.Resources/resourceGroups",
        "location": "westeurope",
        "tags": {},
        "properties": {"provisioningState": "Succeeded"},
        "unit": "virtualNetwork/vnet-small",
    }
    assert ResourceGroup.from_json(saved) == group and "unit" not in group.wire()
