"""Starting one migration — the same for the HTTP API, the queue intake and the schedule.

The instance id is the request's `requestId`; an id that was ever claimed starts nothing (the
caller answers 409 or drops the duplicate). The id is claimed with an atomic table insert before
anything starts (`connectors.instance_claims`), so of any number of concurrent starts exactly one
reaches the host, and the id of a finished (even purged) instance stays taken. host.json's
`overridableExistingInstanceStates: NonRunningStates` makes the host refuse to replace an
instance as well, should anything else start one.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from enum import Enum

import azure.durable_functions as df
from azure.core.exceptions import AzureError

from connectors import instance_claims
from connectors.phase_index import record_phase
from migration.names import MIGRATE_UNIT as UNIT_ORCHESTRATOR
from migration.requests import MigrationRequest, unit_input
from triggers._runtime import instance, off_loop, storage, unit_links, view, workflow_config

log = logging.getLogger("c2arm.triggers.start")


class Taken(Enum):
    """Why an id cannot be started: it is (or was) an instance, or another start of it is under way."""

    EXISTS = "exists"
    IN_FLIGHT = "in flight"


async def claim_id(client: df.DurableOrchestrationClient, instance_id: str, kind: str) -> Taken | None:
    """Claim `instance_id` for a new instance of `kind`; None when the caller may start it.

    A claim left by a starter that died before starting (no instance, not started, older than
    `instance_claims.STALE_SECONDS`) is taken over by one caller; a younger one is IN_FLIGHT.
    An id whose instance exists from before the claims (an upgraded app) counts as EXISTS.
    """
    table = (await off_loop(storage)).table
    claim = await asyncio.to_thread(instance_claims.claim, table, instance_id, kind)
    if not claim.won:
        if claim.started or await instance(client, instance_id) is not None:
            return Taken.EXISTS
        if claim.age_seconds < instance_claims.STALE_SECONDS:
            return Taken.IN_FLIGHT
        if not await asyncio.to_thread(instance_claims.take_over, table, instance_id, kind, claim):
            return Taken.IN_FLIGHT
    if await instance(client, instance_id) is not None:  # started before claims existed
        await asyncio.to_thread(instance_claims.mark_started, table, instance_id)
        return Taken.EXISTS
    return None


async def start_claimed(
    client: df.DurableOrchestrationClient, orchestrator: str, instance_id: str, payload: object
) -> None:
    """Start the instance of a won claim; on failure give the id back (nothing started) and raise."""
    try:
        await client.start_new(orchestrator, instance_id, payload)
    except Exception:
        if await instance(client, instance_id) is None:
            await asyncio.to_thread(instance_claims.release, storage().table, instance_id)
            raise
    try:
        await asyncio.to_thread(instance_claims.mark_started, storage().table, instance_id)
    except AzureError:  # the instance exists: later claims see it even without the mark
        log.warning("instance %s started but its claim could not be marked started", instance_id)


async def phase_of(client: df.DurableOrchestrationClient, instance_id: str) -> str:
    """The phase a 409 names: the instance's, or Queued while another start is under way."""
    existing = await instance(client, instance_id)
    return view(existing)["phase"] if existing is not None else "Queued"


async def start_migration(
    client: df.DurableOrchestrationClient,
    request: MigrationRequest,
    requested_by: str | None,
    base: str,
    *,
    channel: str,
    requester_id: str | None = None,
) -> tuple[Taken | None, str]:
    """Start `migrate_unit` for `request`; (None, "Queued") when started, else (why not, phase)."""
    payload = unit_input(
        request,
        workflow_config(),
        unit_links(base, request.request_id),
        requested_by=requested_by,
        requested_by_id=requester_id,
    )
    taken = await claim_id(client, request.request_id, "unit")
    if taken is not None:
        return taken, await phase_of(client, request.request_id)
    await start_claimed(client, UNIT_ORCHESTRATOR, request.request_id, payload)
    who, at = requested_by or "unknown", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def record() -> None:
        storage().append_audit(request.request_id, who, "submit", f"via {channel}", entry_id="submit")
        # the phase index's first row (the orchestrator writes every later phase, seq 2 onwards)
        record_phase(storage().table, request.request_id, request.unit.key, "Queued", at, 1)

    await off_loop(record)
    log.info("migration %s started (%s, %s)", request.request_id, request.unit.key, channel)
    return None, "Queued"
