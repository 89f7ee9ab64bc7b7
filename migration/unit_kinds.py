"""The kinds of migration unit, in the platform's required order (circuits move outside c2arm).

One list for the request schema (`migration/requests.py`: a unit's `kind`), the estate's units
(`migration/units.py`) and the estate collection each kind is listed in (the snapshot's unit
part). It is a leaf module so that parsing a request (the CLI's operator commands, the HTTP and
queue triggers) does not import the estate model that `units` needs.
"""

from __future__ import annotations

from typing import Literal, get_args

#: A unit kind, as a type (the request models' `kind` field).
UnitKind = Literal[
    "virtualNetwork", "cloudService", "storageAccount", "reservedIp", "networkSecurityGroup", "routeTable"
]
#: The unit kinds, in the platform's required order.
UNIT_KINDS: tuple[str, ...] = get_args(UnitKind)
#: The estate document's collection (its top-level key) that lists each unit kind: the kind's
#: plural, as `estate.yaml` names them (a test holds each to a field of the estate model).
UNIT_COLLECTIONS: dict[str, str] = {kind: f"{kind}s" for kind in UNIT_KINDS}
