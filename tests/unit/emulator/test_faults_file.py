"""`--faults FILE`: the emulator's start-up faults, read from YAML or JSON into `Fault` records
with their defaults filled in (what `GET /admin/faults` then shows), or refused with the field
named."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.__main__ import load_faults
from emulator.faults import FaultError
from emulator.records import Fault


def test_a_yaml_file_becomes_fault_records_with_their_defaults(tmp_path: Path) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text("faults:\n  - match: {api: asm}\n    action: {type: throttle, limit: 2}\n")
    (fault,) = load_faults(path)
    assert isinstance(fault, Fault)
    assert fault.to_json() == {
        "id": "fault-1",
        "match": {"api": "asm"},
        "probability": 1.0,
        "count": None,
        "action": {"type": "throttle", "limit": 2},
        "fired": 0,
    }


def test_a_json_list_loads_and_a_bad_fault_is_named(tmp_path: Path) -> None:
    path = tmp_path / "faults.json"
    path.write_text('[{"id": "slow", "action": {"type": "slowOperation", "factor": 3}, "count": 1}]')
    assert [(f.id, f.count) for f in load_faults(path)] == [("slow", 1)]
    path.write_text('[{"action": {"type": "error"}, "probability": 2}]')
    with pytest.raises(FaultError, match=r"faults\[0\]\.probability"):
        load_faults(path)
