"""A plan over the small estate, approved unit by unit: the VNet first, its storage account after."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import APPROVER, SUB, Stack, running_stack, wait_phase, wait_plan_completed

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("plan_small_stack")]


@pytest.fixture(scope="module")
def plan_small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    settings = {"APPROVERS": APPROVER, "OPERATION_POLL_MAX_SECONDS": "60"}
    with running_stack(tmp_path_factory.mktemp("plan-small"), settings) as stack:
        yield stack


def test_plan_per_unit_approval_in_dependency_order(plan_small: Stack) -> None:
    with plan_small.client(principal="ops@contoso.com") as client:
        response = client.post(
            "/api/plans", json={"planId": "ps", "subscriptionId": SUB, "approval": "perUnit"}
        )
        assert response.status_code == 202, response.text
        assert response.json()["statusUrl"].endswith("/api/plans/ps")
        bad = client.post(
            "/api/plans", json={"planId": "p s", "subscriptionId": SUB, "approval": "sometimes"}
        )
        assert {e["field"] for e in bad.json()["errors"]} == {"planId", "approval"}
    vnet, storage = "ps~virtualNetwork~vnet-small", "ps~storageAccount~stsmall"
    wait_phase(plan_small, vnet, {"AwaitingApproval"}, timeout=60)
    with plan_small.client(principal=APPROVER) as approver:
        # a per-unit plan has no wave approval; the storage account has not started yet
        assert approver.post("/api/plans/ps/approve", json={"wave": 0}).status_code == 409
        assert approver.get(f"/api/migrations/{storage}").status_code == 404
        assert approver.post(f"/api/migrations/{vnet}/approve", json={}).status_code == 202
    wait_phase(plan_small, storage, {"AwaitingApproval"}, timeout=60)
    with plan_small.client(principal=APPROVER) as approver:
        assert approver.post(f"/api/migrations/{storage}/approve", json={}).status_code == 202

    view = wait_plan_completed(plan_small, "ps")
    assert [[(u["id"], u["phase"]) for u in w["units"]] for w in view["waves"]] == [
        [(vnet, "Committed")],
        [(storage, "Committed")],
    ]
    assert plan_small.arm_group("vnet-small-Migrated") and plan_small.arm_group("stsmall-Migrated")
