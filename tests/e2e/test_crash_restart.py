"""The devhost killed (SIGKILL) while a unit is Preparing and while it awaits approval, then
restarted on the same state: the same instance finishes, and no platform operation is repeated
to effect (one prepare and one commit on the emulator)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import APPROVER, Stack, request, running_stack, wait_for, wait_phase

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("crash_stack")]


@pytest.fixture(scope="module")
def crash_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("crash"), {"APPROVERS": APPROVER}) as stack:
        yield stack


def unit_operations(stack: Stack) -> list[dict]:
    with stack.emulator() as admin:
        return [
            op
            for op in admin.get("/admin/operations").json()["operations"]
            if "vnet-small" in str(op["unit"])
        ]


def test_killed_while_preparing_and_while_awaiting_approval(crash_stack: Stack) -> None:
    from cli.stack.up import restart_app

    with crash_stack.emulator() as admin:
        assert admin.put("/admin/progress", json={"mode": "manual"}).status_code == 200
    with crash_stack.client(principal="ops@contoso.com") as client:
        assert client.post("/api/migrations", json=request("crash-1")).status_code == 202
    wait_phase(crash_stack, "crash-1", {"Preparing"}, timeout=30)
    prepare = wait_for(
        lambda: [op for op in unit_operations(crash_stack) if "prepare" in op["kind"]],
        timeout=30,
        what="the prepare operation",
    )
    restart_app(crash_stack.state_dir, crash=True)  # killed mid-Preparing
    with crash_stack.emulator() as admin:
        assert admin.post(f"/admin/operations/{prepare[0]['id']}/complete", json={}).status_code == 200
        assert admin.put("/admin/progress", json={"mode": "timed"}).status_code == 200
    doc = wait_phase(
        crash_stack, "crash-1", {"AwaitingApproval", "Failed", "Aborted", "NeedsSupport"}, timeout=60
    )
    assert doc["phase"] == "AwaitingApproval", doc.get("error")

    restart_app(crash_stack.state_dir, crash=True)  # killed while waiting for a person
    with crash_stack.client(principal=APPROVER) as approver:
        assert approver.post("/api/migrations/crash-1/approve", json={}).status_code == 202
    doc = wait_phase(crash_stack, "crash-1", {"Committed", "Failed", "Aborted", "NeedsSupport"}, timeout=60)
    assert doc["phase"] == "Committed", doc.get("error")
    kinds = [op["kind"] for op in unit_operations(crash_stack)]
    assert sum("prepare" in k for k in kinds) == 1 and sum("commit" in k for k in kinds) == 1, kinds
    assert crash_stack.arm_group("vnet-small-Migrated")
