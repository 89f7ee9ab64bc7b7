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

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df

from migration import names
from migration.requests import WorkflowConfig
from migration.workflow import UnitInput
from orchestrators import _steps as steps
from orchestrators._decisions import abort_or_window_open
from orchestrators._status import UnitStatus, iso, write_report
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


@dataclass
class _Walk:
    """Where one VM's steps stand, shared by the helpers of `_one_vm`."""

    was_running: bool
    restoring: bool = False  # after a refusal or a failed operation: put the VM back as it was
    failures: int = 0  # failed operations so far (transient ones are retried)
    down_since: str | None = None  # when c2arm deallocated a running VM (downtime is counted)
    counted: bool = False  # its downtime was added (a VM is taken down once)
    taken: int = 0  # steps taken, waits not counted
    waiting_since: datetime | None = None  # an operation c2arm did not start runs on it since


@dataclass(frozen=True)
class _Run:
    """What every step of one follow-through run works with: the orchestration's context, the
    status it publishes, the settings, and the input common to its activities (`base`)."""

    ctx: df.DurableOrchestrationContext
    st: UnitStatus
    config: WorkflowConfig
    base: dict[str, Any]


def _settled(
    ctx: df.DurableOrchestrationContext, config: WorkflowConfig, payload: dict[str, Any]
) -> steps.Step:
    """The VM as it is once nothing else is changing it (its power state settled)."""
    before = yield from steps.call(ctx, config, names.FT_READ_VM, payload)
    while before.get("busy") or before.get("power") in ("deallocating", "starting", "stopping"):
        yield from _wait(ctx, config)  # something else is changing it: see where it settles
        before = yield from steps.call(ctx, config, names.FT_READ_VM, payload)
    return before


def _accounts_free(run: _Run, row: dict[str, Any], before: dict[str, Any]) -> steps.Step:
    """Wait while a migration of a storage account that holds the VM's VHDs runs (never beside one)."""
    ctx, st, config, base = run.ctx, run.st, run.config, run.base
    accounts = [d["vhd"].split("//", 1)[-1].split(".", 1)[0] for d in before.get("disks", []) if d.get("vhd")]
    while accounts:
        locked = yield from steps.call(
            ctx, config, names.FT_ACCOUNTS_LOCKED, {**base, "accounts": sorted(set(accounts))}
        )
        if not locked.get("locked"):
            break
        row["waitingFor"] = locked["locked"]
        st.publish()
        yield from _wait(ctx, config, config.poll_max_seconds)
    row.pop("waitingFor", None)


def _next_step(
    ctx: df.DurableOrchestrationContext, config: WorkflowConfig, payload: dict[str, Any], walk: _Walk
) -> steps.Step:
    """`ft_step`'s answer: the step it started (or `done`, `wait`, `refuse`); a failed read refuses."""
    result = yield from steps.call(
        ctx, config, names.FT_STEP, {**payload, "wasRunning": walk.was_running, "restoring": walk.restoring}
    )
    if result.get("error"):  # a permanent failure of the read itself
        return {
            "action": "refuse",
            "finding": {
                "code": "C2A-FT-04",
                "message": result["error"].get("message", ""),
                "remedy": "Check access to the VM and run the follow-through again.",
            },
        }
    return result


def _log_step(ctx: df.DurableOrchestrationContext, row: dict[str, Any], kind: str | None) -> None:
    if not (kind == "wait" and row["steps"] and row["steps"][-1]["action"] == "wait"):
        row["steps"].append({"action": kind, "at": iso(ctx)})  # one entry for a whole wait


def _add_downtime(ctx: df.DurableOrchestrationContext, row: dict[str, Any], walk: _Walk) -> None:
    if walk.down_since is not None:
        row["downtimeSeconds"] = round(row["downtimeSeconds"] + _seconds(ctx, walk.down_since), 1)
    walk.down_since, walk.counted = None, True


DOWN = ("deallocated", "deallocating", "stopped", "stopping")


def _note_seen_down(ctx: df.DurableOrchestrationContext, walk: _Walk, result: dict[str, Any]) -> None:
    """A VM that was running, seen down before c2arm recorded taking it down: the deallocation whose
    record a crash lost (its step ran again and found the VM down), or someone else's. Its downtime
    counts from this first sighting — a lower bound, never an invented figure."""
    power = (result.get("vm") or {}).get("power")
    if walk.was_running and walk.down_since is None and not walk.counted and power in DOWN:
        walk.down_since = iso(ctx)


def _wait_while_busy(ctx: df.DurableOrchestrationContext, config: WorkflowConfig, walk: _Walk) -> steps.Step:
    """An operation runs on the VM (one a crash made c2arm lose): poll it up to the deadline."""
    walk.waiting_since = walk.waiting_since or ctx.current_utc_datetime
    waited = (ctx.current_utc_datetime - walk.waiting_since).total_seconds()
    if waited >= config.deadline_minutes * 60:
        walk.taken = MAX_STEPS  # busy past the deadline: the finding after the steps
        return
    floor, cap = config.poll_min_seconds, config.poll_max_seconds
    yield from _wait(ctx, config, min(cap, max(floor, steps.POLL_FRACTION * waited)))


