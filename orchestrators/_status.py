"""The custom status of one unit: phase, findings, links, timeline — set on every change.

The HTTP API answers `GET /api/migrations/{id}` from this status, so it always carries the whole
picture (docs/contract.md): a client never needs the history to know where a unit is. Times come only
from `context.current_utc_datetime`, so a replay rebuilds exactly the same status.
"""

from __future__ import annotations

import json
from typing import Any

import azure.durable_functions as df

from migration.workflow import UnitInput

# Azure keeps custom status small (16 KB); findings beyond this many are counted, not shown, and
# the published status is trimmed below STATUS_BUDGET bytes (the report keeps everything).
MAX_FINDINGS_IN_STATUS = 60
STATUS_BUDGET = 14_000


def iso(ctx: df.DurableOrchestrationContext) -> str:
    """The orchestration's current time as ISO 8601 UTC text (replay-safe)."""
    return ctx.current_utc_datetime.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class UnitStatus:
    """The mutable status of one `migrate_unit` run, published as custom status."""

    def __init__(self, ctx: df.DurableOrchestrationContext, inp: UnitInput) -> None:
        self.ctx = ctx
        request = inp.request
        now = iso(ctx)
        self.findings: list[dict[str, Any]] = []
        self.data: dict[str, Any] = {
            "id": ctx.instance_id,
            "unit": request["unit"],
            "phase": "Queued",
            "dryRun": bool(request.get("dryRun")),
            "requestedBy": inp.requested_by,
            "requestedById": inp.requested_by_id,
            "createdAt": now,
            "updatedAt": now,
            "findings": [],
            "findingsTotal": 0,
            "timeline": [{"phase": "Queued", "at": now}],
            "links": dict(inp.links),
        }
        if inp.plan:
            self.data["plan"] = inp.plan

    @property
    def phase(self) -> str:
        return str(self.data["phase"])

    def enter(self, phase: str, at: str | None = None) -> None:
        """Move to `phase` (`at`: when it was entered, default now): timeline entry, updatedAt, published."""
        now = at or iso(self.ctx)
        self.data["phase"] = phase
        self.data["updatedAt"] = now
        self.data["timeline"].append({"phase": phase, "at": now})
        self.publish()

    def preview(self, phase: str) -> dict[str, Any]:
        """The status as `enter(phase)` now would make it, without changing or publishing it (the
        report of the final phase is written before that phase is shown)."""
        now = iso(self.ctx)
        return {
            **self.data,
            "phase": phase,
            "updatedAt": now,
            "timeline": [*self.data["timeline"], {"phase": phase, "at": now}],
        }

    def set(self, **fields: Any) -> None:
        """Set extra fields (error, approver, operation …) and publish."""
        self.data.update(fields)
        self.data["updatedAt"] = iso(self.ctx)
        self.publish()

    def add_findings(self, findings: list[dict[str, Any]], source: str) -> None:
        for finding in findings:
            self.findings.append({"source": source, **finding})
        self.data["findings"] = self.findings[:MAX_FINDINGS_IN_STATUS]
        self.data["findingsTotal"] = len(self.findings)
        self.publish()

    def publish(self) -> None:
        self.ctx.set_custom_status(fit(self.data))

    def errors(self) -> list[dict[str, Any]]:
        """Findings that stop the unit: `error` and `blocked` (waits for other units)."""
        return [f for f in self.findings if f.get("severity") in {"error", "blocked"}]


def _size(doc: dict[str, Any]) -> int:
    return len(json.dumps(doc, default=str))


def fit(doc: dict[str, Any], budget: int = STATUS_BUDGET) -> dict[str, Any]:
    """The status within `budget` bytes of JSON: drops the ARM resource list, then the oldest
    operation attempts, then findings from the end (`findingsShown` says how many remain)."""
    if _size(doc) <= budget:
        return doc
    out = {**doc, "truncated": True}
    out.pop("armResources", None)
    while _size(out) > budget and len(out.get("operations") or []) > 3:
        out["operations"] = out["operations"][-3:]
    findings = list(out.get("findings") or [])
    while _size(out) > budget and findings:
        findings = findings[: len(findings) // 2] if len(findings) > 1 else []
        out["findings"] = findings
        out["findingsShown"] = len(findings)
    return out
