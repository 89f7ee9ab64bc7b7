"""The realistic estate on the whole local stack: windows, reasons, failures, timeouts, destinations.

Platform and durable time run 60× faster from Wednesday noon (`--start-time`, `--time-scale`),
so an off-hours window twenty virtual minutes away opens in twenty seconds.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from tests.e2e.conftest import (
    APPROVER,
    OTHER_APPROVER,
    Stack,
    realistic_request,
    wait_event,
    wait_for,
    wait_phase,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("realistic_stack")]
FINAL = {"Committed", "Aborted", "NotMigratable", "Failed", "NeedsSupport"}


def at(doc: dict, phase: str) -> datetime:
    return datetime.fromisoformat(next(t["at"] for t in doc["timeline"] if t["phase"] == phase).rstrip("Z"))


def submit(stack: Stack, body: dict) -> None:
    with stack.client(principal="ops@contoso.com") as client:
        response = client.post("/api/migrations", json=body)
        assert response.status_code == 202, response.text


def approve(stack: Stack, unit_id: str, who: str = APPROVER) -> None:
    with stack.client(principal=who) as client:
        response = client.post(f"/api/migrations/{unit_id}/approve", json={"comment": "ok"})
        assert response.status_code == 202, response.text


def operations_of(stack: Stack, unit: str) -> list[dict]:
    with stack.emulator() as admin:
        return [
            op for op in admin.get("/admin/operations").json()["operations"] if unit in str(op.get("unit"))
        ]


def vnet_prod_committed(stack: Stack) -> None:
    """Move vnet-prod (request id `prod`) unless an earlier test of this module's stack already did."""
    with stack.client() as client:
        known = client.get("/api/migrations/prod").status_code == 200
    if not known:
        submit(stack, realistic_request("prod", "virtualNetwork", "vnet-prod"))
        doc = wait_phase(stack, "prod", {"AwaitingApproval", *FINAL}, timeout=60)
        if doc["phase"] == "AwaitingApproval":
            approve(stack, "prod")
    assert wait_phase(stack, "prod", FINAL, timeout=60)["phase"] == "Committed"


def test_off_hours_unit_prepares_only_when_the_window_opens(realistic_stack: Stack) -> None:
    submit(realistic_stack, realistic_request("rt-night", "routeTable", "rt-spare", window="off-hours"))
    doc = wait_phase(
        realistic_stack, "rt-night", {"WaitingForWindow", "AwaitingApproval", *FINAL}, timeout=30
    )
    assert doc["windowOpensAt"] == "2026-11-25T12:20:00Z"
    if doc["phase"] == "WaitingForWindow":
        assert operations_of(realistic_stack, "rt-spare") == []  # nothing prepared before the window
    doc = wait_phase(realistic_stack, "rt-night", {"AwaitingApproval", *FINAL}, timeout=90)
    assert doc["phase"] == "AwaitingApproval", doc.get("error")
    phases = [t["phase"] for t in doc["timeline"]]
    assert phases.index("WaitingForWindow") < phases.index("Preparing")
    assert at(doc, "WaitingForWindow") < datetime(2026, 11, 25, 12, 20) <= at(doc, "Preparing")
    approve(realistic_stack, "rt-night")
    doc = wait_phase(realistic_stack, "rt-night", FINAL, timeout=60)
    assert doc["phase"] == "Committed", doc.get("error")
    assert realistic_stack.arm_group("rt-spare-Migrated")


def test_not_migratable_unit_lists_every_reason_and_prepares_nothing(realistic_stack: Stack) -> None:
    submit(realistic_stack, realistic_request("legacy", "virtualNetwork", "vnet-legacy"))
    doc = wait_phase(realistic_stack, "legacy", FINAL, timeout=60)
    assert doc["phase"] == "NotMigratable"
    sources = {f["source"] for f in doc["findings"] if f["severity"] == "error"}
    assert sources == {"precheck", "platform"}  # ours and the platform's validate, both listed
    assert any("RoleStateUnknown" in f["message"] for f in doc["findings"])
    assert "Preparing" not in [t["phase"] for t in doc["timeline"]]
    assert operations_of(realistic_stack, "vnet-legacy") == []


