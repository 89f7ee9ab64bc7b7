"""Starting one migration — the same for the HTTP API, the queue intake and the schedule.

The instance id is the request's `requestId`; an id that already exists starts nothing (the
caller answers 409 or drops the duplicate). Two starts racing for one id both reach the host,
which refuses the second; that refusal is reported as a duplicate too.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import azure.durable_functions as df

from connectors.phase_index import record_phase
from migration.names import MIGRATE_UNIT as UNIT_ORCHESTRATOR
from migration.requests import MigrationRequest, unit_input
from triggers._runtime import instance, storage, unit_links, view, workflow_config

log = logging.getLogger("c2arm.triggers.start")


async def start_migration(
    client: df.DurableOrchestrationClient, request: MigrationRequest, requested_by: str | None, base: str,
    *, channel: str,
) -> tuple[bool, str]:  # fmt: skip
    """Start `migrate_unit` for `request`; (started, phase). Not started = the id exists already."""
    existing = await instance(client, request.request_id)
    if existing is not None:
        return False, view(existing)["phase"]
    payload = unit_input(request, workflow_config(), unit_links(base, request.request_id),
                         requested_by=requested_by)  # fmt: skip
    try:
        await client.start_new(UNIT_ORCHESTRATOR, request.request_id, payload)
    except Exception:
        again = await instance(client, request.request_id)
        if again is not None:  # lost a race with another start of the same id
            return False, view(again)["phase"]
        raise
    storage().append_audit(request.request_id, requested_by or "unknown", "submit", f"via {channel}",
                           entry_id="submit")  # fmt: skip
    # the phase index's first row (the orchestrator writes every later phase, seq 2 onwards)
    record_phase(storage().table, request.request_id, request.unit.key, "Queued",
                 datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), 1)  # fmt: skip
    log.info("migration %s started (%s, %s)", request.request_id, request.unit.key, channel)
    return True, "Queued"
