"""Listing migrations at scale: every page of the task hub, and `?phase=` from the phase index.

azure-functions-durable 1.7's `get_status_all` sends one request and returns what it got: on
Azure that is the first page only (100 instances; azure-functions-durable-python issue #580),
because the host pages with the `x-ms-continuation-token` response header, which the SDK's
HTTP helper drops. So the instances are read here from the same Durable HTTP endpoint the SDK
uses (`rpc_base_url` + `instances/`), with `top` and the continuation header, until the host
hands out no further token.

The Durable API cannot filter on custom status, so `?phase=` reads the phase index
(`connectors.phase_index`, written by `migrate_unit` at every phase change) instead of every
instance, and confirms the rows of the page asked for against their instances: a unit the host
ended itself (terminated, or failed outside the orchestrator's code) shows its real phase.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df
import httpx
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus

from connectors.phase_index import rows_in_phase
from migration.names import MIGRATE_UNIT as UNIT_ORCHESTRATOR
from triggers._runtime import instance, storage, view

HUB_PAGE = 100  # instances per request to the Durable API (the host's own default page)
CONTINUATION = "x-ms-continuation-token"


def _rpc_base(client: df.DurableOrchestrationClient) -> str:
    """The Durable HTTP endpoint the client binding names (the SDK offers no public accessor)."""
    base = client._orchestration_bindings.rpc_base_url
    if not base:
        raise ValueError("the durable client binding names no management endpoint (rpcBaseUrl)")
    return base


async def all_statuses(
    client: df.DurableOrchestrationClient, page: int = HUB_PAGE
) -> list[DurableOrchestrationStatus]:
    """Every instance of the task hub, page after page (`top` + `x-ms-continuation-token`)."""
    url = f"{_rpc_base(client)}instances/"
    out: list[DurableOrchestrationStatus] = []
    token: str | None = None
    seen: set[str] = set()
    async with httpx.AsyncClient(timeout=60, trust_env=False) as http:
        while True:
            headers = {CONTINUATION: token} if token else {}
            answer = await http.get(url, params={"top": str(page)}, headers=headers)
            answer.raise_for_status()
            out.extend(DurableOrchestrationStatus.from_json(doc) for doc in answer.json() or [])
            token = answer.headers.get(CONTINUATION)
            if not token or token in seen:  # no further page (a repeated token would loop forever)
                return out
            seen.add(token)


async def unit_rows(client: df.DurableOrchestrationClient) -> list[dict[str, Any]]:
    """`{id, unit, phase, updatedAt}` of every unit migration (not plans), newest first."""
    rows = []
    for status in await all_statuses(client):
        if status.name != UNIT_ORCHESTRATOR:
            continue
        doc = view(status)
        rows.append(
            {
                "id": doc["id"],
                "unit": doc.get("unit"),
                "phase": doc["phase"],
                "updatedAt": doc.get("updatedAt"),
            }
        )
    rows.sort(key=lambda r: (r["updatedAt"] or "", r["id"]), reverse=True)
    return rows


def indexed_ids(phase: str) -> list[tuple[str, str]]:
    """`(updatedAt, id)` of the units the index has in `phase`, newest first."""
    rows = [(row.updated_at, row.id) for row in rows_in_phase(storage().table, phase)]
    rows.sort(reverse=True)
    return rows


async def confirmed(
    client: df.DurableOrchestrationClient, ids: list[str], phase: str
) -> list[dict[str, Any]]:
    """The rows of `ids` whose instance is a unit migration in `phase` now."""
    out = []
    for unit_id in ids:
        status = await instance(client, unit_id)
        if status is None or status.name not in (None, UNIT_ORCHESTRATOR):
            continue
        doc = view(status)
        if doc["phase"] == phase:
            out.append(
                {
                    "id": doc["id"],
                    "unit": doc.get("unit"),
                    "phase": doc["phase"],
                    "updatedAt": doc.get("updatedAt"),
                }
            )
    return out
