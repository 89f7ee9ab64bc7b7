"""`GET /api/migrations` at scale, on the devhost + Azurite: every page of the task hub, and
`?phase=` from the phase index (not from reading every instance).

More than a page of instances is made cheaply: `migrate_unit` started through the Durable
webhook with an input it cannot use fails in its first episode (phase `Failed` in the API's view)
and writes nothing to the phase index.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import azure.durable_functions as df
import httpx
import pytest

from connectors.phase_index import get_row, record_phase
from tests.e2e.conftest import App, request, wait_phase
from tests.polling import wait_for
from triggers._listing import all_statuses

pytestmark = pytest.mark.e2e
WEBHOOK = "/runtime/webhooks/durabletask"
BROKEN = 230  # more than two pages of the host's 100


def _durable_client(app: App) -> df.DurableOrchestrationClient:
    """The SDK's client over the devhost's Durable endpoint (as a binding would hand it over)."""
    binding = {
        "taskHubName": "c2arm",
        "creationUrls": {},
        "managementUrls": {},
        "rpcBaseUrl": f"{app.url}{WEBHOOK}/",
        "baseUrl": f"{app.url}{WEBHOOK}",
    }
    return df.DurableOrchestrationClient(json.dumps(binding))


@pytest.fixture(scope="module")
def crowded(api_host: App) -> App:
    """BROKEN failed unit instances plus three real submissions (Failed: no platform behind)."""
    with httpx.Client(base_url=api_host.url, timeout=30, trust_env=False) as hub:
        for i in range(BROKEN):
            started = hub.post(f"{WEBHOOK}/orchestrators/migrate_unit/crowd-{i:03d}", json={"bad": i})
            assert started.status_code == 202, started.text

        def all_ended() -> bool | None:
            rows = hub.get(f"{WEBHOOK}/instances", params={"top": 1000, "instanceIdPrefix": "crowd-"}).json()
            return (len(rows) == BROKEN and all(r["runtimeStatus"] == "Failed" for r in rows)) or None

        wait_for(all_ended, 120, "the crowd's instances failed")
    # TWO_PERSON_APPROVAL is on: a submission needs a signed-in requester
    with api_host.client(principal="requester@contoso.com") as client:
        for name in ("real-1", "real-2", "real-3"):
            assert client.post("/api/migrations", json=request(name, dryRun=True)).status_code == 202
    for name in ("real-1", "real-2", "real-3"):
        wait_phase(api_host, name, {"Failed"}, timeout=120)
    return api_host


def _pages(app: App, **params: str) -> list[list[dict[str, Any]]]:
    pages = []
    with app.client() as client:
        while True:
            answer = client.get("/api/migrations", params=params)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            pages.append(body["migrations"])
            if "continuationToken" not in body:
                return pages
            params = {**params, "continuationToken": body["continuationToken"]}


def test_the_list_holds_every_unit_across_the_hubs_pages(crowded: App) -> None:
    pages = _pages(crowded)
    ids = [row["id"] for page in pages for row in page]
    assert len(pages) == 3 and [len(p) for p in pages] == [100, 100, BROKEN + 3 - 200]
    assert len(set(ids)) == len(ids) == BROKEN + 3
    assert {f"crowd-{i:03d}" for i in range(BROKEN)} | {"real-1", "real-2", "real-3"} == set(ids)


def test_the_client_follows_the_hubs_continuation_tokens(crowded: App) -> None:
    """Pages smaller than the host's: only following every token gives every instance once."""
    statuses = asyncio.run(all_statuses(_durable_client(crowded), page=37))
    ids = [s.instance_id for s in statuses if s.instance_id.startswith(("crowd-", "real-"))]
    assert len(ids) == len(set(ids)) == BROKEN + 3


def test_phase_lists_come_from_the_index(crowded: App) -> None:
    """The crowd is Failed too, but was never indexed: `?phase=Failed` shows the indexed units only."""
    rows = [row for page in _pages(crowded, phase="Failed") for row in page]
    assert sorted(r["id"] for r in rows) == ["real-1", "real-2", "real-3"]
    assert all(r["phase"] == "Failed" and r["unit"]["name"] == "vnet-small" for r in rows)
    row = get_row(crowded.storage.table, "real-1")
    assert row is not None and row.phase == "Failed" and row.unit == "virtualNetwork/vnet-small"
    assert row.seq >= 3  # Queued (the trigger), Snapshotting …, Failed (the orchestrator)
    assert _pages(crowded, phase="Queued") == [[]]


def test_an_older_phase_never_overwrites_a_newer_one(crowded: App) -> None:
    row = get_row(crowded.storage.table, "real-2")
    assert row is not None
    assert not record_phase(crowded.storage.table, "real-2", row.unit, "Snapshotting", row.updated_at, 2)
    assert get_row(crowded.storage.table, "real-2") == row


def test_a_stale_index_row_is_confirmed_against_the_instance(crowded: App) -> None:
    """A row the orchestrator did not write last (say the host terminated the unit) is not listed
    under the phase the instance is no longer in."""
    record_phase(
        crowded.storage.table,
        "real-3",
        "virtualNetwork/vnet-small",
        "AwaitingApproval",
        "2099-01-01T00:00:00.000000Z",
        99,
    )
    assert _pages(crowded, phase="AwaitingApproval") == [[]]


def test_an_unknown_phase_is_a_400_naming_the_field(crowded: App) -> None:
    with crowded.client() as client:
        answer = client.get("/api/migrations", params={"phase": "Done"})
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "phase" and "'Done' is not a phase" in answer.text
