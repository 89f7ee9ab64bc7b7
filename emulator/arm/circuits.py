"""ExpressRoute circuits moved to ARM, as the ARM side shows them.

The classic platform has no "moved to ARM" flag on a circuit. A circuit moved with
`Move-AzExpressRouteCircuit` is still listed by the classic API (List Dedicated Circuits) and
appears on the ARM side as `Microsoft.Network/expressRouteCircuits` whose
`properties.serviceKey` is the classic service key, with `allowClassicOperations: true`. That is
what the emulator serves: the estate's `movedToArm` (or `POST /admin/circuits/{name}/move`)
creates the ARM resource (`Platform.move_circuit`); clients tell "moved" from ARM, as on the
platform. This module only builds the resources: it imports nothing of the emulator's state.
"""

from __future__ import annotations

import hashlib
from typing import Any

CIRCUIT_TYPE = "Microsoft.Network/expressRouteCircuits"
#: the resource group a moved circuit lands in unless the move names one
DEFAULT_GROUP = "ExpressRoute"


def service_key(name: str) -> str:
    """The circuit's classic service key: a GUID derived from its name (stable across runs)."""
    h = hashlib.sha256(("er:" + name).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def resource(subscription: str, group: str, name: str, location: str) -> dict[str, Any]:
    """The circuit's ARM resource (in `group`)."""
    return {
        "id": f"/subscriptions/{subscription}/resourceGroups/{group}/providers/{CIRCUIT_TYPE}/{name}",
        "name": name,
        "type": CIRCUIT_TYPE,
        "location": location,
        "tags": {},
        "sku": {"name": "Standard_MeteredData", "tier": "Standard", "family": "MeteredData"},
        "properties": {
            "provisioningState": "Succeeded",
            "serviceKey": service_key(name),
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
