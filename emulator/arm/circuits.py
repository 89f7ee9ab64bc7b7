"""ExpressRoute circuits moved to ARM, as the ARM side shows them.

The classic platform has no "moved to ARM" flag on a circuit. A circuit moved with
`Move-AzExpressRouteCircuit` is still listed by the classic API (List Dedicated Circuits) and
appears on the ARM side as `Microsoft.Network/expressRouteCircuits` whose
`properties.serviceKey` is the classic service key, with `allowClassicOperations: true`. That is
what the emulator serves: the estate's `movedToArm` (or `POST /admin/circuits/{name}/move`)
creates the ARM resource; clients tell "moved" from ARM, as on the platform.
"""

from __future__ import annotations

import hashlib
from typing import Any

from emulator.classic import arm_location
from emulator.state import Platform

CIRCUIT_TYPE = "Microsoft.Network/expressRouteCircuits"
#: the resource group a moved circuit lands in unless the move names one
DEFAULT_GROUP = "ExpressRoute"


def service_key(name: str) -> str:
    """The circuit's classic service key: a GUID derived from its name (stable across runs)."""
    h = hashlib.sha256(("er:" + name).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def move(platform: Platform, circuit: dict[str, Any], group: str | None = None) -> dict[str, Any]:
    """Mark the circuit moved and put its ARM resource (and group) in place; idempotent (a
    circuit moves once: a second move keeps its first group)."""
    circuit["movedToArm"] = True
    group = circuit.get("armResourceGroup") or group or DEFAULT_GROUP
    circuit["armResourceGroup"] = group
    sub = platform.subscription
    location = arm_location(platform.estate["location"])
    platform.groups.setdefault(
        group.lower(),
        {
            "id": f"/subscriptions/{sub}/resourceGroups/{group}",
            "name": group,
            "type": "Microsoft.Resources/resourceGroups",
            "location": location,
            "tags": {},
            "properties": {"provisioningState": "Succeeded"},
        },
    )
    rid = f"/subscriptions/{sub}/resourceGroups/{group}/providers/{CIRCUIT_TYPE}/{circuit['name']}"
    resource = {
        "id": rid,
        "name": circuit["name"],
        "type": CIRCUIT_TYPE,
        "location": location,
        "tags": {},
        "sku": {"name": "Standard_MeteredData", "tier": "Standard", "family": "MeteredData"},
        "properties": {
            "provisioningState": "Succeeded",
            "serviceKey": service_key(circuit["name"]),
            "allowClassicOperations": True,
            "circuitProvisioningState": "Enabled",
            "serviceProviderProvisioningState": "Provisioned",
            "serviceProviderProperties": {
                "serviceProviderName": "Emulated Provider",
                "peeringLocation": "Emulated",
                "bandwidthInMbps": 1000,
            },
        },
    }
    platform.resources[rid.lower()] = resource
    return resource


def materialise(platform: Platform) -> None:
    """The ARM resources of the estate's circuits that start out moved (`movedToArm: true`)."""
    for circuit in platform.estate["expressRouteCircuits"]:
        if circuit.get("movedToArm"):
            move(platform, circuit)
