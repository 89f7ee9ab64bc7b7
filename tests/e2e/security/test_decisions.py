"""Decisions cannot be raised around the checks, and one decision per wait (#20 items 4, 5, 8).

On the whole local decision_stack, a unit really awaiting approval: an `Approval` event raised through
the Durable HTTP API (no approver check, no signature) is ignored and recorded in the audit;
concurrent approve and abort from bounded threads get exactly one 202 (the rest 409); the review
page's token works once; the audit holds only what took effect; the signing secret never
appears in the orchestration's history.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conftest import Stack, request, wait_phase
from tests.e2e.hostile.app import APPROVER, SECOND_APPROVER
from tests.e2e.security.conftest import THIRD_APPROVER
from tests.e2e.security.secrets_scan import stack_secrets
from tests.polling import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("security_decisions")]
UNIT = "dec-vnet"


def _audit(decision_stack: Stack) -> list[dict]:
    with decision_stack.client() as client:
        return client.get(f"/api/migrations/{UNIT}/audit").json()["entries"]


def test_decisions_raised_around_the_routes_and_concurrent_ones(decision_stack: Stack) -> None:
    with decision_stack.client(principal=APPROVER) as requester:
        assert requester.post("/api/migrations", json=request(UNIT)).status_code == 202
    wait_phase(decision_stack, UNIT, {"AwaitingApproval"}, timeout=120)

    # 1. straight to the Durable HTTP API: no approver check, no signature → ignored, and audited
    with decision_stack.client(key=False) as hook:
        forged = {"decision": "commit", "approver": "boss@contoso.com", "comment": "trust me"}
        raised = hook.post(f"/runtime/webhooks/durabletask/instances/{UNIT}/raiseEvent/Approval", json=forged)
        assert raised.status_code == 202, raised.text
    ignored = wait_for(
        lambda: [e for e in _audit(decision_stack) if e["action"] == "ignored"] or None,
        60,
        "the ignored entry",
    )
    assert "boss@contoso.com" in ignored[0]["comment"] and ignored[0]["principal"] == "system"
    with decision_stack.client() as client:
        assert client.get(f"/api/migrations/{UNIT}").json()["phase"] == "AwaitingApproval"

    # 2. the review page's token, taken now (the form post is spent by the race below)
    with decision_stack.client(principal=SECOND_APPROVER, key=False) as browser:
        page = browser.get(f"/api/migrations/{UNIT}/review")
    assert page.status_code == 200
    token = page.text.split("name='token' value='", 1)[1].split("'", 1)[0]

    # 3. eight decisions at once from two approvers (bounded threads): exactly one is accepted
    def decide(n: int) -> int:
        who, what = (SECOND_APPROVER, THIRD_APPROVER)[n % 2], ("approve", "abort")[(n // 2) % 2]
        with decision_stack.client(principal=who) as client:
            return client.post(f"/api/migrations/{UNIT}/{what}", json={"comment": f"racer {n}"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(decide, range(8)))
    assert sorted(codes) == [202] + [409] * 7, codes

    # 4. the review form after the race: the wait is decided (409) and the token is spent (403)
    with decision_stack.client(principal=SECOND_APPROVER, key=False) as browser:
        form = {"decision": "abort", "comment": "late", "token": token}
        first = browser.post(f"/api/migrations/{UNIT}/review/decision", data=form)
        again = browser.post(f"/api/migrations/{UNIT}/review/decision", data=form)
    assert first.status_code == 409, first.text
    assert again.status_code == 403 and "used already" in again.json()["error"]

    done = wait_phase(decision_stack, UNIT, {"Committed", "Aborted", "Failed", "NeedsSupport"}, timeout=180)
    assert done["phase"] in ("Committed", "Aborted"), done
    decisions = [e for e in _audit(decision_stack) if e["action"] in ("approve", "abort")]
    assert len(decisions) == 1, decisions  # only what took effect
    assert decisions[0]["action"] == ("approve" if done["phase"] == "Committed" else "abort")
    assert decisions[0]["principal"] == done["approver"]

    # 5. the signature is in the history, the secret that made it is not
    with decision_stack.client(key=False) as hook:
        every = {"showHistory": "true", "showHistoryOutput": "true", "showInput": "true"}
        history = hook.get(f"/runtime/webhooks/durabletask/instances/{UNIT}", params=every).text
    raised = [
        json.loads(e["Input"])
        for e in json.loads(history)["historyEvents"]
        if e.get("EventType") == "EventRaised" and e.get("Input")
    ]
    assert any(r.get("signature") for r in raised), raised  # the routes' event is signed
    secret = stack_secrets(decision_stack.info, decision_stack.state_dir)["REVIEW_TOKEN_SECRET"]
    assert secret not in history
