"""Events on `migration-events`, entries in the append-only `audit` table, the phase index.

Events are at-least-once (a retried activity may publish twice; consumers key on `id` +
`type`). Audit entries carry an `entryId` from the orchestrator, so a retried append writes one
row.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities._runtime import phase, storage
from connectors.phase_index import record_phase

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload")
@phase
def notify(payload: dict[str, Any]) -> dict[str, Any]:
    """Publish `{"type", "at", "data": {"id", …}}` on `migration-events`."""
    message_id = storage().publish_event(
        payload["type"], {"id": payload["id"], **(payload.get("data") or {})}
    )
    return {"messageId": message_id}


@bp.activity_trigger(input_name="payload")
@phase
def audit_entry(payload: dict[str, Any]) -> dict[str, Any]:
    """Append one audit entry (idempotent by `entryId`)."""
    entry = storage().append_audit(payload["id"], payload["principal"], payload["action"],
                                   payload.get("comment", ""), entry_id=payload.get("entryId"))  # fmt: skip
    return {"entryId": entry.entry_id}


@bp.activity_trigger(input_name="payload")
@phase
def index_phase(payload: dict[str, Any]) -> dict[str, Any]:
    """Write the unit's new phase to the phase index (`connectors.phase_index`); a late retry of
    an older change loses to the newer one (`seq`)."""
    current = record_phase(storage().table, payload["id"], payload["unit"], payload["phase"],
                           payload["at"], int(payload["seq"]))  # fmt: skip
    return {"current": current}
