"""One decision per wait, and single-use review tokens: conditional inserts in the `decisions` table.

Two people pressing Approve and Abort at once used to get 202 each, while only one decision
could take effect. A decision route first claims its (unit, wait) row with a conditional insert
(Table storage's insert fails with 409 when the row exists): exactly one claim of concurrent
decisions succeeds, the others answer 409. A review page's token is spent the same way, so a
captured form post cannot be replayed.

Rows: `PartitionKey=<unit id>`, `RowKey=wait-<wait>` (`decision`, `principal`, `principalId`) or
`token-<sha256 of the token>`.
"""

from __future__ import annotations

import hashlib

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableServiceClient

DECISIONS_TABLE = "decisions"


def ensure_table(service: TableServiceClient) -> None:
    """Create the table if missing (idempotent)."""
    service.create_table_if_not_exists(DECISIONS_TABLE)


def claim_wait(
    service: TableServiceClient, unit_id: str, wait: str, decision: str, principal: str, principal_id: str
) -> bool:
    """True when this is the first decision claimed for `wait` of `unit_id` (then it is this one)."""
    entity = {
        "PartitionKey": unit_id,
        "RowKey": f"wait-{wait}",
        "decision": decision,
        "principal": principal,
        "principalId": principal_id,
    }
    try:
        service.get_table_client(DECISIONS_TABLE).create_entity(entity)
    except ResourceExistsError:
        return False
    return True


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
