"""Hostile ids and tokens on the HTTP API (#20 item 10): never a 500. Ids of dots only would be path
segments (the Durable client resolves `/instances/.` to the instance list), `%2F` a path separator;
a submission answers 400 naming the field, a read route 404 without reaching the Durable client."""

from __future__ import annotations

import base64

import pytest

from tests.e2e.hostile.app import SUB, ApiHost

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("hostile_api")]
# sent as written: `.` and `..` themselves are resolved away by any HTTP client, their encodings are not
HOSTILE_IDS = ["...", "a%2Fb", "%2E", "%2E%2E", "%2e%2e%2F", "a%00b", "x" * 101]


@pytest.mark.parametrize("request_id", [".", "..", "a/b", "a~b", "x" * 101])
def test_a_hostile_request_id_is_a_400_naming_it(api: ApiHost, request_id: str) -> None:
    body = {"requestId": request_id, "subscriptionId": SUB, "unit": {"kind": "virtualNetwork", "name": "v"}}
    with api.client() as client:
        answer = client.post("/api/migrations", json=body)
        assert answer.status_code == 400, answer.text
        assert [e["field"] for e in answer.json()["errors"]] == ["requestId"]
        plan = client.post("/api/plans", json={"planId": request_id, "subscriptionId": SUB})
        assert plan.status_code == 400 and [e["field"] for e in plan.json()["errors"]] == ["planId"]
    assert api.instance_ids() == set()


@pytest.mark.parametrize("raw_id", HOSTILE_IDS)
def test_a_hostile_id_on_a_read_route_is_a_404(api: ApiHost, raw_id: str) -> None:
    api.reads_answer(raw_id, (404, 405))


@pytest.mark.parametrize("offset", ["-1", "-100", "1e3", "", "0x10"])
def test_a_continuation_token_not_from_this_api_is_a_400_naming_it(api: ApiHost, offset: str) -> None:
    token = base64.urlsafe_b64encode(offset.encode()).decode() or "!!"
    with api.client() as client:
        answer = client.get("/api/migrations", params={"continuationToken": token})
    assert answer.status_code == 400, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["continuationToken"]
