"""The operator commands end to end: `c2arm up` → submit → status → approve → report, as a user runs them.

Every command is a real subprocess against the real local stack (devhost running function_app.py,
the emulator, Azurite). Waiting for a phase polls the API with a deadline (no sleeps in the test).
"""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pytest

from cli.api_client import ApiClient
from cli.signin import default_principal
from tests.e2e.cli.helpers import REPO_ROOT, c2arm, start_wave_plan, wait_for_phase
from tests.polling import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("ops_stack")]
APPROVER = "approver@contoso.com"


def test_submit_status_approve_report(ops_stack, tmp_path: Path) -> None:
    sd = ["--state-dir", str(ops_stack.state_dir)]
    uid = f"e2e-api-cs-{time.time_ns() % 10**8}"
    result = c2arm("submit", "--kind", "cloudService", "--name", "api-cs", "--request-id", uid, *sd)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{uid}: ")

    again = c2arm("submit", "--kind", "cloudService", "--name", "api-cs", "--request-id", uid, *sd)
    assert again.returncode == 1
    assert "409" in again.stderr and uid in again.stderr

    status = wait_for_phase(ops_stack.state_dir, uid, {"AwaitingApproval", "NotMigratable", "Failed"})
    assert status["phase"] == "AwaitingApproval", status
    # the CLI signed in (the devhost's emulated App Service sign-in): the requester is named (#15 item 13)
    assert status["requestedBy"] == default_principal() != "unknown"

    shown = c2arm("status", uid, *sd)
    assert shown.returncode == 0
    assert "AwaitingApproval" in shown.stdout and f"c2arm approve|abort {uid}" in shown.stdout
    assert f"review page: {ops_stack.info['appUrl']}/api/migrations/{uid}/review" in shown.stdout
    listed = c2arm("status", "--json", *sd)
    assert uid in {m["id"] for m in json.loads(listed.stdout)}

    nobody = c2arm("approve", uid, *sd)
    assert nobody.returncode == 1 and "403" in nobody.stderr
    intruder = c2arm("approve", uid, "--as", "mallory@contoso.com", *sd)
    assert intruder.returncode == 1 and "403" in intruder.stderr and "not an approver" in intruder.stderr

    approved = c2arm("approve", uid, "--as", APPROVER, "--comment", "checked the LB rules", *sd)
    assert approved.returncode == 0, approved.stderr
    assert "decision commit accepted" in approved.stdout

    watched = c2arm("status", uid, "--watch", "--interval", "0.5", *sd, timeout=120)
    assert watched.returncode == 0, watched.stderr
    assert "Committed" in watched.stdout

    late_abort = c2arm("abort", uid, "--as", APPROVER, *sd)
    assert late_abort.returncode == 1 and "409" in late_abort.stderr

    report = json.loads(c2arm("report", uid, *sd).stdout)
    assert report["phase"] == "Committed" and report["approver"] == APPROVER
    assert report["requestedBy"] == default_principal()
    arm_ids = set(report["resourceMap"].values())
    assert any("/resourceGroups/api-cs-Migrated/" in i for i in arm_ids), report["resourceMap"]

    files = c2arm("report", uid, "--html", "--out", str(tmp_path), *sd)
    assert files.returncode == 0, files.stderr
    html = (tmp_path / f"{uid}.html").read_text()
    assert "<svg" in html and "Committed" in html and "api-cs-Migrated" in html
    rows = list(csv.reader(io.StringIO((tmp_path / f"{uid}-ids.csv").read_text())))
    assert rows[0] == ["unit", "classic", "armResourceId"]
    assert {r[2] for r in rows[1:]} == arm_ids

    with ApiClient.resolve(None, ops_stack.state_dir) as client:
        audit = client.audit(uid)
    assert any(
        e.get("principal") == APPROVER and e.get("comment") == "checked the LB rules"
        for e in audit["entries"]
    )