def _operation_failed(
    ctx: df.DurableOrchestrationContext,
    config: WorkflowConfig,
    row: dict[str, Any],
    walk: _Walk,
    kind: str | None,
    status: dict[str, Any],
) -> steps.Step:
    """A transient failure waits (the next step is decided again from ARM); else a finding, and back."""
    walk.failures += 1
    if status.get("transient") and walk.failures <= MAX_OPERATION_RETRIES:
        yield from _wait(ctx, config, config.poll_min_seconds * 2**walk.failures)
        return
    error = status.get("error") or {}
    row["finding"] = {
        "code": "C2A-FT-03",
        "message": f"VM {row['vm']}: {kind} failed: {error.get('code', '')}: {error.get('message', '')}",
        "remedy": f"Check {row['vm']} in the portal; run the follow-through again.",
    }
    walk.restoring = True


def _operate(run: _Run, row: dict[str, Any], walk: _Walk, result: dict[str, Any]) -> steps.Step:
    """A step `ft_step` started: poll its operation to the end and count the downtime."""
    ctx, st, config, base = run.ctx, run.st, run.config, run.base
    kind = result.get("action")
    walk.waiting_since = None
    walk.taken += 1
    if kind == "alignSet":
        return
    if kind == "deallocate" and walk.was_running and walk.down_since is None:
        walk.down_since = iso(ctx)
    st.publish()
    status = yield from _poll(ctx, config, base, result)
    row["steps"][-1]["status"] = status.get("status")
    if status.get("status") == "Failed":
        yield from _operation_failed(ctx, config, row, walk, kind, status)
    elif kind in ("convert", "start") and walk.was_running and walk.down_since is not None:
        _add_downtime(ctx, row, walk)


def _steps_to_done(run: _Run, row: dict[str, Any], walk: _Walk) -> steps.Step:
    """Repeat `ft_step` until the VM is done (True) or the steps ran out (False)."""
    ctx, config = run.ctx, run.config
    payload = {**run.base, "vm": row["vm"]}
    while walk.taken < MAX_STEPS:
        result = yield from _next_step(ctx, config, payload, walk)
        kind = result.get("action")
        _log_step(ctx, row, kind)
        _note_seen_down(ctx, walk, result)
        if kind == "done":
            row["after"] = result.get("vm")
            if walk.was_running and walk.down_since is not None:  # its last operation was seen by a read
                _add_downtime(ctx, row, walk)
            return True
        if kind == "refuse":
            row["finding"] = result.get("finding")
            walk.restoring = True
        elif kind == "wait":
            yield from _wait_while_busy(ctx, config, walk)
        else:
            yield from _operate(run, row, walk, result)
    return False


def _one_vm(run: _Run, row: dict[str, Any]) -> steps.Step:
    """Carry one VM to managed disks (or back to how it was after a refusal); fills `row`."""
    before = yield from _settled(run.ctx, run.config, {**run.base, "vm": row["vm"]})
    walk = _Walk(was_running=before.get("power") == "running")
    row.update(before=before, wasRunning=walk.was_running, steps=[], downtimeSeconds=0)
    yield from _accounts_free(run, row, before)
    done = yield from _steps_to_done(run, row, walk)
    if not done:
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
    return (yield from abort_or_window_open(ctx, st, inp, opens))


def _lifecycle(
    ctx: df.DurableOrchestrationContext, st: UnitStatus, inp: UnitInput, raw: dict[str, Any]
) -> steps.Step:
    request, config = inp.request, inp.settings
    base = {"id": ctx.instance_id, "request": request, "group": raw["group"]}
    st.enter("Surveying")
    survey = yield from steps.call(ctx, config, names.FT_SURVEY, base)
    if survey.get("error"):
        st.state.error = {"phase": "Surveying", **survey["error"]}
        st.changed()
        return "Failed"
    rows = [{"vm": v["name"]} for v in survey.get("vms", [])]
    st.state.vm_plan, st.state.vms = survey.get("plan", []), rows
    st.changed()
    todo = [line for line in survey.get("plan", []) if line.get("disks")]
    if not todo:
        return "Completed"
    if (request.get("followThrough") or {}).get("approval", "required") != "waived":
        st.enter("AwaitingApproval")
        decision = yield from _await_decision(ctx, st, inp, "commit")
        st.decided(decision)
        if decision.decision != "commit":
            return "Aborted"
    if request.get("window") == "off-hours":
        aborted = yield from _window(ctx, st, inp)
        if aborted:
            st.decided(aborted)
            return "Aborted"
    st.enter("Converting")
    run = _Run(ctx, st, config, base)
    for row in rows:
        st.state.current = row["vm"]
        st.changed()
        yield from _one_vm(run, row)
        st.changed()  # the row, filled
    st.state.unset("current")
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
    st = UnitStatus(context, inp, kind="followThrough")
    st.state.unit_id = raw["unitId"]
    st.changed()
    config = inp.settings
    try:
        final = yield from _lifecycle(context, st, inp, raw)
    except steps.ActivityFailed as exc:  # an activity failed every retry
        st.activity_failed(exc)
        final = "Failed"
    st.enter(final)
    yield from write_report(
        context, st, config, names.FT_REPORT, {"id": context.instance_id, "status": st.json()}
    )
    return st.json()


__all__ = ["bp", "follow_through"]
