"""The ARM side of a migration: resource model, expected translation, comparison.

Public API (stable; add, don't rename):

- `ArmResource(type, name, location, resource_group, properties, parent=None, may_change=())`:
  frozen, id-less, comparable with `==`; `.key`, `.address`, `.children(collection)`,
  `.to_dict()` / `ArmResource.from_dict(d)`. Type constants: `RESOURCE_GROUP`, `VIRTUAL_MACHINE`,
  `VM_EXTENSION`, `AVAILABILITY_SET`, `KEY_VAULT`, `NIC`, `LOAD_BALANCER`, `PUBLIC_IP`,
  `VIRTUAL_NETWORK`, `NSG`, `ROUTE_TABLE`, `VNET_GATEWAY`, `LOCAL_GATEWAY`, `CONNECTION`,
  `STORAGE_ACCOUNT`.
- `from_arm(resource_json, resource_group=None) -> ArmResource`: normalise what the ARM reader
  returns (REST JSON shape) into the comparable shape.
- `expected_resources(estate, unit) -> list[ArmResource]`: the translation of one unit;
  `expected_by_unit(estate, units=None) -> dict[UnitRef, list[ArmResource]]` for many at once.
- `compare(expected, actual, acceptable_extra_types=()) -> list[Finding]`;
  `acceptable_extras(unit)`; `check_unit(estate, unit, actual_json_or_resources)`
  wires the three together.
- `Finding(kind, severity, resource, path, expected, actual, note)`, `.to_dict()`.
- Value normalisers shared by both sides: `arm_location`, `vm_size`, `next_hop_type`,
  `protocol`, `connection_type`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from migration.arm.compare import Finding, acceptable_extras, compare
from migration.arm.expected import expected_by_unit, expected_resources
from migration.arm.model import (
    AVAILABILITY_SET,
    CONNECTION,
    KEY_VAULT,
    LOAD_BALANCER,
    LOCAL_GATEWAY,
    NIC,
    NSG,
    PUBLIC_IP,
    RESOURCE_GROUP,
    RESOURCE_TYPES,
    ROUTE_TABLE,
    STORAGE_ACCOUNT,
    VIRTUAL_MACHINE,
    VIRTUAL_NETWORK,
    VM_EXTENSION,
    VNET_GATEWAY,
    ArmResource,
    canonical_type,
)
from migration.arm.normalise import arm_location, connection_type, from_arm, next_hop_type, protocol, vm_size
from migration.estate import Estate
from migration.units import UnitRef


def check_unit(
    estate: Estate, unit: UnitRef, actual: Iterable[ArmResource | Mapping[str, Any]]
) -> list[Finding]:
    """Compare what `unit` should have become with `actual` (ArmResources or ARM REST JSON)."""
    resources = [a if isinstance(a, ArmResource) else from_arm(a) for a in actual]
    return compare(expected_resources(estate, unit), resources, acceptable_extras(unit))


__all__ = [
    "AVAILABILITY_SET",
    "CONNECTION",
    "KEY_VAULT",
    "LOAD_BALANCER",
    "LOCAL_GATEWAY",
    "NIC",
    "NSG",
    "PUBLIC_IP",
    "RESOURCE_GROUP",
    "RESOURCE_TYPES",
    "ROUTE_TABLE",
    "STORAGE_ACCOUNT",
    "VIRTUAL_MACHINE",
    "VIRTUAL_NETWORK",
    "VM_EXTENSION",
    "VNET_GATEWAY",
    "ArmResource",
    "Finding",
    "acceptable_extras",
    "arm_location",
    "canonical_type",
    "check_unit",
    "compare",
    "connection_type",
    "expected_by_unit",
    "expected_resources",
    "from_arm",
    "next_hop_type",
    "protocol",
    "vm_size",
]
