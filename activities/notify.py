"""Events on `migration-events` and entries in the append-only `audit` table.

Events are at-least-once (a retried activity may publish twice; consumers key on `id` +
`type`). Audit entries carry an `entryId` from the orchestrator, so a retried append writes one
row.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities._runtime import phase, storage

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
