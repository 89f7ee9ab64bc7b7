"""Every HTTP route's auth level, from the app's own bindings and live through the devhost; and the
review page's anti-forgery token: missing, wrong, expired or another principal's → 403."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devhost.auth import local_object_id
from migration.policy import make_token
from tests.e2e.hostile.app import APPROVER, REVIEW_SECRET, SECOND_APPROVER, ApiHost
from tests.e2e.security.routes import http_routes

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("security_api")]
# The one route without a function key, by design: the review page's form post, protected by its
# per-page HMAC token instead.
TOKEN_ROUTES = {"migrations/{id}/review/decision"}
# Anonymous by design and showing no secret: the settings' health (names of bad settings only), and
# the review page, which needs a signed-in approver instead (a function key must not be in a URL).
OPEN_ROUTES = {"health", "migrations/{id}/review"}


ROUTES = list(http_routes())


def test_routes_are_discovered() -> None:
    names = {r["name"] for r in ROUTES}
    assert {"submit_migration", "approve_migration", "abort_migration", "review_decision"} <= names
    assert len(ROUTES) >= 12


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r["name"])
def test_every_route_has_auth_level_function(route: dict[str, Any]) -> None:
    expected = "anonymous" if route["route"] in TOKEN_ROUTES | OPEN_ROUTES else "function"
    assert route["auth"] == expected, route


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r["route"] not in TOKEN_ROUTES | OPEN_ROUTES], ids=lambda r: r["name"]
)
def test_no_key_or_a_wrong_key_is_401_with_an_empty_body(api: ApiHost, route: dict[str, Any]) -> None:
    path = "/api/" + route["route"].replace("{id}", "sec-1")
    for method in route["methods"]:
        for headers, params in (
            ({}, {}),
            ({"x-functions-key": "wrong"}, {}),
            ({}, {"code": "wrong"}),
            ({"x-functions-key": api.host.master_key[:-1]}, {}),
        ):
            with api.client(principal=APPROVER, key=False) as client:
                answer = client.request(method, path, headers=headers, params=params, json={})
            assert answer.status_code == 401, (method, path, headers.keys(), answer.status_code)
            assert answer.content == b""


def test_health_answers_without_a_key_and_shows_no_secret(api: ApiHost) -> None:
    with api.client(key=False) as anonymous:
        answer = anonymous.get("/api/health")
    assert answer.status_code in (200, 503) and REVIEW_SECRET not in answer.text


def _decision(api: ApiHost, unit_id: str, token: str | None, principal: str | None) -> Any:
    form = {"decision": "commit", **({"token": token} if token is not None else {})}
    with api.client(principal=principal, key=False) as browser:
        return browser.post(f"/api/migrations/{unit_id}/review/decision", data=form)


def test_review_decisions_without_a_valid_token_are_403(api: ApiHost) -> None:
    now = datetime.now(UTC)
    SECOND = local_object_id(SECOND_APPROVER)  # tokens are bound to the object id
    good = make_token(REVIEW_SECRET, "sec-1", SECOND, now)
    forged = {
        "no token": (None, SECOND_APPROVER),
        "empty token": ("", SECOND_APPROVER),
        "garbage": ("not-a-token", SECOND_APPROVER),
        "wrong secret": (make_token("another-secret", "sec-1", SECOND, now), SECOND_APPROVER),
        "expired": (
            make_token(REVIEW_SECRET, "sec-1", SECOND, now - timedelta(hours=2)),
            SECOND_APPROVER,
        ),
        "another principal's": (good, APPROVER),
        "another unit's": (make_token(REVIEW_SECRET, "sec-2", SECOND, now), SECOND_APPROVER),
        "the name, not the object id": (
            make_token(REVIEW_SECRET, "sec-1", SECOND_APPROVER, now),
            SECOND_APPROVER,
        ),
        "no principal": (good, None),
        "expiry moved": ("9999999999." + good.split(".", 1)[1], SECOND_APPROVER),
    }
    for name, (token, principal) in forged.items():
        answer = _decision(api, "sec-1", token, principal)
        assert answer.status_code == 403, (name, answer.status_code, answer.text[:200])
    # the control: the right token gets past the check (no such unit here: 404)
    assert _decision(api, "sec-1", good, SECOND_APPROVER).status_code == 404


def test_decisions_need_an_approver(api: ApiHost) -> None:
    for principal in (None, "", "mallory@contoso.com", "approver@contoso.com.evil"):
        with api.client(principal=principal) as client:
            for path in ("/api/migrations/sec-1/approve", "/api/migrations/sec-1/abort"):
                answer = client.post(path, json={"comment": "x"})
                assert answer.status_code == 403, (principal, path, answer.status_code)
            wave = client.post("/api/plans/sec-1/approve", json={"wave": 0})
            assert wave.status_code == 403, (principal, wave.status_code)
