"""The devhost's emulation of App Service authentication (devhost/auth.py), against a real host.

Both sign-in flows (browser: the sign-in page, the callback and the session cookie;
client-directed: `POST /.auth/login/aad` then `X-ZUMO-AUTH`), the headers the app receives
(the platform's shape, base64 claims included), the stripping of every principal header a
caller sends, and a host started without the emulation (nothing stripped, nothing set).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cli.signin import SignInFailed, sign_in, signed_in
from cli.stack.devhost import DevHost
from devhost.auth import AuthEmulation, Principal, SignInError, local_object_id
from tests.integration.devhost.helpers import SAMPLE_APP

OID = "5b0c1a52-61a4-4a8e-9a3e-0d2f6f5b7c11"
FORGED = {
    "X-MS-CLIENT-PRINCIPAL-NAME": "boss@contoso.com",
    "X-MS-CLIENT-PRINCIPAL-ID": "00000000-0000-0000-0000-000000000bad",
    "X-MS-CLIENT-PRINCIPAL-IDP": "aad",
    "X-MS-CLIENT-PRINCIPAL": base64.b64encode(b'{"claims": []}').decode(),
    "X-MS-TOKEN-AAD-ACCESS-TOKEN": "forged",
}


@pytest.fixture(scope="module")
def http(sample_host: DevHost) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sample_host.url, timeout=15, trust_env=False) as client:
        yield client


def _claims(seen: dict) -> dict:
    return json.loads(base64.b64decode(seen["headers"]["x-ms-client-principal"]))


def test_client_directed_sign_in_injects_the_platform_headers(
    http: httpx.Client, sample_host: DevHost
) -> None:
    answer = http.post(
        "/.auth/login/aad",
        json={"name": "alice@contoso.com", "objectId": OID.upper(), "roles": ["Migration.Approver"]},
    )
    assert answer.status_code == 200, answer.text
    token = answer.json()["authenticationToken"]
    assert answer.json()["user"] == {"userId": "alice@contoso.com"}
    seen = http.get("/api/whoami", headers={"X-ZUMO-AUTH": token}).json()
    assert seen["authEnabled"] == "True"
    headers = seen["headers"]
    assert headers["x-ms-client-principal-name"] == "alice@contoso.com"
    assert headers["x-ms-client-principal-id"] == OID
    assert headers["x-ms-client-principal-idp"] == "aad"
    claims = _claims(seen)
    assert claims["auth_typ"] == "aad"
    by_type = {c["typ"]: c["val"] for c in claims["claims"]}
    assert by_type["http://schemas.microsoft.com/identity/claims/objectidentifier"] == OID
    assert by_type["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"] == "alice@contoso.com"
    roles = [c["val"] for c in claims["claims"] if c["typ"] == claims["role_typ"]]
    assert roles == ["Migration.Approver"]
    # the helpers the CLI and the tests use do the same
    assert sign_in(sample_host.url, "alice@contoso.com", object_id=OID)
    again = http.get("/api/whoami", headers=signed_in(sample_host.url, "bob@contoso.com")).json()
    assert again["headers"]["x-ms-client-principal-id"] == local_object_id("bob@contoso.com")


def test_caller_sent_principal_headers_are_stripped(http: httpx.Client, sample_host: DevHost) -> None:
    anonymous = http.get("/api/whoami", headers=FORGED).json()
    assert anonymous["headers"] == {}, "a caller's own principal headers must never reach the app"
    signed = http.get("/api/whoami", headers={**FORGED, **signed_in(sample_host.url, "carol@contoso.com")})
    headers = signed.json()["headers"]
    assert headers["x-ms-client-principal-name"] == "carol@contoso.com"
    assert headers["x-ms-client-principal-id"] == local_object_id("carol@contoso.com")
    assert "x-ms-token-aad-access-token" not in headers


def test_bad_tokens_and_bad_sign_ins(http: httpx.Client, sample_host: DevHost) -> None:
    token = sign_in(sample_host.url, "dave@contoso.com")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert http.get("/api/whoami", headers={"X-ZUMO-AUTH": tampered}).status_code == 401
    assert http.get("/api/whoami", headers={"X-ZUMO-AUTH": "garbage"}).status_code == 401
    for body, field in (
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "a\nb"}, "name"),
        ({"name": "x", "objectId": "not-a-guid"}, "objectId"),
        ({"name": "x", "roles": "admin"}, "roles"),
        ([], "body"),
    ):
        answer = http.post("/.auth/login/aad", json=body)
        assert answer.status_code == 400 and answer.json()["error"].startswith(field), (body, answer.text)
    with pytest.raises(SignInFailed, match="refused"):
        sign_in(sample_host.url, "")


def test_browser_flow_page_cookie_me_and_logout(sample_host: DevHost) -> None:
    with httpx.Client(base_url=sample_host.url, timeout=15, trust_env=False) as browser:
        page = browser.get("/.auth/login/aad", params={"post_login_redirect_uri": "/api/whoami"})
        assert page.status_code == 200 and "<form" in page.text and 'name="objectId"' in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        form = {
            "name": "erin@contoso.com",
            "objectId": OID,
            "roles": "a, b",
            "post_login_redirect_uri": "/api/whoami",
        }
        signed = browser.post("/.auth/login/aad/callback", data=form)
        assert signed.status_code == 302 and signed.headers["location"] == "/api/whoami"
        cookie = signed.headers["set-cookie"]
        assert "AppServiceAuthSession=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        seen = browser.get("/api/whoami").json()  # the client keeps the cookie, as a browser does
        assert seen["headers"]["x-ms-client-principal-name"] == "erin@contoso.com"
        assert [c["val"] for c in _claims(seen)["claims"] if c["typ"] == _claims(seen)["role_typ"]] == [
            "a",
            "b",
        ]
        me = browser.get("/.auth/me")
        assert me.status_code == 200 and me.json()[0]["user_id"] == "erin@contoso.com"
        out = browser.get("/.auth/logout", params={"post_logout_redirect_uri": "//evil.example/"})
        assert out.status_code == 302 and out.headers["location"] == "/"  # only paths on this host
        assert browser.get("/api/whoami").json()["headers"] == {}
        assert browser.get("/.auth/me").status_code == 401
        refused = browser.post(
            "/.auth/login/aad/callback", data={"name": "", "post_login_redirect_uri": "/x"}
        )
        assert refused.status_code == 400 and "name:" in refused.text
        away = {"name": "f@contoso.com", "post_login_redirect_uri": "https://evil.example/"}
        elsewhere = browser.post("/.auth/login/aad/callback", data=away)
        assert elsewhere.headers["location"] == "/"


def test_a_host_without_the_emulation_passes_headers_as_sent(devhost_factory, tmp_path: Path) -> None:
    host = devhost_factory(SAMPLE_APP, auth=False, env={"SAMPLE_STATE_DIR": str(tmp_path)})
    with httpx.Client(base_url=host.url, timeout=15, trust_env=False) as client:
        assert client.post("/.auth/login/aad", json={"name": "x"}).status_code == 404
        seen = client.get("/api/whoami", headers=FORGED).json()
    assert seen["authEnabled"] is None  # App Service without authentication sets no WEBSITE_AUTH_ENABLED
    assert seen["headers"]["x-ms-client-principal-name"] == "boss@contoso.com"


def test_tokens_are_signed_expire_and_need_the_same_host_key() -> None:
    clock = [1_000_000.0]
    auth = AuthEmulation("master-key-1", now=lambda: clock[0])
    token = auth.issue(Principal.stated("gina@contoso.com", OID, ["r"]))
    assert auth.principal_of_token(token) == Principal("gina@contoso.com", OID, ("r",))
    assert AuthEmulation("master-key-2", now=lambda: clock[0]).principal_of_token(token) is None
    clock[0] += 8 * 3600 + 1
    assert auth.principal_of_token(token) is None
    with pytest.raises(SignInError, match="objectId"):
        Principal.stated("x", "123")
