"""The review page served by the real app (devhost) in headless Chromium: look, forge, approve.

A unit of the realistic estate is brought to `AwaitingApproval` on the stack `c2arm up` started;
the page is opened without a function key, answers 401 with a sign-in link, and the browser
signs in through the devhost's emulation of App Service authentication (the sign-in page, then
the session cookie) as an approver; both sides and the findings must be visible, forged decision
posts (no token, a wrong token, another principal's token) are refused with 403 and change
nothing, and the Approve button moves the unit on to commit. A non-approver who signs in is
refused the page.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest

from cli.api_client import ApiClient
from cli.signin import signed_in
from tests.e2e.cli.helpers import wait_for_phase

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.xdist_group("ops_stack")]
LEAD = "lead@contoso.com"
OTHER = "approver@contoso.com"


def test_review_page_in_chromium_against_the_devhost(ops_stack, new_page, screenshot_path) -> None:
    info = ops_stack.info
    uid = f"review-vnet-prod-{time.time_ns() % 10**8}"
    client = ApiClient.resolve(None, ops_stack.state_dir)
    client.submit(
        {
            "requestId": uid,
            "subscriptionId": info["subscriptionId"],
            "unit": {"kind": "virtualNetwork", "name": "vnet-prod"},
        },
        "ops@contoso.com",
    )
    status = wait_for_phase(ops_stack.state_dir, uid, {"AwaitingApproval", "NotMigratable", "Failed"})
    assert status["phase"] == "AwaitingApproval", status

    page = new_page(viewport={"width": 1400, "height": 1000})
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    first = page.goto(f"{info['appUrl']}/api/migrations/{uid}/review")  # no function key in the URL
    assert first is not None and first.status == 401
    page.click("a#sign-in")
    page.fill("#name", LEAD)
    with page.expect_navigation():
        page.click("#sign-in")
    assert page.url == f"{info['appUrl']}/api/migrations/{uid}/review"
    response = page.reload()
    assert response is not None and response.status == 200
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    classic, arm = page.locator("section#classic"), page.locator("section#arm")
    assert classic.is_visible() and arm.is_visible()
    assert "vnet-prod" in classic.inner_text()
    assert page.locator("section#arm .card").count() > 0
    assert "Microsoft.Network/virtualNetworks" in arm.inner_text()
    findings = page.locator("table.findings tbody tr")
    assert findings.count() == len(status["findings"]) > 0
    page.screenshot(path=str(screenshot_path("review-page-devhost")), full_page=True, timeout=60_000)

    token = page.locator("input[name=token]").get_attribute("value")
    assert token
    decision_url = f"{info['appUrl']}/api/migrations/{uid}/review/decision"
    lead, other = signed_in(info["appUrl"], LEAD), signed_in(info["appUrl"], OTHER)
    forged = [
        ({}, lead),  # no token
        ({"token": token[:-1] + ("B" if token[-1] == "A" else "A")}, lead),  # a wrong token
        ({"token": token}, other),  # LEAD's token used by someone else
        ({"token": token}, {}),  # nobody signed in
    ]
    for extra, headers in forged:
        answer = httpx.post(
            decision_url, data={"decision": "commit", "comment": "forged", **extra}, headers=headers
        )
        assert answer.status_code == 403, (extra, headers, answer.text)
    assert client.migration(uid)["phase"] == "AwaitingApproval"

    page.fill("textarea[name=comment]", "reviewed in the browser")
    with page.expect_response(re.compile(r"/review/decision$")) as posted:
        page.click("button.approve")
    assert posted.value.status == 202, posted.value.text()
    final = wait_for_phase(ops_stack.state_dir, uid, {"Committed", "Failed", "NeedsSupport"}, timeout=120)
    assert final["phase"] == "Committed", final
    assert all(url.startswith(info["appUrl"]) for url in requested), requested
    assert not [url for url in requested if "code=" in url], "a function key went into a browser URL"
    client.close()


def test_a_non_approver_signed_in_is_refused_the_review_page(ops_stack, new_page) -> None:
    info = ops_stack.info
    page = new_page()
    login = f"{info['appUrl']}/.auth/login/aad?post_login_redirect_uri=/api/migrations/any-unit/review"
    page.goto(login)
    page.fill("#name", "mallory@contoso.com")
    with page.expect_navigation() as navigated:
        page.click("#sign-in")
    assert navigated.value is not None and navigated.value.status == 403
    assert "mallory@contoso.com is not an approver" in page.inner_text("body")
    assert page.locator("button.approve").count() == 0
