"""The custom status of one unit: phase, findings, links, timeline — set on every change.

The HTTP API answers `GET /api/migrations/{id}` from this status, so it always carries the whole
picture (docs/contract.md): a client never needs the history to know where a unit is. Times come only
from `context.current_utc_datetime`, so a replay rebuilds exactly the same status.
"""

from __future__ import annotations

import json
from typing import Any

import azure.durable_functions as df

from migration.requests import WorkflowConfig
from migration.status import JsonObject, UnitState
from migration.workflow import ActivityError, Decision, UnitInput
from orchestrators import _steps as steps

# Azure keeps custom status small (16 KB); findings beyond this many are counted, not shown, and
# the published status is trimmed below STATUS_BUDGET bytes (the report keeps everything).
MAX_FINDINGS_IN_STATUS = 60
STATUS_BUDGET = 14_000


def iso(ctx: df.DurableOrchestrationContext) -> str:
    """The orchestration's current time as ISO 8601 UTC text (replay-safe)."""
    return ctx.current_utc_datetime.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class UnitStatus:
    """The status of one run (`migration.status.UnitState`), published as custom status.

    Steps set its typed fields (`st.state.…`) and call `changed()`; `enter` moves to a phase.
    """

    def __init__(self, ctx: df.DurableOrchestrationContext, inp: UnitInput, kind: str | None = None) -> None:
        self.ctx = ctx
        request = inp.request
        now = iso(ctx)
        self.findings: list[JsonObject] = []
        state = UnitState(
            id=ctx.instance_id,
            unit=request["unit"],
            phase="Queued",
            dryRun=bool(request.get("dryRun")),
            requestedBy=inp.requested_by,
            requestedById=inp.requested_by_id,
            createdAt=now,
            updatedAt=now,
            findings=[],
            findingsTotal=0,
            timeline=[{"phase": "Queued", "at": now}],
            links=dict(inp.links),
        )
        if inp.plan:
            state.plan = inp.plan
        if kind == "validation":  # a validation changes nothing: no dry run to speak of
            state.unset("dry_run")
        if kind:
            state.kind = kind
        self.state = state

    @property
    def phase(self) -> str:
        return self.state.phase

    def enter(self, phase: str, at: str | None = None) -> None:
        """Move to `phase` (`at`: when it was entered, default now): timeline entry, updatedAt, published."""
        now = at or iso(self.ctx)
        self.state.phase = phase
        self.state.updated_at = now
        self.state.timeline.append({"phase": phase, "at": now})
        self.publish()

    def preview(self, phase: str) -> JsonObject:
        """The status as `enter(phase)` now would make it, without changing or publishing it (the
        report of the final phase is written before that phase is shown)."""
        now = iso(self.ctx)
        return {
            **self.json(),
            "phase": phase,
            "updatedAt": now,
            "timeline": [*self.state.timeline, {"phase": phase, "at": now}],
        }

    def changed(self) -> None:
        """The fields just set are shown: updatedAt is now, the status published."""
        self.state.updated_at = iso(self.ctx)
        self.publish()

    def failed(
        self, phase: str, error: ActivityError | None, correlation: list[JsonObject] | None = None
    ) -> None:
        """Record what stopped the unit in `phase`: `error {phase, code, message, …}` (and the
        operations' `correlation` for support when a commit failed)."""
        self.state.error = {"phase": phase, **(error.to_json() if error else {})}
        if correlation is not None:
            self.state.error["correlation"] = correlation
        self.changed()

    def activity_failed(self, exc: BaseException) -> None:
        """An activity failed every retry in the current phase: `error.code` `ActivityFailed`."""
        self.failed(self.phase, ActivityError(code="ActivityFailed", message=first_line(exc, 1000)))

    def decided(self, decision: Decision) -> None:
        """Record a decision that took effect: who decided, and what (without its signature)."""
        self.state.approver = decision.approver
        self.state.decision = decision.shown()
        self.changed()

    def add_findings(self, findings: list[JsonObject], source: str) -> None:
        for finding in findings:
            self.findings.append({"source": source, **finding})
        self.state.findings = self.findings[:MAX_FINDINGS_IN_STATUS]
        self.state.findings_total = len(self.findings)
        self.publish()

    def json(self) -> JsonObject:
        """The whole status as JSON (the orchestration's output, a report's input): not trimmed."""
        return self.state.to_json()

    def publish(self) -> None:
        self.ctx.set_custom_status(fit(self.json()))

    def errors(self) -> list[JsonObject]:
        """Findings that stop the unit: `error` and `blocked` (waits for other units)."""
        return [f for f in self.findings if f.get("severity") in {"error", "blocked"}]


def first_line(exc: BaseException, limit: int) -> str:
    """What the status records of a failure: the first line of its message, at most `limit` long."""
    return str(exc).split("\n")[0][:limit]


def write_report(
    ctx: df.DurableOrchestrationContext, st: UnitStatus, config: WorkflowConfig, name: str, payload: Any
) -> steps.Step:
    """Write the run's report with activity `name`: the status records where it is (`report`) or
    why it is not (`reportError`); a lost report does not fail the run."""
    try:
        st.state.report = yield from steps.call(ctx, config, name, payload)
    except steps.ActivityFailed as exc:
        st.state.report_error = first_line(exc, 500)
    st.changed()


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