def test_prepare_only_problem_is_caught_before_prepare(realistic_stack: Stack) -> None:
    submit(realistic_stack, realistic_request("branch", "virtualNetwork", "vnet-branch"))
    doc = wait_phase(realistic_stack, "branch", FINAL, timeout=60)
    assert doc["phase"] == "NotMigratable"
    ours = [f for f in doc["findings"] if f["source"] == "precheck" and f["severity"] == "error"]
    assert any("isconnected" in f["message"] for f in ours), ours
    platform_errors = [f for f in doc["findings"] if f["source"] == "platform" and f["severity"] == "error"]
    assert platform_errors == []  # validate does not see it; prepare would have failed
    assert operations_of(realistic_stack, "vnet-branch") == []


def test_permanent_failure_ends_failed_with_the_platforms_message(realistic_stack: Stack) -> None:
    fault = {
        "id": "perm",
        "match": {"unit": "*rip-spare*", "operation": "prepare"},
        "action": {
            "type": "operationFailed",
            "transient": False,
            "code": "BadRequest",
            "message": "Quota exceeded for static public IPs: Current quota is 0",
        },
    }
    with realistic_stack.emulator() as admin:
        assert admin.post("/admin/faults", json=fault).status_code == 201
    try:
        submit(realistic_stack, realistic_request("rip", "reservedIp", "rip-spare"))
        doc = wait_phase(realistic_stack, "rip", FINAL, timeout=60)
    finally:
        with realistic_stack.emulator() as admin:
            admin.delete("/admin/faults")
    assert doc["phase"] == "Failed"
    assert doc["error"]["message"] == "Quota exceeded for static public IPs: Current quota is 0"
    assert doc["error"]["phase"] == "Preparing"
    assert "Aborting" in [t["phase"] for t in doc["timeline"]]  # left the platform as it was
    assert realistic_stack.arm_group("rip-spare-Migrated") is None


def test_approval_timeout_with_abort_policy(realistic_stack: Stack) -> None:
    approval = {"timeout": "PT3M", "onTimeout": "abort"}
    submit(
        realistic_stack,
        realistic_request("nsg-timeout", "networkSecurityGroup", "nsg-spare", approval=approval),
    )
    doc = wait_phase(realistic_stack, "nsg-timeout", FINAL, timeout=60)
    assert doc["phase"] == "Aborted"
    assert realistic_stack.arm_group("nsg-spare-Migrated") is None
    with realistic_stack.client() as client:
        audit = client.get("/api/migrations/nsg-timeout/audit").json()["entries"]
    assert ("system", "abort", "approval timed out") in [
        (e["principal"], e["action"], e["comment"]) for e in audit
    ]


def test_approval_timeout_with_remind_policy_keeps_waiting(realistic_stack: Stack) -> None:
    approval = {"timeout": "PT2M", "onTimeout": "remind"}
    submit(realistic_stack, realistic_request("diag", "storageAccount", "stdiag", approval=approval))
    wait_phase(realistic_stack, "diag", {"AwaitingApproval", *FINAL}, timeout=60)
    reminders = wait_event(realistic_stack.storage, "ApprovalReminder", "diag", timeout=30)
    assert reminders[0]["data"]["links"]["approve"].endswith("/api/migrations/diag/approve")
    with realistic_stack.client() as client:
        assert client.get("/api/migrations/diag").json()["phase"] == "AwaitingApproval"
    approve(realistic_stack, "diag", OTHER_APPROVER)
    assert wait_phase(realistic_stack, "diag", FINAL, timeout=60)["phase"] == "Committed"


def test_cloud_service_dry_run_with_a_new_virtual_network(realistic_stack: Stack) -> None:
    submit(
        realistic_stack,
        realistic_request("api-new", "cloudService", "api-cs", dryRun=True, destination={"mode": "New"}),
    )
    doc = wait_phase(realistic_stack, "api-new", FINAL, timeout=60)
    assert doc["phase"] == "Aborted" and doc["dryRun"] is True, doc.get("error")
    with realistic_stack.client() as client:
        report = client.get("/api/migrations/api-new/report").json()
    created = [
        i for i in report["resourceMap"].values() if "/microsoft.network/virtualnetworks/" in i.lower()
    ]
    assert created and all(
        "/resourceGroups/api-cs-Migrated/" in i for i in created
    )  # a new VNet, its own group
    assert realistic_stack.arm_group("api-cs-Migrated") is None  # aborted: gone again
    assert any(f["source"] == "precheck" and "dealloc" in f["message"].lower() for f in doc["findings"])


