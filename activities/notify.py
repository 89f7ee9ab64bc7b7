"""Events on `migration-events`, entries in the append-only `audit` table, the phase index.

Events are at-least-once (a retried activity may publish twice): each carries an `eventId`
chosen by the orchestrator, the same on every retry, and consumers drop duplicates by it.
Audit entries carry an `entryId` from the orchestrator, so a retried append writes one row.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities._runtime import phase, storage
from connectors.phase_index import record_phase
from migration.workflow import AuditInput, AuditResult, Event, IndexInput, IndexResult, NotifyResult

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload")
@phase
def notify(payload: dict[str, Any]) -> NotifyResult:
    """Publish `{"type", "at", "data": {"id", …}}` on `migration-events`."""
    event = Event.from_json(payload)
    message_id = storage().publish_event(event.type, {"id": event.id, **event.data}, event_id=event.event_id)
    return NotifyResult(messageId=message_id)


@bp.activity_trigger(input_name="payload")
@phase
def audit_entry(payload: dict[str, Any]) -> AuditResult:
    """Append one audit entry (idempotent by `entryId`)."""
    item = AuditInput.from_json(payload)
    entry = storage().append_audit(item.id, item.principal, item.action, item.comment, entry_id=item.entry_id)
    return AuditResult(entryId=entry.entry_id)


@bp.activity_trigger(input_name="payload")
@phase
def index_phase(payload: dict[str, Any]) -> IndexResult:
    """Write the unit's new phase to the phase index (`connectors.phase_index`); a late retry of
    an older change loses to the newer one (`seq`)."""
    item = IndexInput.from_json(payload)
    current = record_phase(storage().table, item.id, item.unit, item.phase, item.at, item.seq)
    return IndexResult(current=current)
