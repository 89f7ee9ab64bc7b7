"""One decision per wait, and single-use review tokens: conditional inserts in the `decisions` table.

Two people pressing Approve and Abort at once used to get 202 each, while only one decision
could take effect. A decision route first claims its (unit, wait) row with a conditional insert
(Table storage's insert fails with 409 when the row exists): exactly one claim of concurrent
decisions succeeds, the others answer 409. A review page's token is spent the same way, so a
captured form post cannot be replayed.

The claim and the event are two writes, so a process that dies between them leaves a claimed wait
whose event was never raised. The claim row therefore holds the whole decision (`comment`,
`claimedAt`): a later decision route finds the claim stale (`STALE_CLAIM_SECONDS`) while the unit
still waits and re-delivers the claimed decision — the first decider's, never its own — so the wait
is decided as it was claimed. A re-delivered event that was in fact delivered decides nothing
twice: the orchestrator acts on one decision per wait.

Rows: `PartitionKey=<unit id>`, `RowKey=wait-<wait>` (`decision`, `principal`, `principalId`,
`comment`, `claimedAt`) or `token-<sha256 of the token>`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.data.tables import TableServiceClient

# How long a claim may go without its event before a later decision route re-delivers it: far
# longer than a claim-then-raise takes (two storage calls), so a decision in flight is not doubled.
STALE_CLAIM_SECONDS = 120.0

DECISIONS_TABLE = "decisions"


def ensure_table(service: TableServiceClient) -> None:
    """Create the table if missing (idempotent)."""
    service.create_table_if_not_exists(DECISIONS_TABLE)


@dataclass(frozen=True)
class Claim:
    """A decision as claimed for one wait: enough to raise its event again."""

    decision: str
    principal: str
    principal_id: str
    comment: str
    claimed_at: datetime

    def stale(self, now: datetime) -> bool:
        return (now - self.claimed_at).total_seconds() > STALE_CLAIM_SECONDS


def claim_wait(service: TableServiceClient, unit_id: str, wait: str, claim: Claim) -> bool:
    """True when this is the first decision claimed for `wait` of `unit_id` (then it is this one)."""
    entity = {
        "PartitionKey": unit_id,
        "RowKey": f"wait-{wait}",
        "decision": claim.decision,
        "principal": claim.principal,
        "principalId": claim.principal_id,
        "comment": claim.comment,
        "claimedAt": claim.claimed_at.astimezone(UTC).isoformat(),
    }
    try:
        service.get_table_client(DECISIONS_TABLE).create_entity(entity)
    except ResourceExistsError:
        return False
    return True


def claim_of(service: TableServiceClient, unit_id: str, wait: str) -> Claim | None:
    """The decision claimed for `wait` of `unit_id`, or None (never claimed, or given back). A row
    written before claims kept their time counts as claimed now: it is never re-delivered early."""
    try:
        row = service.get_table_client(DECISIONS_TABLE).get_entity(unit_id, f"wait-{wait}")
    except ResourceNotFoundError:
        return None
    stamp = row.get("claimedAt")
    return Claim(
        decision=str(row.get("decision", "")),
        principal=str(row.get("principal", "")),
        principal_id=str(row.get("principalId", "")),
        comment=str(row.get("comment", "")),
        claimed_at=datetime.fromisoformat(stamp) if isinstance(stamp, str) else datetime.now(UTC),
    )


def release_wait(service: TableServiceClient, unit_id: str, wait: str) -> None:
    """Give a claim back (the decision could not be delivered), so the wait can still be decided."""
    service.get_table_client(DECISIONS_TABLE).delete_entity(unit_id, f"wait-{wait}")  # absent: no error


def spend_token(service: TableServiceClient, unit_id: str, token: str) -> bool:
    """True the first time `token` is used for `unit_id`; False for any later use."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    try:
        service.get_table_client(DECISIONS_TABLE).create_entity(
            {"PartitionKey": unit_id, "RowKey": f"token-{digest}"}
        )
    except ResourceExistsError:
        return False
    return True
