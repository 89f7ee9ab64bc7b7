"""The HTTP API under fuzzing, through the devhost: never a 500, a 400 naming the broken field,
and nothing started — checked through the durable instance list, not only the API's own answer."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.hostile.app import APPROVER, SECOND_APPROVER, ApiHost
from tests.unit.hostile.strategies import Broken, broken_requests, json_values

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("hostile_api")]
SLOW_OK = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=SLOW_OK)
raw_bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.sampled_from(
        [
            b"",
            b"{",
            b"[1",
            b"null",
            b"{}",
            b'{"requestId": "\xff\xfe"}',
            b"\x00" * 64,
            b'{"a":' * 500 + b"1" + b"}" * 500,
            b'"' + b"x" * 100_000 + b'"',
        ]
    ),
)
DEEP = b'{"a":' * 2000 + b"1" + b"}" * 2000


def _check_refusal(response_status: int, body: bytes) -> dict:
    assert response_status != 500
    assert response_status == 400, (response_status, body[:300])
    doc = json.loads(body)
    assert doc["errors"] and all(e["field"] and e["message"] for e in doc["errors"])
    return doc


@FUZZ
@given(raw_bodies)
def test_any_body_is_refused_with_named_errors_and_starts_nothing(api: ApiHost, body: bytes) -> None:
    with api.client(principal="ops@contoso.com") as client:
        response = client.post("/api/migrations", content=body, headers={"Content-Type": "application/json"})
    _check_refusal(response.status_code, response.content)
    assert api.instance_ids() == set()


@FUZZ
@given(broken_requests(request_id="api-fuzz-1"))
def test_a_broken_request_gets_400_naming_its_field(api: ApiHost, broken: Broken) -> None:
    with api.client(principal="ops@contoso.com") as client:
        response = client.post("/api/migrations", json=broken.body)
        doc = _check_refusal(response.status_code, response.content)
        fields = {e["field"] for e in doc["errors"]}
        inside = (broken.field + ".", broken.field + "[")
        assert any(f == broken.field or f.startswith(inside) for f in fields), (
            broken.how,
            broken.field,
            fields,
        )
        assert client.get("/api/migrations/api-fuzz-1").status_code == 404
        assert client.get("/api/migrations").json()["migrations"] == []
    assert api.instance_ids() == set()


@FUZZ
@given(raw_bodies)
def test_plans_and_decisions_refuse_any_body_without_a_500(api: ApiHost, body: bytes) -> None:
    headers = {"Content-Type": "application/json"}
    with api.client(principal=APPROVER) as client:
        plan = client.post("/api/plans", content=body, headers=headers)
        assert plan.status_code == 400, (plan.status_code, plan.text[:200])
        for path in ("/api/migrations/nobody/approve", "/api/migrations/nobody/abort"):
            answer = client.post(path, content=body, headers=headers)
            assert answer.status_code in (400, 404), (path, answer.status_code, answer.text[:200])
        wave = client.post("/api/plans/nobody/approve", content=body, headers=headers)
        assert wave.status_code in (400, 404), (wave.status_code, wave.text[:200])
    with api.client(principal=SECOND_APPROVER, key=False) as browser:
        form = browser.post(
            "/api/migrations/nobody/review/decision",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert form.status_code in (400, 403), (form.status_code, form.text[:200])
    assert api.instance_ids() == set()


ids = st.text(max_size=60)


@FUZZ
@given(ids, st.text(max_size=40))
def test_hostile_ids_and_query_strings_never_500(api: ApiHost, unit_id: str, token: str) -> None:
    unit_id = quote(unit_id, safe="")
    api.reads_answer(unit_id, (400, 404))
    with api.client(principal=APPROVER) as client:
        listed = client.get("/api/migrations", params={"phase": unit_id, "continuationToken": token})
        assert listed.status_code in (200, 400), (listed.status_code, listed.text[:200])


@pytest.mark.parametrize("unit_id", ["%23", "%3F"])
def test_an_id_with_url_syntax_is_a_404(api: ApiHost, unit_id: str) -> None:
    with api.client() as client:
        assert client.get(f"/api/migrations/{unit_id}").status_code == 404
