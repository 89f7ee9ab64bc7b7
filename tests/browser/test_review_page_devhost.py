"""The review page served by the real app (devhost) in headless Chromium: look, forge, approve.

A unit of the realistic estate is brought to `AwaitingApproval` on the stack `c2arm up` started;
the page is opened as an approver (the principal header stands in for App Service sign-in), both
sides and the findings must be visible, forged decision posts (no token, a wrong token, another
principal's token) are refused with 403 and change nothing, and the Approve button moves the
unit on to commit.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest

from cli.api_client import PRINCIPAL_HEADER, ApiClient, ApiError

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.xdist_group("ops_stack")]
LEAD = "lead@contoso.com"
OTHER = "approver@contoso.com"


def wait_for(client: ApiClient, uid: str, phases: set[str], timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    last: dict = {}
    while time.monotonic() < deadline:
        try:
            last = client.migration(uid)
        except ApiError as exc:
            last = {"error": str(exc)}
        if last.get("phase") in phases:
            return last
        time.sleep(0.25)
    raise AssertionError(f"{uid} did not reach {phases} in {timeout} s; last status: {last}")


def test_review_page_in_chromium_against_the_devhost(ops_stack, new_page, screenshot_path) -> None:
    info = ops_stack.info
    uid = f"review-vnet-prod-{time.time_ns() % 10**8}"
    client = ApiClient.resolve(None, ops_stack.state_dir)
    client.submit({"requestId": uid, "subscriptionId": info["subscriptionId"],
                   "unit": {"kind": "virtualNetwork", "name": "vnet-prod"}})  # fmt: skip
    status = wait_for(client, uid, {"AwaitingApproval", "NotMigratable", "Failed"})
    assert status["phase"] == "AwaitingApproval", status

    page = new_page(viewport={"width": 1400, "height": 1000}, extra_http_headers={PRINCIPAL_HEADER: LEAD})
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    response = page.goto(f"{info['appUrl']}/api/migrations/{uid}/review?code={info['functionKey']}")
    assert response is not None and response.status == 200
    classic, arm = page.locator("section#classic"), page.locator("section#arm")
    assert classic.is_visible() and arm.is_visible()
    assert "vnet-prod" in classic.inner_text()
    assert page.locator("section#arm .card").count() > 0
    assert "Microsoft.Network/virtualNetworks" in arm.inner_text()
    findings = page.locator("table.findings tbody tr")
    assert findings.count() == len(status["findings"]) > 0
    page.screenshot(path=str(screenshot_path("review-page-devhost")), full_page=True)

    token = page.locator("input[name=token]").get_attribute("value")
    assert token
    decision_url = f"{info['appUrl']}/api/migrations/{uid}/review/decision"
    forged = [
        ({}, {PRINCIPAL_HEADER: LEAD}),  # no token
        (
            {"token": token[:-1] + ("B" if token[-1] == "A" else "A")},
            {PRINCIPAL_HEADER: LEAD},
        ),  # a wrong token
        ({"token": token}, {PRINCIPAL_HEADER: OTHER}),  # LEAD's token used by someone else
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
    final = wait_for(client, uid, {"Committed", "Failed", "NeedsSupport"}, timeout=120)
    assert final["phase"] == "Committed", final
    assert all(url.startswith(info["appUrl"]) for url in requested), requested
    client.close()
