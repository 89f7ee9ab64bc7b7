"""Stand-in activities for replay tests, registered under the real activity names.

A scripted platform: each operation takes `ticks` status polls to finish; failures, transient
errors and findings are set per test. The orchestrator cannot tell them from the real ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from migration.policy import decision_problem, sign_decision
from tests.replay.workflow.harness import ActivityError

SUB = "00000000-0000-0000-0000-000000000001"


def unit_input(
    dry_run: bool = False,
    window: str = "any",
    approval: dict | None = None,
    config: dict | None = None,
    unit: dict | None = None,
) -> dict[str, Any]:
    from migration.requests import WorkflowConfig, parse_request
    from migration.requests import unit_input as build

    request = parse_request(
        {
            "requestId": "change-1",
            "subscriptionId": SUB,
            "unit": unit or {"kind": "virtualNetwork", "name": "vnet1"},
            "dryRun": dry_run,
            "window": window,
            "requestedBy": "ops@contoso.com",
            **({"approval": approval} if approval else {}),
        }
    )
    cfg = WorkflowConfig.model_validate(
        {
            "windows": "Mon-Fri 22:00-06:00",
            "pollMinSeconds": 5,
            "pollMaxSeconds": 60,
            "deadlineMinutes": 30,
            **(config or {}),
        }
    )
    links = {"status": "http://127.0.0.1/api/migrations/change-1"}
    return build(request, cfg, links)


@dataclass
class Platform:
    ticks: int = 2
    precheck: list[dict[str, Any]] = field(default_factory=list)
    validate: list[dict[str, Any]] = field(default_factory=list)
    check: list[dict[str, Any]] = field(default_factory=list)
    fail_op: dict[str, dict[str, Any]] = field(default_factory=dict)  # op -> failure (per attempt list)
    transient_status: int = 0  # status calls that raise before answering
    start_errors: dict[str, dict[str, Any]] = field(default_factory=dict)
    snapshot_error: dict[str, Any] | None = None
    retry_after: float = 0
    state: str = "Unprepared"
    ops: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    fail_counts: dict[str, int] = field(default_factory=dict)
    indexed: list[dict[str, Any]] = field(default_factory=list)

    def activities(self) -> dict[str, Any]:
        return {
            "snapshot_unit": self.snapshot,
            "precheck_unit": lambda _p: {"findings": self.precheck},
            "validate_unit": lambda _p: {"findings": self.validate},
            "start_operation": self.start,
            "operation_status": self.status,
            "check_unit": self.do_check,
            "write_report": self.report,
            "notify": self.notify,
            "audit_entry": self.audit_entry,
            "index_phase": self.indexed.append,
            "verify_decision": verify_decision,
        }

    def snapshot(self, p: dict) -> dict:
        if self.snapshot_error:
            return {"error": self.snapshot_error}
        return {"digest": "ab" * 32, "blob": f"snapshots/{p['id']}.json"}

    def start(self, p: dict) -> dict:
        op = p["operation"]
        if op in self.start_errors:
            return {"error": self.start_errors[op]}
        done = {"prepare": "Prepared", "commit": "Committed", "abort": "Unprepared"}[op]
        if self.state == done:
            return {"status": "AlreadyDone", "state": self.state}
        rid = f"{op}-{len(self.started)}"
        self.started.append(rid)
        self.ops[rid] = {"op": op, "polls": 0}
        return {"status": "Started", "requestId": rid, "retryAfter": self.retry_after}

    def status(self, p: dict) -> dict:
        if self.transient_status > 0:
            self.transient_status -= 1
            raise ActivityError("503 Service Unavailable")
        op = self.ops[p["requestId"]]
        op["polls"] += 1
        if op["polls"] < self.ticks:
            return {"status": "InProgress", "retryAfter": self.retry_after}
        failures = self.fail_op.get(op["op"])
        n = self.fail_counts.get(op["op"], 0)
        if failures and n < failures.get("times", 1):
            self.fail_counts[op["op"]] = n + 1
            return {
                "status": "Failed",
                "transient": failures.get("transient", False),
                "failure": {"code": failures.get("code", "BadRequest"), "message": failures["message"]},
            }
        self.state = {"prepare": "Prepared", "commit": "Committed", "abort": "Unprepared"}[op["op"]]
        return {"status": "Succeeded"}

    def do_check(self, _p: dict) -> dict:
        return {"findings": self.check, "resourceMap": {"vnet1": "/subscriptions/x/vnet1"}}

    def report(self, p: dict) -> dict:
        return {
            "json": f"reports/{p['id']}.json",
            "html": f"reports/{p['id']}.html",
            "phase": p["status"]["phase"],
        }

    def notify(self, p: dict) -> None:
        self.events.append(p)

    def audit_entry(self, p: dict) -> None:
        self.audit.append(p)


# The decision routes sign every person's decision (`migration.policy.sign_decision`); the real
# `verify_decision` activity checks it under the app's secret — here under this one.
DECISION_SECRET = "workflow-tests-decision-secret-of-32-bytes"


def signed(
    unit_id: str, decision: str, wait: str, approver: str = "alice@contoso.com", comment: str = ""
) -> dict:
    """An `Approval` event as c2arm's decision route raises it (signed for `unit_id` and `wait`)."""
    fields = {
        "decision": decision,
        "wait": wait,
        "approver": approver,
        "approverId": "a11ce000-0000-4000-8000-000000000001",
        "comment": comment,
        "at": "2030-01-01T00:00:00.000000Z",
    }
    return {**fields, "signature": sign_decision(DECISION_SECRET, unit_id, fields)}


def verify_decision(p: dict) -> dict:
    """The `verify_decision` activity's verdict (the same pure check, the tests' secret)."""
    reason = decision_problem(DECISION_SECRET, p["id"], p["event"])
    return {"valid": reason is None, "reason": reason or ""}
