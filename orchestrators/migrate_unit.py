"""`migrate_unit`: one migration unit's whole life, from request to a final phase (docs/contract.md).

Snapshotting → Prechecking → Validating → [WaitingForWindow] → Preparing → Checking →
AwaitingApproval → [WaitingForWindow] → Committing | Aborting → Committed / Aborted /
NotMigratable / Failed / NeedsSupport, then the report. The input is built by
`migration.requests.unit_input` (request + frozen settings + links), so replay never reads
the environment. The custom status always carries the phase, findings, links and timeline.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from migration.requests import parse_duration
from orchestrators import _steps as steps
from orchestrators._status import UnitStatus

bp = df.Blueprint()

APPROVAL_EVENT = "Approval"


# Permanent errors that say nothing about the unit (our access or the answer's shape): Failed.
ACCESS_REASONS = frozenset({"auth", "configuration", "protocol"})


def _error_finding(error: dict[str, Any], default_code: str) -> dict[str, Any]:
    return {
        "severity": "error",
        "code": error.get("code") or default_code,
        "message": error.get("message", ""),
    }


def _base(ctx: df.DurableOrchestrationContext, inp: dict[str, Any]) -> dict[str, Any]:
    return {"id": ctx.instance_id, "request": inp["request"]}


def _enter(
    ctx: df.DurableOrchestrationContext, st: UnitStatus, config: dict[str, Any], phase: str
) -> steps.Step:
    """Move to `phase` and write it to the phase index (what `GET /api/migrations?phase=` reads).

    The index is bookkeeping: a write that fails every retry is recorded in the status, and the
    unit carries on (the next phase change writes the row again).
    """
    st.enter(phase)
    unit = st.data["unit"]
    key = "/".join(str(unit[k]) for k in ("kind", "name", "deployment") if unit.get(k))
    entry = {"id": ctx.instance_id, "unit": key, "phase": phase, "at": st.data["updatedAt"],
             "seq": len(st.data["timeline"])}  # the timeline's length orders the changes: seq  # fmt: skip
    try:
        yield from steps.call(ctx, config, steps.INDEX, entry)
    except Exception as exc:
        st.set(indexError=str(exc).split("\n")[0][:300])


def _wait_for_window(
    ctx: df.DurableOrchestrationContext, st: UnitStatus, config: dict[str, Any]
) -> steps.Step:
    """Wait for the next open window; an `Approval` abort decision cuts the wait short.

    Returns the abort decision when one arrived, else None.
    """
    opens = steps.window_opens_at(config, ctx.current_utc_datetime)
    if opens <= ctx.current_utc_datetime:
        return None
    yield from _enter(ctx, st, config, "WaitingForWindow")
    st.set(windowOpensAt=opens.strftime("%Y-%m-%dT%H:%M:%SZ"))
    while ctx.current_utc_datetime < opens:
        decision = ctx.wait_for_external_event(APPROVAL_EVENT)
        timer = ctx.create_timer(min(opens, ctx.current_utc_datetime + steps.MAX_TIMER))
        winner = yield ctx.task_any([decision, timer])
        if winner == decision:
            timer.cancel()
            event = decision.result or {}
            if event.get("decision") == "abort":
                return event
    return None


def _notify(
    ctx: df.DurableOrchestrationContext,
    st: UnitStatus,
    config: dict[str, Any],
    kind: str,
    data: dict[str, Any],
) -> steps.Step:
    """Publish one event on `migration-events` (through the notify activity)."""
    yield from steps.call(ctx, config, steps.NOTIFY, {"type": kind, "id": ctx.instance_id, "data": data})


# What each wait for a person accepts (an `Approval` event with another decision decides nothing
# there): the gate before prepare (`approval.beforePrepare`) and the approval before commit.
WAITS: dict[str, frozenset[str]] = {
    "prepare": frozenset({"prepare", "abort"}),
    "commit": frozenset({"commit", "abort"}),
}


def _await_decision(
    ctx: df.DurableOrchestrationContext, st: UnitStatus, inp: dict[str, Any], wait: str = "commit"
) -> steps.Step:
    """Wait for `Approval` {decision, approver, comment} at `wait` or the timeout; returns the decision.

    The same rules for both waits (the request's `approval.timeout` and `onTimeout`): a timeout
    aborts (audited as `system`) or reminds and waits again.
    """
    request, config = inp["request"], inp["config"]
    approval = request.get("approval") or {}
    span = parse_duration(approval.get("timeout") or config.get("approvalTimeoutDefault", "PT72H"))
    deadline = ctx.current_utc_datetime + span
    st.set(approvalDeadline=deadline.strftime("%Y-%m-%dT%H:%M:%SZ"))
    # the commit wait's event stays as it always was (running instances replay it)
    data = {"links": st.data["links"]} if wait == "commit" else {"links": st.data["links"], "wait": wait}
    yield from _notify(ctx, st, config, "ApprovalRequested", data)
    while True:
        decision = ctx.wait_for_external_event(APPROVAL_EVENT)
        timer = ctx.create_timer(min(deadline, ctx.current_utc_datetime + steps.MAX_TIMER))
        winner = yield ctx.task_any([decision, timer])
        if winner == decision:
            timer.cancel()
            event = decision.result or {}
            if event.get("decision") in WAITS[wait]:
                return event
            continue  # a malformed event, or one meant for another wait, decides nothing
        if ctx.current_utc_datetime < deadline:
            continue  # a chained step of a long wait
        if approval.get("onTimeout", "abort") == "remind":
            yield from _notify(ctx, st, config, "ApprovalReminder", data)
            deadline = ctx.current_utc_datetime + span
            st.set(
                approvalDeadline=deadline.strftime("%Y-%m-%dT%H:%M:%SZ"),
                reminders=st.data.get("reminders", 0) + 1,
            )
            continue
        event = {"decision": "abort", "approver": "system", "comment": "approval timed out"}
        entry = {
            "id": ctx.instance_id,
            "principal": "system",
            "action": "abort",
            "comment": "approval timed out",
            "entryId": "approval-timeout" if wait == "commit" else f"{wait}-approval-timeout",
        }
        yield from steps.call(ctx, config, steps.AUDIT, entry)
        return event


def _abort(ctx: df.DurableOrchestrationContext, st: UnitStatus, inp: dict[str, Any], base: dict[str, Any],
           attempts: list[dict[str, Any]]) -> steps.Step:  # fmt: skip
    """Abort the prepared unit; returns the final phase (Aborted, or NeedsSupport if abort fails)."""
    config = inp["config"]
    yield from _enter(ctx, st, config, "Aborting")
    result = yield from steps.run_operation(
        ctx, config, base, "abort", int(config.get("operationMaxAttempts", 3)), attempts
    )
    if result["ok"]:
        return "Aborted"
    st.set(error={"phase": "Aborting", **(result.get("error") or {})})
    return "NeedsSupport"


def _lifecycle(ctx: df.DurableOrchestrationContext, st: UnitStatus, inp: dict[str, Any]) -> steps.Step:
    """Run the phases; returns the final phase. Activity failures that exhaust retries raise."""
    request, config = inp["request"], inp["config"]
    base = _base(ctx, inp)
    attempts: list[dict[str, Any]] = []
    st.set(operations=attempts)

    yield from _enter(ctx, st, config, "Snapshotting")
    snap = yield from steps.call(ctx, config, steps.SNAPSHOT, base)
    if snap.get("error"):
        if snap["error"].get("reason") != "notFound":  # not the unit's fault: access, protocol …
            st.set(error={"phase": "Snapshotting", **snap["error"]})
            return "Failed"
        st.add_findings([_error_finding(snap["error"], "Snapshot")], "snapshot")
        return "NotMigratable"
    st.set(snapshot={"digest": snap.get("digest"), "blob": snap.get("blob")})

    yield from _enter(ctx, st, config, "Prechecking")
    pre = yield from steps.call(ctx, config, steps.PRECHECK, base)
    if pre.get("error"):
        st.set(error={"phase": "Prechecking", **pre["error"]})
        return "Failed"
    st.add_findings(pre.get("findings", []), "precheck")

    # always run: the platform's reasons are listed with ours
    yield from _enter(ctx, st, config, "Validating")
    val = yield from steps.call(ctx, config, steps.VALIDATE, base)
    if val.get("error"):
        if val["error"].get("reason") in ACCESS_REASONS:
            st.set(error={"phase": "Validating", **val["error"]})
            return "Failed"
        st.add_findings([_error_finding(val["error"], "Validate")], "platform")  # e.g. not registered
    st.add_findings(val.get("findings", []), "platform")
    if st.errors():
        return "NotMigratable"

    if (request.get("approval") or {}).get("beforePrepare"):  # a person decides before anything changes
        yield from _enter(ctx, st, config, "AwaitingPrepareApproval")
        gate = yield from _await_decision(ctx, st, inp, "prepare")
        st.set(prepareDecision=gate)
        if gate.get("decision") != "prepare":
            st.set(approver=gate.get("approver"), decision=gate)
            return "Aborted"  # nothing was prepared

    if request.get("window") == "off-hours":
        aborted = yield from _wait_for_window(ctx, st, config)
        if aborted:
            st.set(approver=aborted.get("approver"), decision=aborted)
            return "Aborted"  # nothing was prepared yet

    yield from _enter(ctx, st, config, "Preparing")
    prepared = yield from steps.run_operation(
        ctx, config, base, "prepare", int(config.get("operationMaxAttempts", 3)), attempts
    )
    if not prepared["ok"]:
        st.set(error={"phase": "Preparing", **(prepared.get("error") or {})})
        final = yield from _abort(ctx, st, inp, base, attempts)  # undo whatever was prepared
        return "Failed" if final == "Aborted" else final

    yield from _enter(ctx, st, config, "Checking")
    checked = yield from steps.call(ctx, config, steps.CHECK, base)
    if checked.get("error"):  # cannot show an approver what was prepared: undo it
        st.set(error={"phase": "Checking", **checked["error"]})
        final = yield from _abort(ctx, st, inp, base, attempts)
        return "Failed" if final == "Aborted" else final
    st.add_findings(checked.get("findings", []), "check")
    st.set(resourceMap=checked.get("resourceMap", {}), armResources=checked.get("armResources", []))

    if request.get("dryRun"):
        decision: dict[str, Any] = {"decision": "abort", "approver": "system", "comment": "dry run"}
    else:
        yield from _enter(ctx, st, config, "AwaitingApproval")
        decision = yield from _await_decision(ctx, st, inp, "commit")
    st.set(approver=decision.get("approver"), decision=decision)
    if decision.get("decision") == "commit" and request.get("window") == "off-hours":
        aborted = yield from _wait_for_window(ctx, st, config)
        if aborted:
            st.set(approver=aborted.get("approver"), decision=aborted)
            decision = aborted
    if decision.get("decision") != "commit":
        final = yield from _abort(ctx, st, inp, base, attempts)
        return final

    yield from _enter(ctx, st, config, "Committing")
    committed = yield from steps.run_operation(
        ctx, config, base, "commit", int(config.get("commitMaxAttempts", 5)), attempts
    )
    if committed["ok"]:
        return "Committed"
    st.set(error={"phase": "Committing", **(committed.get("error") or {}),
                  "correlation": [a for a in attempts if a.get("operation") == "commit"]})  # fmt: skip
    return "NeedsSupport"


@bp.orchestration_trigger(context_name="context")
def migrate_unit(context: df.DurableOrchestrationContext):  # type: ignore[no-untyped-def]
    """One unit's migration; the output is the final status (the same shape as the custom status)."""
    inp: dict[str, Any] = context.get_input()
    st = UnitStatus(context, inp)
    st.publish()
    config = inp["config"]
    try:
        final = yield from _lifecycle(context, st, inp)
    except Exception as exc:  # an activity failed every retry: record it, the unit is Failed
        message = str(exc).split("\n")[0][:1000]
        st.set(error={"phase": st.phase, "code": "ActivityFailed", "message": message})
        final = "NeedsSupport" if st.phase == "Committing" else "Failed"
        if st.phase in {"Preparing", "Checking", "AwaitingApproval", "WaitingForWindow"}:
            try:  # something may be prepared: try to leave the platform as it was
                final_abort = yield from _abort(context, st, inp, _base(context, inp), [])
                final = "Failed" if final_abort == "Aborted" else final_abort
            except Exception as abort_exc:
                st.set(abortError=str(abort_exc).split("\n")[0][:500])
                final = "NeedsSupport"
    yield from _enter(context, st, config, final)
    try:  # the unit is final whatever happens to its paperwork; a lost report is recorded, not fatal
        report = yield from steps.call(
            context,
            config,
            steps.REPORT,
            {"id": context.instance_id, "status": st.data, "findings": st.findings},
        )
        st.set(report=report)
        yield from steps.call(
            context,
            config,
            steps.NOTIFY,
            {
                "type": "MigrationFinished",
                "id": context.instance_id,
                "data": {"phase": final, "unit": st.data["unit"], "dryRun": st.data["dryRun"]},
            },
        )
    except Exception as exc:
        st.set(reportError=str(exc).split("\n")[0][:500])
    return st.data


__all__ = ["APPROVAL_EVENT", "bp", "migrate_unit"]