def test_submit_via_queue_reaches_the_app(ops_stack, tmp_path: Path) -> None:
    uid = f"e2e-queue-{time.time_ns() % 10**8}"
    request = {
        "requestId": uid,
        "subscriptionId": ops_stack.info["subscriptionId"],
        "unit": {"kind": "routeTable", "name": "rt-spare"},
        "dryRun": True,
        "requestedBy": "producer@contoso.com",
    }
    path = tmp_path / "requests.json"
    path.write_text(json.dumps({"requests": [request]}))
    result = c2arm("submit", "--file", str(path), "--via", "queue", "--state-dir", str(ops_stack.state_dir))
    assert result.returncode == 0, result.stderr
    assert f"{uid}: queued on migration-requests" in result.stdout
    status = wait_for_phase(ops_stack.state_dir, uid, {"Aborted", "NotMigratable", "Failed", "Committed"})
    assert status["phase"] == "Aborted" and status["dryRun"] is True, status
    assert status["requestedBy"] == "producer@contoso.com"


def test_bad_request_over_http_names_the_fields(ops_stack, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"  # a file is sent as it is: the app's 400 names every field
    path.write_text(
        json.dumps(
            {
                "requestId": "bad id!",
                "subscriptionId": ops_stack.info["subscriptionId"],
                "unit": {"kind": "cloudService", "name": "api-cs"},
                "window": "lunchtime",
            }
        )
    )
    result = c2arm("submit", "--file", str(path), "--state-dir", str(ops_stack.state_dir))
    assert result.returncode == 1
    assert "400" in result.stderr and "requestId" in result.stderr and "window" in result.stderr


def test_unknown_id_is_a_clear_404(ops_stack) -> None:
    result = c2arm("status", "no-such-migration", "--state-dir", str(ops_stack.state_dir))
    assert result.returncode == 1
    assert "no migration or plan with id 'no-such-migration'" in result.stderr


def test_migrate_starts_a_plan_that_status_follows_and_report_draws(ops_stack, tmp_path: Path) -> None:
    sd = ["--state-dir", str(ops_stack.state_dir)]
    plan_id = f"e2e-plan-{time.time_ns() % 10**8}"
    estate = str(REPO_ROOT / "examples" / "estates" / "realistic.yaml")
    units = ["--units", "networkSecurityGroup/nsg-spare", "--units", "cloudService/acl-cs"]
    started = c2arm(
        "migrate", "--estate", estate, *units, "--plan-id", plan_id, "--dry-run", "--concurrency", "2", *sd
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.startswith(f"{plan_id}: started")

    watched = c2arm("status", plan_id, "--watch", "--interval", "0.5", *sd, timeout=120)
    assert watched.returncode == 0, watched.stderr
    assert "networkSecurityGroup/nsg-spare" in watched.stdout and "Aborted" in watched.stdout  # a dry run
    assert "cloudService/acl-cs" in watched.stdout and "NotMigratable" in watched.stdout  # left out

    files = c2arm("report", plan_id, "--html", "--out", str(tmp_path), *sd)
    assert files.returncode == 0, files.stderr
    html = (tmp_path / f"{plan_id}.html").read_text()
    assert (
        "wave 0 · networkSecurityGroup/nsg-spare" in html and "Not migratable (left out of the waves)" in html
    )


def test_a_per_wave_plan_is_approved_wave_by_wave(ops_stack) -> None:
    sd = ["--state-dir", str(ops_stack.state_dir)]
    plan_id, _ = start_wave_plan(ops_stack.state_dir, "e2e-wave", "reservedIp/rip-spare")
    with ApiClient.resolve(None, ops_stack.state_dir) as client:
        wait_for(
            lambda: (client.plan(plan_id).get("waves") or [{"units": []}])[0],
            90,
            f"wave 0 of {plan_id} awaiting approval",
            interval=0.25,
            until=lambda wave: [u["phase"] for u in wave["units"]] == ["AwaitingApproval"],
        )
    approved = c2arm("approve", plan_id, "--wave", "0", "--as", APPROVER, "--comment", "wave 0 go", *sd)
    assert approved.returncode == 0, approved.stderr
    assert f"{plan_id}: wave 0 approved (1 unit(s))" in approved.stdout
    watched = c2arm("status", plan_id, "--watch", "--interval", "0.5", *sd, timeout=120)
    assert watched.returncode == 0 and "Committed" in watched.stdout, watched.stdout
