"""Instance-id claims: one table row per id ever started, created before the instance is.

Checking that an instance does not exist and then starting it is a race: twenty concurrent
submissions of one `requestId` could all see "no instance" and all start it, each replacing the
last. A table insert is atomic — exactly one of them creates the row `instanceclaims/<id>` and may
start the instance; every other one is told the id is taken. The row stays after the instance
finished (and after a purge), so a finished migration's id answers 409 too.

A row is `PartitionKey=<id>`, `RowKey="claim"`, `kind` (unit, plan, validation), `claimedAt`
(epoch seconds) and `started` (set once the host accepted the start). A claimant that died
between its insert and its start leaves a row that is not `started` and has no instance: after
`STALE_SECONDS` another start of the id may take it over, under the row's ETag so that only one
of several retries does.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableServiceClient, UpdateMode

CLAIM_TABLE = "instanceclaims"
ROW = "claim"
# Longer than a start takes (insert → start_new → mark), shorter than the queue's retries last
# (host.json: visibilityTimeout 30 s × maxDequeueCount 5), so a retried message still gets in.
STALE_SECONDS = 60.0


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming an id: `won` (start it), else whether its holder `started` it and
    how old the claim is (a young unstarted claim is another start still under way)."""

    won: bool
    started: bool = False
    age_seconds: float = 0.0
    etag: str = ""


def ensure_table(service: TableServiceClient) -> None:
    """Create the claims table if missing (idempotent)."""
    service.create_table_if_not_exists(CLAIM_TABLE)


def _entity(instance_id: str, kind: str, now: float) -> dict[str, object]:
    return {"PartitionKey": instance_id, "RowKey": ROW, "kind": kind, "claimedAt": now, "started": False}


def claim(service: TableServiceClient, instance_id: str, kind: str, now: float | None = None) -> Claim:
    """Claim `instance_id` for a new instance of `kind`; `won` for exactly one concurrent caller."""
    table = service.get_table_client(CLAIM_TABLE)
    moment = time.time() if now is None else now
    try:
        table.create_entity(_entity(instance_id, kind, moment))
        return Claim(won=True)
    except ResourceExistsError:
        pass
    try:
        row = table.get_entity(instance_id, ROW)
    except ResourceNotFoundError:  # released meanwhile: the next attempt may win it
        return Claim(won=False)
    age = moment - float(row.get("claimedAt", moment))
    return Claim(
        won=False, started=bool(row.get("started")), age_seconds=age, etag=row.metadata["etag"] or ""
    )


def take_over(
    service: TableServiceClient, instance_id: str, kind: str, stale: Claim, now: float | None = None
) -> bool:
    """Take over a stale claim (its holder died before starting); True for exactly one caller."""
    table = service.get_table_client(CLAIM_TABLE)
    entity = _entity(instance_id, kind, time.time() if now is None else now)
    try:
        table.update_entity(
            entity, mode=UpdateMode.REPLACE, etag=stale.etag, match_condition=MatchConditions.IfNotModified
        )
        return True
    except (ResourceModifiedError, ResourceNotFoundError):
        return False


def mark_started(service: TableServiceClient, instance_id: str) -> None:
    """Record that the host accepted the start: the claim never goes stale any more."""
    table = service.get_table_client(CLAIM_TABLE)
    table.update_entity({"PartitionKey": instance_id, "RowKey": ROW, "started": True}, mode=UpdateMode.MERGE)


def release(service: TableServiceClient, instance_id: str) -> None:
    """Give the id back after a start that failed (nothing was started: a retry may claim it)."""
    with contextlib.suppress(ResourceNotFoundError):
        service.get_table_client(CLAIM_TABLE).delete_entity(instance_id, ROW)