def test_cloud_service_into_an_existing_arm_subnet(realistic_stack: Stack) -> None:
    vnet_prod_committed(realistic_stack)
    destination = {
        "mode": "Existing",
        "resourceGroup": "vnet-prod-Migrated",
        "virtualNetwork": "vnet-prod",
        "subnet": "infra",
    }
    submit(realistic_stack, realistic_request("api", "cloudService", "api-cs", destination=destination))
    doc = wait_phase(realistic_stack, "api", {"AwaitingApproval", *FINAL}, timeout=60)
    assert doc["phase"] == "AwaitingApproval", (doc.get("error"), doc["findings"])
    approve(realistic_stack, "api")
    doc = wait_phase(realistic_stack, "api", FINAL, timeout=60)
    assert doc["phase"] == "Committed", doc.get("error")
    resources = realistic_stack.arm_group("api-cs-Migrated")
    assert resources and not [
        r for r in resources if r["type"].lower() == "microsoft.network/virtualnetworks"
    ]
    nics = [r for r in resources if r["type"].lower() == "microsoft.network/networkinterfaces"]
    subnet = realistic_stack.arm_get(nics[0]["id"])["properties"]["ipConfigurations"][0]["properties"][
        "subnet"
    ]
    assert subnet["id"].endswith(
        "/resourceGroups/vnet-prod-Migrated/providers/Microsoft.Network/virtualNetworks"
        "/vnet-prod/subnets/infra"
    )  # placed in the existing subnet


def test_backlog_requests_are_released_by_the_schedule_one_per_run(realistic_stack: Stack) -> None:
    """MIGRATION_SCHEDULE fires every ten virtual minutes; MAX_MIGRATIONS_PER_WINDOW is 1."""
    for rid, name in (("later-paas", "paas-cs"), ("later-acl", "acl-cs")):
        body = realistic_request(rid, "cloudService", name, requestedBy="producer@contoso.com")
        realistic_stack.storage.send("migration-backlog", json.dumps(body))
    ids = ("later-paas", "later-acl")
    with realistic_stack.client() as client:

        def started() -> list[str]:
            return [rid for rid in ids if client.get(f"/api/migrations/{rid}").status_code == 200]

        # The schedule keeps firing while the test runs: a request is either still listed or started.
        listed = [r["requestId"] for r in client.get("/api/backlog").json()["requests"]]
        assert set(ids) <= set(listed) | set(started())
        wait_for(lambda: len(started()) == 2, timeout=45, what="both scheduled releases")
        assert client.get("/api/backlog").json()["requests"] == []
        docs = [client.get(f"/api/migrations/{rid}").json() for rid in ids]
    # One per run: the two orchestrations began in different runs of the ten-minute schedule.
    begun = sorted(datetime.fromisoformat(d["createdAt"].replace("Z", "+00:00")) for d in docs)
    assert begun[1] - begun[0] >= timedelta(minutes=5), begun
    for rid in ("later-paas", "later-acl"):
        doc = wait_phase(realistic_stack, rid, FINAL, timeout=30)
        assert doc["phase"] == "NotMigratable" and doc["requestedBy"] == "producer@contoso.com"


def test_commit_failing_every_attempt_needs_support(realistic_stack: Stack) -> None:
    """After vnet-prod moved, its data account may follow; its commit keeps failing on the platform."""
    vnet_prod_committed(realistic_stack)
    action = {"type": "operationFailed", "transient": True, "message": "Internal server error"}
    fault = {
        "id": "commit-broken",
        "match": {"unit": "*stproddata*", "operation": "commit"},
        "action": action,
    }
    with realistic_stack.emulator() as admin:
        assert admin.post("/admin/faults", json=fault).status_code == 201
    try:
        submit(realistic_stack, realistic_request("data", "storageAccount", "stproddata"))
        doc = wait_phase(realistic_stack, "data", {"AwaitingApproval", *FINAL}, timeout=60)
        assert doc["phase"] == "AwaitingApproval", (doc.get("error"), doc["findings"])
        approve(realistic_stack, "data")
        doc = wait_phase(realistic_stack, "data", FINAL, timeout=90)
    finally:
        with realistic_stack.emulator() as admin:
            admin.delete("/admin/faults")
    assert doc["phase"] == "NeedsSupport"
    assert doc["error"]["phase"] == "Committing" and doc["error"]["message"] == "Internal server error"
    with realistic_stack.client(principal=APPROVER) as client:
        full = client.get("/api/migrations/data").json()
        assert client.post("/api/migrations/data/abort", json={}).status_code == 409  # final: no abort
        report = client.get("/api/migrations/data/report").json()
    correlation = report["error"]["correlation"]
    assert len(correlation) == 5 and all(a["requestId"] for a in correlation)  # COMMIT_MAX_ATTEMPTS
    assert full["phase"] == "NeedsSupport"
