"""`c2arm status --watch` as an operator runs it against the real local stack (items 4, 10, 11, 12 of
#15): progress lines when stdout is not a terminal, a stop (saying why) when a unit needs a person,
the elapsed column naming its clock, a finished dry run shown as "Aborted (dry run)", plan hints
naming the wave approval. Every command is a real subprocess; stdout is a pipe, as in a log."""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.cli.helpers import c2arm, start_wave_plan, wait_for_phase
from tests.e2e.cli.test_e2e_operator import APPROVER
from tests.e2e.cli.test_operator_validate import emulator

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("ops_stack")]
FINAL = {"Committed", "Aborted", "NotMigratable", "Failed", "NeedsSupport"}


def test_watch_prints_progress_lines_and_a_dry_run_ends_aborted_dry_run(ops_stack) -> None:  # type: ignore[no-untyped-def]
    sd = ["--state-dir", str(ops_stack.state_dir)]
    uid = f"watch-dry-{time.time_ns() % 10**8}"
    # a slower prepare (the emulator's own fault), so the unit is still running when the watch starts
    slow = {
        "id": "watch-slow-prepare",
        "match": {"operation": "prepare", "unit": "routeTable/rt-spare"},
        "count": 1,
        "action": {"type": "slowOperation", "factor": 30},
    }
    with emulator(ops_stack) as admin:
        assert admin.post("/admin/faults", json=slow).status_code in (200, 201)
    submitted = c2arm(
        "submit", "--kind", "routetable", "--name", "rt-spare", "--dry-run", "--request-id", uid, *sd
    )
    assert submitted.returncode == 0, submitted.stderr
    assert f"(c2arm status {uid} --watch --state-dir {ops_stack.state_dir})" in submitted.stdout  # pasteable
    watched = c2arm("status", uid, "--watch", "--interval", "0.2", *sd, timeout=120)
    assert watched.returncode == 0, watched.stderr
    progress = re.findall(rf"^\d\d:\d\d:\d\d {re.escape(uid)} (\S+(?: \(dry run\))?)$", watched.stdout, re.M)
    assert len(progress) >= 2 and progress[-1] == "Aborted (dry run)", watched.stdout
    assert {"Preparing (dry run)", "Checking (dry run)", "Aborting (dry run)"} & set(progress), progress
    assert "elapsed (platform time, ×10)" in watched.stdout  # the stack runs at --time-scale 10
    assert "dry run done (prepared, checked, aborted)" in watched.stdout
    with emulator(ops_stack) as admin:
        admin.delete("/admin/faults/watch-slow-prepare")


def test_watch_stops_and_says_why_when_a_unit_awaits_approval(ops_stack) -> None:  # type: ignore[no-untyped-def]
    sd = ["--state-dir", str(ops_stack.state_dir)]
    uid = f"watch-gate-{time.time_ns() % 10**8}"
    assert (
        c2arm(
            "submit", "--kind", "networkSecurityGroup", "--name", "nsg-spare", "--request-id", uid, *sd
        ).returncode
        == 0
    )
    try:
        watched = c2arm("status", uid, "--watch", "--interval", "0.2", *sd, timeout=120)
        assert watched.returncode == 0, watched.stderr
        assert "stopped watching: a unit needs a person" in watched.stdout
        assert f"{uid} is AwaitingApproval: " in watched.stdout
        assert f"c2arm approve|abort {uid} --state-dir {ops_stack.state_dir}" in watched.stdout
    finally:
        c2arm("abort", uid, "--as", APPROVER, *sd)
        wait_for_phase(ops_stack.state_dir, uid, FINAL, timeout=90)


def test_a_per_wave_plan_hints_at_the_wave_approval(ops_stack) -> None:  # type: ignore[no-untyped-def]
    sd = ["--state-dir", str(ops_stack.state_dir)]
    plan_id, started = start_wave_plan(ops_stack.state_dir, "watch-wave", "networkSecurityGroup/nsg-spare")
    assert f"approve each wave with c2arm approve {plan_id} --wave N" in started.stdout
    unit_id = f"{plan_id}~networkSecurityGroup~nsg-spare"
    try:
        watched = c2arm("status", plan_id, "--watch", "--interval", "0.2", *sd, timeout=120)
        assert watched.returncode == 0, watched.stderr
        assert "stopped watching: a unit needs a person" in watched.stdout
        assert f"c2arm approve {plan_id} --wave 0 --state-dir {ops_stack.state_dir}" in watched.stdout
        assert "AwaitingApproval" in watched.stdout
        no_wave = c2arm("approve", plan_id, "--as", APPROVER, *sd)
        assert no_wave.returncode == 2
        hint = f"(c2arm status {plan_id} --state-dir {ops_stack.state_dir} shows the waves)"
        assert no_wave.stderr.strip() == f"c2arm: {plan_id} is a plan: add --wave N {hint}"
    finally:
        c2arm("abort", unit_id, "--as", APPROVER, *sd)
        wait_for_phase(ops_stack.state_dir, unit_id, FINAL, timeout=90)
