"""One instance per id (#20 item 6): concurrent submissions of one `requestId` give exactly one 202,
and an id that was ever started stays taken — after its instance finished, even after a purge.

Against the app under the devhost with Azurite (bounded threads: 20 requests, one each). Before
the claims, 20 parallel submissions gave 7 × 202 and replaced the instance 6 times.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from connectors import instance_claims
from tests.e2e.hostile.app import SUB, ApiHost, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("security_api")]
PARALLEL = 20


def _request(request_id: str) -> dict:
    return {"requestId": request_id, "subscriptionId": SUB, "unit": {"kind": "virtualNetwork", "name": "v"}}


def _race(api: ApiHost, path: str, body: dict) -> list[int]:
    """POST `body` from PARALLEL threads released together; their status codes."""
    gate = threading.Barrier(PARALLEL)

    def one(_: int) -> int:
        with api.client(principal="ops@contoso.com") as client:
            gate.wait(timeout=30)
            return client.post(path, json=body).status_code

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(one, range(PARALLEL), timeout=120))


def _durable(api: ApiHost) -> httpx.Client:
    return httpx.Client(base_url=f"{api.url}/runtime/webhooks/durabletask", timeout=15, trust_env=False)


def test_parallel_submissions_of_one_id_start_exactly_one_instance(api: ApiHost) -> None:
    codes = _race(api, "/api/migrations", _request("race-1"))
    assert sorted(codes) == [202] + [409] * (PARALLEL - 1), codes
    with api.client(principal="ops@contoso.com") as client:  # signed in: two-person approval is on
        audit = client.get("/api/migrations/race-1/audit").json()["entries"]
    assert [e["action"] for e in audit] == ["submit"]  # one start, one submission on record
    with _durable(api) as durable:
        history = durable.get("/instances/race-1", params={"showHistory": "true"}).json()["historyEvents"]
    assert sum(1 for e in history if e["EventType"] == "ExecutionStarted") == 1  # never replaced


def test_parallel_plan_submissions_and_a_plan_with_a_units_id(api: ApiHost) -> None:
    codes = _race(api, "/api/plans", {"planId": "race-plan", "subscriptionId": SUB})
    assert sorted(codes) == [202] + [409] * (PARALLEL - 1), codes
    with api.client(principal="ops@contoso.com") as client:  # signed in: two-person approval is on
        assert client.post("/api/migrations", json=_request("race-plan")).status_code == 409
        assert client.post("/api/plans", json={"planId": "race-1", "subscriptionId": SUB}).status_code == 409


def test_a_finished_and_purged_instances_id_stays_taken(api: ApiHost) -> None:
    with api.client(principal="ops@contoso.com") as client:  # signed in: two-person approval is on
        assert client.post("/api/migrations", json=_request("race-2")).status_code == 202
    with _durable(api) as durable:
        durable.post("/instances/race-2/terminate", params={"reason": "test"})
        wait_for(
            lambda: durable.get("/instances/race-2").json()["runtimeStatus"] == "Terminated",
            what="race-2 terminated",
        )
        assert durable.delete("/instances/race-2").status_code == 200  # purged: the host forgot it
        assert durable.get("/instances/race-2").status_code == 404
    with api.client(principal="ops@contoso.com") as client:  # signed in: two-person approval is on
        again = client.post("/api/migrations", json=_request("race-2"))
    assert again.status_code == 409, again.text
    assert "exists already" in again.json()["error"]


def test_a_claim_left_by_a_dead_starter_is_taken_over_once(api: ApiHost) -> None:
    table = api.storage.table
    # a starter that claimed the id and died before starting it, long enough ago
    assert instance_claims.claim(
        table, "race-3", "unit", now=time.time() - 2 * instance_claims.STALE_SECONDS
    ).won
    codes = _race(api, "/api/migrations", _request("race-3"))
    assert sorted(codes) == [202] + [409] * (PARALLEL - 1), codes
    # a young unstarted claim is another start under way: 409, and nothing started
    assert instance_claims.claim(table, "race-4", "unit").won
    with api.client(principal="ops@contoso.com") as client:  # signed in: two-person approval is on
        answer = client.post("/api/migrations", json=_request("race-4"))
        assert answer.status_code == 409 and "being started" in answer.json()["error"], answer.text
        assert client.get("/api/migrations/race-4").status_code == 404
