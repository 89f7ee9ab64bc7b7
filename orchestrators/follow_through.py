"""`follow_through`: after a unit is Committed, each migrated VM onto managed disks (issue #18).

Its own orchestration, id `migration.followthrough.follow_through_id(unit id)`, started by
`migrate_unit` once the unit is Committed (the unit's phases stay as they are; its status links
here). Phases: Surveying → [AwaitingApproval] → [WaitingForWindow] → Converting → Completed |
CompletedWithFindings | Aborted | Failed. It needs downtime, so it is governed like commit: the
request's off-hours window and an approval (same approvers, same two-person rule) unless the
request waives it.

Per VM, one at a time (a set keeps its other members running): read it before anything changes
(was it running?), then repeat `ft_step` — which decides the next step from what ARM shows now
and starts it — polling each started operation with durable timers, until the VM is done. A
refusal becomes a finding with its remedy, and the VM is put back as it was (started again).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df

from migration import names
from migration.requests import WorkflowConfig
from migration.workflow import UnitInput
from orchestrators import _steps as steps
from orchestrators._decisions import abort_or_window_open
from orchestrators._status import UnitStatus, iso
from orchestrators.migrate_unit import _await_decision

bp = df.Blueprint()

MAX_STEPS = 40  # per VM, waits not counted: far above the longest path (align, deallocate, convert, back)
MAX_OPERATION_RETRIES = 3


def _wait(
    ctx: df.DurableOrchestrationContext, config: WorkflowConfig, seconds: float | None = None
) -> steps.Step:
    delay = seconds if seconds is not None else config.poll_min_seconds
    yield ctx.create_timer(ctx.current_utc_datetime + timedelta(seconds=delay))


def _poll(
    ctx: df.DurableOrchestrationContext, config: WorkflowConfig, base: dict[str, Any], started: dict[str, Any]
) -> steps.Step:
    """Poll a compute operation to its end (the migration calls' schedule): its last status."""
    opened = ctx.current_utc_datetime
    deadline = opened + timedelta(minutes=config.deadline_minutes)
    floor = config.poll_min_seconds
    cap = max(floor, config.poll_max_seconds)
    fraction = steps.POLL_FRACTION
    interval, retry_after = floor, float(started.get("retryAfter") or 0)
    while True:
        yield from _wait(ctx, config, max(interval, retry_after))
        try:
            status = yield from steps.call(
                ctx, config, names.FT_OPERATION, {**base, "operationUrl": started["operationUrl"]}
            )
        except steps.ActivityFailed as exc:  # every quick retry failed: keep polling until the deadline
            status = {"status": "InProgress", "lastError": str(exc)[:300]}
        if status.get("error") and not status.get("status"):
            return {"status": "Failed", "error": status["error"], "transient": False}
        if status.get("status") in ("Succeeded", "Failed"):
            return status
        if ctx.current_utc_datetime >= deadline:
            return {
                "status": "Failed",
                "transient": False,
                "error": {"code": "OperationDeadline", "message": "the operation did not finish in time"},
            }
        retry_after = float(status.get("retryAfter") or 0)
        elapsed = (ctx.current_utc_datetime - opened).total_seconds()
        interval = min(cap, max(floor, fraction * elapsed))


def _seconds(ctx: df.DurableOrchestrationContext, since: str | None) -> float:
    if not since:
        return 0.0
    start = datetime.strptime(since, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=ctx.current_utc_datetime.tzinfo)
    return max(0.0, (ctx.current_utc_datetime - start).total_seconds())


def _one_vm(
    ctx: df.DurableOrchestrationContext,
    st: UnitStatus,
    config: WorkflowConfig,
    base: dict[str, Any],
    row: dict[str, Any],
) -> steps.Step:
    """Carry one VM to managed disks (or back to how it was after a refusal); fills `row`."""
    payload = {**base, "vm": row["vm"]}
    before = yield from steps.call(ctx, config, names.FT_READ_VM, payload)
    while before.get("busy") or before.get("power") in ("deallocating", "starting", "stopping"):
        yield from _wait(ctx, config)  # something else is changing it: see where it settles
        before = yield from steps.call(ctx, config, names.FT_READ_VM, payload)
    was_running = before.get("power") == "running"
    row.update(before=before, wasRunning=was_running, steps=[], downtimeSeconds=0)
    accounts = [d["vhd"].split("//", 1)[-1].split(".", 1)[0] for d in before.get("disks", []) if d.get("vhd")]
    while accounts:  # never beside a migration of the storage account that holds the VHDs
        locked = yield from steps.call(
            ctx, config, names.FT_ACCOUNTS_LOCKED, {**base, "accounts": sorted(set(accounts))}
        )
        if not locked.get("locked"):
            break
        row["waitingFor"] = locked["locked"]
        st.publish()
        yield from _wait(ctx, config, config.poll_max_seconds)
    row.pop("waitingFor", None)
    restoring, failures, down_since = False, 0, None
    taken, waiting_since = 0, None
    while taken < MAX_STEPS:
        result = yield from steps.call(
            ctx, config, names.FT_STEP, {**payload, "wasRunning": was_running, "restoring": restoring}
        )
        kind = result.get("action")
        if result.get("error"):  # a permanent failure of the read itself
            result = {
                "action": "refuse",
                "finding": {
                    "code": "C2A-FT-04",
                    "message": result["error"].get("message", ""),
                    "remedy": "Check access to the VM and run the follow-through again.",
                },
            }
            kind = "refuse"
        if not (kind == "wait" and row["steps"] and row["steps"][-1]["action"] == "wait"):
            row["steps"].append({"action": kind, "at": iso(ctx)})  # one entry for a whole wait
        if kind == "done":
            row["after"] = result.get("vm")
            if was_running and down_since is not None:  # its last operation was seen by a read
                row["downtimeSeconds"] = round(row["downtimeSeconds"] + _seconds(ctx, down_since), 1)
            break
        if kind == "refuse":
            row["finding"] = result.get("finding")
            restoring = True
            continue
        if kind == "wait":  # an operation runs on it (one a crash made c2arm lose): poll to the deadline
            waiting_since = waiting_since or ctx.current_utc_datetime
            waited = (ctx.current_utc_datetime - waiting_since).total_seconds()
            if waited >= config.deadline_minutes * 60:
                taken = MAX_STEPS  # busy past the deadline: the finding after the loop
                continue
            floor, cap = config.poll_min_seconds, config.poll_max_seconds
            yield from _wait(ctx, config, min(cap, max(floor, steps.POLL_FRACTION * waited)))
            continue
        waiting_since = None
        taken += 1
        if kind == "alignSet":
            continue
        if kind == "deallocate" and was_running and down_since is None:
            down_since = iso(ctx)
        st.publish()
        status = yield from _poll(ctx, config, base, result)
        row["steps"][-1]["status"] = status.get("status")
        if status.get("status") == "Failed":
            failures += 1
            if status.get("transient") and failures <= MAX_OPERATION_RETRIES:
                yield from _wait(ctx, config, config.poll_min_seconds * 2**failures)
                continue  # the next step is decided again from ARM
            error = status.get("error") or {}
            row["finding"] = {
                "code": "C2A-FT-03",
                "message": f"VM {row['vm']}: {kind} failed: "
                f"{error.get('code', '')}: {error.get('message', '')}",
                "remedy": f"Check {row['vm']} in the portal; run the follow-through again.",
            }
            restoring = True
            continue
        if kind in ("convert", "start") and was_running and down_since is not None:
            row["downtimeSeconds"] = round(row["downtimeSeconds"] + _seconds(ctx, down_since), 1)
            down_since = None
    else:
        row["finding"] = row.get("finding") or {
            "code": "C2A-FT-05",
            "message": f"VM {row['vm']}: too many steps, or an operation on it ran past the deadline",
            "remedy": "Check the VM by hand (its power state and disks), then run the follow-through again.",
        }
    after = row.get("after") or {}
    managed = bool(after.get("disks")) and all(d.get("managed") for d in after["disks"])
    before_managed = all(d.get("managed") for d in before.get("disks", [])) and bool(before.get("disks"))
    # what ARM shows decides the outcome (a finding may still stand beside a conversion that ended
    # after its deadline)
    row["outcome"] = "alreadyManaged" if before_managed else "converted" if managed else "refused"


def _window(ctx: df.DurableOrchestrationContext, st: UnitStatus, inp: UnitInput) -> steps.Step:
    """Wait for the off-hours window; a signed abort decision cuts it short (returns it, a Decision)."""
    config = inp.settings
    opens = steps.window_opens_at(config, ctx.current_utc_datetime)
    if opens <= ctx.current_utc_datetime:
        return None
    st.enter("WaitingForWindow")
    st.set(windowOpensAt=opens.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return (yield from abort_or_window_open(ctx, st, inp, opens))


def _lifecycle(
    ctx: df.DurableOrchestrationContext, st: UnitStatus, inp: UnitInput, raw: dict[str, Any]
) -> steps.Step:
    request, config = inp.request, inp.settings
    base = {"id": ctx.instance_id, "request": request, "group": raw["group"]}
    st.enter("Surveying")
    survey = yield from steps.call(ctx, config, names.FT_SURVEY, base)
    if survey.get("error"):
        st.set(error={"phase": "Surveying", **survey["error"]})
        return "Failed"
    rows = [{"vm": v["name"]} for v in survey.get("vms", [])]
    st.set(vmPlan=survey.get("plan", []), vms=rows)
    todo = [line for line in survey.get("plan", []) if line.get("disks")]
    if not todo:
        return "Completed"
    if (request.get("followThrough") or {}).get("approval", "required") != "waived":
        st.enter("AwaitingApproval")
        decision = yield from _await_decision(ctx, st, inp, "commit")
        st.set(approver=decision.approver, decision=decision.shown())
        if decision.decision != "commit":
            return "Aborted"
    if request.get("window") == "off-hours":
        aborted = yield from _window(ctx, st, inp)
        if aborted:
            st.set(approver=aborted.approver, decision=aborted.shown())
            return "Aborted"
    st.enter("Converting")
    for row in rows:
        st.set(current=row["vm"])
        yield from _one_vm(ctx, st, config, base, row)
        st.set(vms=rows)
    st.data.pop("current", None)
    findings = [r["finding"] for r in rows if r.get("finding")]
    if findings:
        st.add_findings(
            [{"severity": "error", "resource": f.get("message", "").split(":")[0], **f} for f in findings],
            "followThrough",
        )
    return "CompletedWithFindings" if findings else "Completed"


@bp.orchestration_trigger(context_name="context")
def follow_through(context: df.DurableOrchestrationContext) -> steps.Step:
    """One unit's follow-through; the output is its final status (as the custom status)."""
    raw = context.get_input()  # a unit's input plus `unitId` and `group`
    if not isinstance(raw, dict):
        raise ValueError(f"follow_through's input is not a JSON object: {type(raw).__name__}")
    inp = UnitInput.from_json(raw)
    st = UnitStatus(context, inp)
    st.set(kind="followThrough", unitId=raw["unitId"])
    config = inp.settings
    try:
        final = yield from _lifecycle(context, st, inp, raw)
    except steps.ActivityFailed as exc:  # an activity failed every retry
        st.set(error={"phase": st.phase, "code": "ActivityFailed", "message": str(exc).split("\n")[0][:1000]})
        final = "Failed"
    st.enter(final)
    try:
        report = yield from steps.call(
            context, config, names.FT_REPORT, {"id": context.instance_id, "status": st.data}
        )
        st.set(report=report)
    except steps.ActivityFailed as exc:
        st.set(reportError=str(exc).split("\n")[0][:500])
    return st.data


__all__ = ["bp", "follow_through"]
