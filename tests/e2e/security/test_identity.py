"""Approver identity only from verified App Service authentication (#20 items 1-3, 12; #15 item 6).

Live against c2arm under the devhost: principal headers a caller writes are never trusted (the
devhost strips them, as App Service does; with authentication off the app refuses them itself),
approvers match on the Entra object id or one normal form of a name, look-alikes are refused,
the two-person rule needs a signed-in requester, the review page asks for a sign-in instead of a
function key, and an unusable signing secret stops every decision.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cli.signin import signed_in
from cli.stack.azurite import Azurite
from tests.e2e.hostile.app import APPROVER, APPROVER_OID, SECOND_APPROVER, SUB, ApiHost, start_api_host

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("security_api")]
KEY_VAULT_REF = "@Microsoft.KeyVault(VaultName=kv-c2arm;SecretName=review-token-secret)"


def _forged(name: str = APPROVER, oid: str = APPROVER_OID) -> dict[str, str]:
    """Every header App Service authentication would set, written by the caller itself."""
    claims = {
        "auth_typ": "aad",
        "claims": [
            {"typ": "http://schemas.microsoft.com/identity/claims/objectidentifier", "val": oid},
            {"typ": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn", "val": name},
        ],
    }
    return {
        "X-MS-CLIENT-PRINCIPAL": base64.b64encode(json.dumps(claims).encode()).decode(),
        "X-MS-CLIENT-PRINCIPAL-ID": oid,
        "X-MS-CLIENT-PRINCIPAL-NAME": name,
        "X-MS-CLIENT-PRINCIPAL-IDP": "aad",
    }


def _approve(api: ApiHost, headers: dict[str, str], unit: str = "sec-id-1") -> httpx.Response:
    with api.client() as client:
        return client.post(f"/api/migrations/{unit}/approve", json={}, headers=headers)


def test_forged_principal_headers_decide_nothing(api: ApiHost) -> None:
    answer = _approve(api, _forged())
    assert answer.status_code == 403 and "not signed in" in answer.json()["error"]
    # the control: the same approver signed in gets past every identity check (no such unit: 404)
    assert _approve(api, signed_in(api.url, APPROVER)).status_code == 404


@pytest.fixture(scope="module")
def unauthenticated(azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiHost]:
    """The app with App Service authentication off: headers pass as the caller sent them."""
    host = start_api_host(
        tmp_path_factory.mktemp("no-auth-api"), azurite, auth=False, TWO_PERSON_APPROVAL="false"
    )
    yield host
    host.host.process.stop()


def test_without_app_service_authentication_no_principal_is_trusted(unauthenticated: ApiHost) -> None:
    answer = _approve(unauthenticated, _forged())
    assert answer.status_code == 403 and "WEBSITE_AUTH_ENABLED" in answer.json()["error"]
    with unauthenticated.client(key=False) as browser:
        page = browser.get("/api/migrations/sec-id-1/review", headers=_forged())
    assert page.status_code == 401 and "WEBSITE_AUTH_ENABLED" in page.text
    with unauthenticated.client() as client:  # a submission's requester is a label, not the forged name
        body = {
            "requestId": "no-auth-1",
            "subscriptionId": SUB,
            "requestedBy": "label@contoso.com",
            "unit": {"kind": "virtualNetwork", "name": "v"},
        }
        assert client.post("/api/migrations", json=body, headers=_forged()).status_code == 202
        assert client.get("/api/migrations/no-auth-1").json()["requestedBy"] == "label@contoso.com"


@pytest.mark.parametrize(
    ("name", "object_id", "status"),
    [
        ("APPROVER@Contoso.com.", None, 404),  # one normal form: case folded, trailing dot removed
        ("renamed@contoso.com", APPROVER_OID, 404),  # listed by object id: the name does not matter
        ("\uff41pprover@contoso.com", None, 403),  # FULLWIDTH a: changes under NFKC, refused
        ("approver@contoso.com\u212a", None, 403),  # KELVIN SIGN
        ("approver@contoso.com.evil", None, 403),
        ("mallory@contoso.com", None, 403),
    ],
)
def test_approvers_by_object_id_or_normal_name(
    api: ApiHost, name: str, object_id: str | None, status: int
) -> None:
    answer = _approve(api, signed_in(api.url, name, object_id=object_id))
    assert answer.status_code == status, (name, answer.text)


def test_two_person_rule_needs_a_signed_in_requester(api: ApiHost) -> None:
    body = {
        "requestId": "sec-2p-1",
        "subscriptionId": SUB,
        "requestedBy": "ops@contoso.com",
        "unit": {"kind": "virtualNetwork", "name": "v"},
    }
    with api.client() as client:
        refused = client.post("/api/migrations", json=body)
        assert refused.status_code == 403 and "signed-in requester" in refused.json()["error"]
        plan = client.post("/api/plans", json={"planId": "sec-2p-plan", "subscriptionId": SUB})
        assert plan.status_code == 403
        # signed in as an approver listed by object id, under one name …
        requester = signed_in(api.url, "lead@contoso.com", object_id=APPROVER_OID)
        assert client.post("/api/migrations", json=body, headers=requester).status_code == 202
        assert client.get("/api/migrations/sec-2p-1").json()["requestedBy"] == "lead@contoso.com"
        audit = client.get("/api/migrations/sec-2p-1/audit").json()["entries"]
        assert audit[0]["principal"] == "lead@contoso.com" and audit[0]["action"] == "submit"
    # … the same person (object id) under another name may not approve it
    answer = _approve(api, signed_in(api.url, "renamed@contoso.com", object_id=APPROVER_OID), "sec-2p-1")
    assert answer.status_code == 403 and "two-person" in answer.json()["error"]


def test_review_page_needs_a_signed_in_approver_not_a_function_key(api: ApiHost) -> None:
    with api.client(key=False) as browser:
        anonymous = browser.get("/api/migrations/sec-id-1/review")
        stranger = browser.get(
            "/api/migrations/sec-id-1/review", headers=signed_in(api.url, "mallory@contoso.com")
        )
        approver = browser.get("/api/migrations/sec-id-1/review", headers=signed_in(api.url, SECOND_APPROVER))
    assert anonymous.status_code == 401 and anonymous.headers["content-type"].startswith("text/html")
    assert (
        'href="/.auth/login/aad?post_login_redirect_uri=/api/migrations/sec-id-1/review"' in anonymous.text
        or "href='/.auth/login/aad?post_login_redirect_uri=/api/migrations/sec-id-1/review'" in anonymous.text
    )
    assert stranger.status_code == 403 and "not an approver" in stranger.text
    assert approver.status_code == 404  # past the identity checks without any key: no such unit
    for page in (anonymous, stranger):
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("secret", [KEY_VAULT_REF, "only-20-bytes-secret"], ids=["key-vault-ref", "short"])
def test_an_unusable_signing_secret_stops_every_decision(
    azurite: Azurite, tmp_path_factory: pytest.TempPathFactory, secret: str
) -> None:
    host = start_api_host(tmp_path_factory.mktemp("bad-secret"), azurite, REVIEW_TOKEN_SECRET=secret)
    try:
        with host.client(key=False) as anonymous:
            health = anonymous.get("/api/health")
        assert health.status_code == 503
        assert [p["setting"] for p in health.json()["problems"]] == ["REVIEW_TOKEN_SECRET"]
        approve = _approve(host, signed_in(host.url, APPROVER))
        assert approve.status_code == 503 and "REVIEW_TOKEN_SECRET" in approve.json()["error"]
        with host.client(key=False) as browser:
            page = browser.get("/api/migrations/x/review", headers=signed_in(host.url, APPROVER))
            form = browser.post(
                "/api/migrations/x/review/decision",
                data={"decision": "commit"},
                headers=signed_in(host.url, APPROVER),
            )
        assert page.status_code == 503 and form.status_code == 503
        log = Path(host.log).read_text()
        lines = [line for line in log.splitlines() if "app setting REVIEW_TOKEN_SECRET" in line]
        assert len(lines) == 1, lines  # one line at start-up names the setting …
        assert secret not in log  # … and never shows its value
    finally:
        host.host.process.stop()


@pytest.mark.parametrize("environment", ["Production", "Development"])
def test_name_approvers_on_azure_start_with_a_warning_citing_the_guidance(
    azurite: Azurite, tmp_path_factory: pytest.TempPathFactory, environment: str
) -> None:
    host = start_api_host(tmp_path_factory.mktemp("names"), azurite, AZURE_FUNCTIONS_ENVIRONMENT=environment)
    try:
        assert _approve(host, signed_in(host.url, APPROVER)).status_code == 404  # a name entry still works
        warnings = [
            line for line in Path(host.log).read_text().splitlines() if "APPROVERS lists 2 name(s)" in line
        ]
    finally:
        host.host.process.stop()
    if environment == "Development":
        assert warnings == []
    else:
        assert (
            len(warnings) == 1
            and "learn.microsoft.com/entra/identity-platform/claims-validation" in warnings[0]
        )
