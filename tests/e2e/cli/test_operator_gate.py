"""The optional human gate before prepare (item 2 of #15), through the real CLI and local stack:
`submit --approve-before-prepare` stops the unit in AwaitingPrepareApproval with nothing prepared
(the emulator's request log has no `comp=Prepare`); the approver rules apply; `c2arm approve`
there means prepare (audited); `c2arm abort` there ends the unit Aborted with nothing changed."""

from __future__ import annotations

import time
from typing import Any

import pytest

from cli.api_client import ApiClient
from tests.e2e.cli.helpers import c2arm, wait_for_phase
from tests.e2e.cli.test_e2e_operator import APPROVER
from tests.e2e.cli.test_operator_validate import last_seq, platform_requests_since

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("ops_stack")]
FINAL = {"Committed", "Aborted", "NotMigratable", "Failed", "NeedsSupport"}


def prepares_since(ops_stack: Any, seq: int, name: str) -> list[dict[str, Any]]:
    log = platform_requests_since(ops_stack, seq)
    return [
        r for r in log if r["method"] == "POST" and name in r["path"] and r["query"].lower() == "comp=prepare"
    ]


def test_gate_then_prepare_then_abort(ops_stack: Any) -> None:
    sd = ["--state-dir", str(ops_stack.state_dir)]
    uid = f"gate-{time.time_ns() % 10**8}"
    before = last_seq(ops_stack)
    submitted = c2arm(
        "submit",
        "--kind",
        "networkSecurityGroup",
        "--name",
        "nsg-spare",
        "--request-id",
        uid,
        "--approve-before-prepare",
        *sd,
    )
    assert submitted.returncode == 0, submitted.stderr
    try:
        watched = c2arm("status", uid, "--watch", "--interval", "0.2", *sd, timeout=120)
        assert (
            f"{uid} is AwaitingPrepareApproval: validated; to prepare: c2arm approve {uid}" in watched.stdout
        )
        assert prepares_since(ops_stack, before, "nsg-spare") == []  # nothing prepared at the gate
        nobody = c2arm("approve", uid, *sd)
        assert nobody.returncode == 1 and "403" in nobody.stderr  # the approver rules apply
        approved = c2arm("approve", uid, "--as", APPROVER, "--comment", "prepare it", *sd)
        assert approved.returncode == 0 and f"{uid}: decision prepare accepted" in approved.stdout
        status = wait_for_phase(ops_stack.state_dir, uid, {"AwaitingApproval", *FINAL})
        assert status["phase"] == "AwaitingApproval", status
        phases = [t["phase"] for t in status["timeline"]]
        assert phases[3:6] == ["Validating", "AwaitingPrepareApproval", "Preparing"]
        assert len(prepares_since(ops_stack, before, "nsg-spare")) == 1
        with ApiClient.resolve(None, ops_stack.state_dir) as client:
            audit = client.audit(uid)["entries"]
        assert [(e["action"], e["principal"]) for e in audit][-1] == ("approve-prepare", APPROVER)
    finally:
        c2arm("abort", uid, "--as", APPROVER, *sd)
        wait_for_phase(ops_stack.state_dir, uid, FINAL, timeout=90)


def test_abort_at_the_gate_changes_nothing(ops_stack: Any) -> None:
    sd = ["--state-dir", str(ops_stack.state_dir)]
    uid = f"gate-abort-{time.time_ns() % 10**8}"
    before = last_seq(ops_stack)
    assert (
        c2arm(
            "submit",
            "--kind",
            "routetable",
            "--name",
            "rt-spare",
            "--request-id",
            uid,
            "--approve-before-prepare",
            *sd,
        ).returncode
        == 0
    )
    wait_for_phase(ops_stack.state_dir, uid, {"AwaitingPrepareApproval", *FINAL})
    aborted = c2arm("abort", uid, "--as", APPROVER, "--comment", "not tonight", *sd)
    assert aborted.returncode == 0, aborted.stderr
    status = wait_for_phase(ops_stack.state_dir, uid, FINAL)
    assert status["phase"] == "Aborted"
    assert [t["phase"] for t in status["timeline"]][-2:] == ["AwaitingPrepareApproval", "Aborted"]
    writes = [
        r
        for r in platform_requests_since(ops_stack, before)
        if r["method"] != "GET" and "rt-spare" in r["path"]
    ]
    assert [r["query"].lower() for r in writes] == ["comp=validate"], writes  # no prepare, no abort
