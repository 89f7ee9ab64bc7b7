"""A decision claimed but never raised (the process died between the two writes) is re-delivered.

On the whole local stack: a unit awaits approval; the `decisions` table gets the claim row a
crashed decision route would have left (an abort by the second approver, its event never
raised). A third approver's approve is refused (409: one decision per wait) and, while the claim
is fresh, nothing else happens; once the claim is older than `STALE_CLAIM_SECONDS`, the next
decision route re-delivers the claimed abort — the first decider's, not its own — and the unit
ends Aborted with the second approver in its audit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.decision_claims import STALE_CLAIM_SECONDS, Claim, claim_of, claim_wait
from devhost.auth import local_object_id
from migration.phases import decision_wait
from tests.e2e.conftest import Stack, request, wait_phase
from tests.e2e.hostile.app import APPROVER, SECOND_APPROVER
from tests.e2e.security.conftest import THIRD_APPROVER
from tests.polling import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("security_redelivery")]
UNIT = "lost-decision"


def _approve_as_third(decision_stack: Stack) -> tuple[int, str]:
    with decision_stack.client(principal=THIRD_APPROVER) as client:
        response = client.post(f"/api/migrations/{UNIT}/approve", json={"comment": "late"})
    return response.status_code, response.text


def test_a_claim_whose_event_was_lost_is_redelivered_once_stale(decision_stack: Stack) -> None:
    with decision_stack.client(principal=APPROVER) as requester:
        assert requester.post("/api/migrations", json=request(UNIT)).status_code == 202
    doc = wait_phase(decision_stack, UNIT, {"AwaitingApproval"}, timeout=120)
    wait = decision_wait(doc["phase"])

    # what a decision route that died after its claim leaves behind: the claim, no event
    now = datetime.now(UTC)
    oid = local_object_id(SECOND_APPROVER)  # the object id the devhost signs the second approver in with
    lost = Claim("abort", SECOND_APPROVER, oid, "claimed, then the process died", now)
    assert claim_wait(decision_stack.storage.table, UNIT, wait, lost)

    status, text = _approve_as_third(decision_stack)
    assert status == 409 and "decided already" in text, text
    with decision_stack.client() as client:  # fresh claim: nothing re-delivered, the unit still waits
        assert client.get(f"/api/migrations/{UNIT}").json()["phase"] == "AwaitingApproval"

    # the same claim, older than the grace period
    table = decision_stack.storage.table.get_table_client("decisions")
    row = table.get_entity(UNIT, f"wait-{wait}")
    row["claimedAt"] = (now - timedelta(seconds=STALE_CLAIM_SECONDS + 60)).isoformat()
    table.update_entity(row)
    assert claim_of(decision_stack.storage.table, UNIT, wait).stale(datetime.now(UTC))

    status, text = _approve_as_third(decision_stack)
    assert status == 409, text  # still one decision per wait: the claimed one, not this approve
    done = wait_phase(decision_stack, UNIT, {"Aborted", "Committed", "Failed", "NeedsSupport"}, timeout=180)
    assert done["phase"] == "Aborted", done

    def decided() -> list[dict] | None:
        with decision_stack.client() as client:
            entries = client.get(f"/api/migrations/{UNIT}/audit").json()["entries"]
        return [e for e in entries if e["action"] in ("abort", "approve", "commit")] or None

    entries = wait_for(decided, 60, "the decision's audit entry")
    assert [(e["action"], e["principal"]) for e in entries] == [("abort", SECOND_APPROVER)], entries
