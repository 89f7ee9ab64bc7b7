"""Snapshotting: the unit's classic neighbourhood → the core's model → a JSON blob.

The blob (`snapshots/<id>/<sha256>.json`, named by its digest: the status's `snapshot.blob` is
the only pointer to it) holds the unit's scoped estate (the subscription's lists, the
unit and the neighbours its prechecks and check look at, read fresh: `connectors.asm.scoped`,
`migration.neighbourhood`) plus the unit's own part for the review page, as canonical JSON with
its SHA-256. Secrets never reach it: the model carries certificate thumbprints only, and any key
that could hold secret material is redacted on the way out. Writing the same snapshot again
writes the same blob; a retry that read a changed estate writes another one, never changing the
blob (and digest) a status already names. A unit that does not exist is a
permanent error (the unit ends NotMigratable naming it). Other units' resources that vanish
while the estate is read (another unit committed meanwhile: its detail read answers 404) are
simply absent from the estate (`connectors.asm.snapshot.read_estate`), never this unit's error.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities._runtime import phase, storage, unit_estate
from connectors.errors import PermanentError, Reason
from migration.estate import dump_estate
from migration.unit_kinds import UNIT_COLLECTIONS
from migration.units import UnitRef
from migration.workflow import SnapshotResult, UnitStep

bp = df.Blueprint()

SECRET_KEYS = frozenset(
    {
        "privateconfiguration",
        "protectedsettings",
        "password",
        "certificatedata",
        "data",
        "privatekey",
        "secret",
        "key",
        "accesskey",
        "connectionstring",
    }
)
REDACTED = "***redacted***"


def redact(value: Any) -> Any:
    """A copy of a JSON value with every secret-looking key's value replaced."""
    if isinstance(value, dict):
        return {k: REDACTED if str(k).lower() in SECRET_KEYS else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def unit_part(estate: dict[str, Any], unit: dict[str, Any]) -> dict[str, Any]:
    """The unit's own configuration from the estate document (what the review page shows)."""
    kind, name = unit["kind"], unit["name"]
    key = UNIT_COLLECTIONS[kind]
    part: dict[str, Any] = {key: [i for i in estate.get(key, []) if i.get("name") == name]}
    if kind == "virtualNetwork":
        part["cloudServices"] = [
            s
            for s in estate.get("cloudServices", [])
            if (s.get("deployment") or {}).get("virtualNetwork") == name
        ]
    return part


@bp.activity_trigger(input_name="payload")
@phase
def snapshot_unit(payload: dict[str, Any]) -> SnapshotResult:
    """The stored snapshot's digest and blob (or `{"error"}` when the unit does not exist)."""
    step = UnitStep.from_json(payload)
    request = step.migration_request()
    unit = request.unit.model_dump(mode="json")
    scoped, how = unit_estate(request.subscription_id, UnitRef(request.unit.kind, request.unit.name))
    estate = dump_estate(scoped)
    part = unit_part(estate, unit)
    if not any(part.values()):
        raise PermanentError(
            f"{request.unit.key} does not exist in subscription {request.subscription_id}",
            code="ResourceNotFound",
            reason=Reason.NOT_FOUND,
        )
    document = redact({"id": step.id, "unit": unit, "unitConfig": part, "estate": estate, "read": how})
    stored = storage().put_snapshot(step.id, document)
    return SnapshotResult(digest=stored.sha256, blob=stored.name)
