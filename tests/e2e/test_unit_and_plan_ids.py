"""Unit routes and plan routes over HTTP (httpx → devhost → the app): an id of the other kind is 404.

A plan's id on any unit route (status, report, audit, review, approve, abort, the review page's
form post) answers 404 with a body that says it is a plan and points to `/api/plans/{id}`; a
unit's id on a plan route answers 404 pointing to `/api/migrations/{id}`; an unknown id is a
plain 404. No platform is needed: the instances exist (they fail at their first platform call).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from cli.stack.azurite import Azurite
from devhost.auth import local_object_id
from migration.policy import make_token
from tests.e2e.hostile.app import (
    APPROVER,
    REVIEW_SECRET,
    SECOND_APPROVER,
    SUB,
    ApiHost,
    start_api_host,
    wait_for,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("devhost_ids")]
PLAN, UNIT = "ids-plan-1", "ids-unit-1"


@pytest.fixture(scope="module")
def api(azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiHost]:
    host = start_api_host(tmp_path_factory.mktemp("ids-api"), azurite)
    with host.client(principal=APPROVER) as client:
        plan = client.post("/api/plans", json={"planId": PLAN, "subscriptionId": SUB, "approval": "perUnit"})
        assert plan.status_code == 202, plan.text
        request = {"requestId": UNIT, "subscriptionId": SUB, "unit": {"kind": "virtualNetwork", "name": "v"}}
        unit = client.post("/api/migrations", json=request)
        assert unit.status_code == 202, unit.text
    wait_for(lambda: {PLAN, UNIT} <= host.instance_ids(), what="both instances")
    yield host
    host.host.process.stop()


def _unit_calls(instance_id: str) -> list[tuple[str, str, dict]]:
    """(method, path, request kwargs) of every unit route, for `instance_id`."""
    root = f"/api/migrations/{instance_id}"
    token = make_token(REVIEW_SECRET, instance_id, local_object_id(SECOND_APPROVER), datetime.now(UTC))
    form = {"data": {"decision": "abort", "token": token}}
    return [
        ("GET", root, {}),
        ("GET", f"{root}/report", {}),
        ("GET", f"{root}/audit", {}),
        ("GET", f"{root}/review", {}),
        ("POST", f"{root}/approve", {"json": {}}),
        ("POST", f"{root}/abort", {"json": {}}),
        ("POST", f"{root}/review/decision", form),
    ]


@pytest.mark.parametrize(
    "call", range(7), ids=["status", "report", "audit", "review", "approve", "abort", "review-decision"]
)
def test_a_plan_id_is_404_on_every_unit_route_pointing_to_the_plan(api: ApiHost, call: int) -> None:
    method, path, kwargs = _unit_calls(PLAN)[call]
    with api.client(principal=SECOND_APPROVER) as client:
        answer = client.request(method, path, **kwargs)
    assert answer.status_code == 404, (path, answer.status_code, answer.text)
    body = answer.json()
    assert body["kind"] == "plan" and body["id"] == PLAN
    assert body["statusUrl"].endswith(f"/api/plans/{PLAN}")
    assert "is a plan" in body["error"] and f"/api/plans/{PLAN}" in body["error"]
    with api.client(principal=SECOND_APPROVER) as client:  # the link it gives works
        assert client.get(body["statusUrl"]).status_code == 200


@pytest.mark.parametrize(
    "call", range(7), ids=["status", "report", "audit", "review", "approve", "abort", "review-decision"]
)
def test_an_unknown_id_is_a_plain_404_on_every_unit_route(api: ApiHost, call: int) -> None:
    method, path, kwargs = _unit_calls("ids-nothing")[call]
    with api.client(principal=SECOND_APPROVER) as client:
        answer = client.request(method, path, **kwargs)
    assert answer.status_code == 404, (path, answer.text)
    assert answer.json() == {"error": "no migration ids-nothing", "id": "ids-nothing"}


def test_a_unit_id_is_404_on_the_plan_routes_pointing_to_the_unit(api: ApiHost) -> None:
    with api.client(principal=SECOND_APPROVER) as client:
        answers = [
            client.get(f"/api/plans/{UNIT}"),
            client.get(f"/api/plans/{UNIT}/audit"),
            client.post(f"/api/plans/{UNIT}/approve", json={"wave": 0}),
        ]
        for answer in answers:
            assert answer.status_code == 404, answer.text
            body = answer.json()
            assert body["kind"] == "unit" and body["statusUrl"].endswith(f"/api/migrations/{UNIT}")
        assert client.get(f"/api/plans/{PLAN}-x").json() == {"error": f"no plan {PLAN}-x", "id": f"{PLAN}-x"}


def test_the_plan_audit_is_on_the_plan_route(api: ApiHost) -> None:
    with api.client() as client:
        entries = client.get(f"/api/plans/{PLAN}/audit").json()["entries"]
    assert [(e["principal"], e["action"]) for e in entries] == [(APPROVER, "submit")]


def test_the_unit_routes_still_serve_units(api: ApiHost) -> None:
    with api.client(principal=SECOND_APPROVER) as client:
        assert client.get(f"/api/migrations/{UNIT}").json()["id"] == UNIT
        assert client.get(f"/api/migrations/{UNIT}/audit").json()["entries"][0]["action"] == "submit"
        assert client.get(f"/api/migrations/{UNIT}/review").status_code == 200


def test_a_wave_approval_names_what_is_wrong_before_looking_at_units(api: ApiHost) -> None:
    """`POST /api/plans/{id}/approve`: a body without a wave index is 400 naming the field; a plan
    approved per unit, or a wave the plan does not have, is 409."""
    with api.client(principal=SECOND_APPROVER) as client:
        for body in ({"wave": -1}, {"wave": True}, {"wave": "0"}, {}):
            answer = client.post(f"/api/plans/{PLAN}/approve", json=body)
            assert answer.status_code == 400, (body, answer.text)
            assert answer.json()["errors"] == [
                {"field": "wave", "message": "wave: must be a wave index (0, 1, …)"}
            ]
        not_json = client.post(
            f"/api/plans/{PLAN}/approve", content=b"{", headers={"content-type": "application/json"}
        )
        assert not_json.status_code == 400 and not_json.json()["errors"][0]["field"] == "(body)"
        per_unit = client.post(f"/api/plans/{PLAN}/approve", json={"wave": 0})
        assert per_unit.status_code == 409
        assert per_unit.json() == {"id": PLAN, "error": "this plan approves per unit"}
        per_wave = client.post(
            "/api/plans", json={"planId": f"{PLAN}-w", "subscriptionId": SUB, "approval": "perWave"}
        )
        assert per_wave.status_code == 202, per_wave.text

        def shown() -> dict | None:
            answer = client.get(f"/api/plans/{PLAN}-w")
            return answer.json() if answer.status_code == 200 and answer.json().get("approval") else None

        waves = wait_for(shown, what="the per-wave plan's status").get("waves") or []
        beyond = client.post(f"/api/plans/{PLAN}-w/approve", json={"wave": len(waves)})
        assert beyond.status_code == 409
        assert beyond.json() == {"id": f"{PLAN}-w", "error": f"the plan has no wave {len(waves)}"}
