"""`migrate_unit`: one migration unit's whole life, from request to a final phase (docs/contract.md).

Snapshotting → Prechecking → Validating → [WaitingForWindow] → Preparing → Checking →
AwaitingApproval → [WaitingForWindow] → Committing | Aborting → Committed / Aborted /
NotMigratable / Failed / NeedsSupport, then the report. The input is built by
`migration.requests.unit_input` (request + frozen settings + links), so replay never reads
the environment. The custom status always carries the phase, findings, links and timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import azure.durable_functions as df

from migration import names
from migration.followthrough import wants_follow_through
from migration.names import APPROVAL_EVENT
from migration.requests import parse_duration
from migration.workflow import (
    AuditInput,
    CheckResult,
    Decision,
    Event,
    IndexInput,
    OperationKind,
    ReportInput,
    SnapshotStep,
    UnitInput,
    UnitStep,
)
from orchestrators import _steps as steps
from orchestrators._after_commit import follow_through_of
from orchestrators._decisions import abort_or_window_open, accepted
from orchestrators._judge import judge
from orchestrators._status import UnitStatus, first_line, iso

bp = df.Blueprint()


@dataclass(frozen=True)
class _Run:
    """What the steps of one migration work with: the orchestration's context, the status it
    publishes, its input, the input common to its activities (`base`), and the platform
    operations' attempts so far (the status's `operations`)."""

    ctx: df.DurableOrchestrationContext
    st: UnitStatus
    inp: UnitInput
    base: UnitStep
    attempts: list[dict[str, Any]]

    def operation(self, phase: str, kind: OperationKind, max_attempts: int) -> steps.Step:
        """Enter `phase` and run the platform operation `kind` to its end (its phase-index row
        written alongside its start); the OperationOutcome."""
        ctx, st, inp = self.ctx, self.st, self.inp
        first = partial(_call, ctx, st, inp, index=_enter(ctx, st, phase))
        return (
            yield from steps.run_operation(
                ctx, inp.settings, self.base, kind, max_attempts, self.attempts, first
            )
        )


def _enter(ctx: df.DurableOrchestrationContext, st: UnitStatus, phase: str) -> IndexInput:
    """Move to `phase`; its phase-index row (what `GET /api/migrations?phase=` reads), which the
    caller writes alongside the phase's first activity (`_call`), so the write costs the unit no
    round trip of its own (the route confirms each row against the unit's status, so a row
    written a moment after the status changed lists nothing wrong).
    """
    entry = _index_row(ctx, st, phase, seq=len(st.state.timeline) + 1, at=iso(ctx))
    st.enter(phase)
    return entry


def _index_row(
    ctx: df.DurableOrchestrationContext, st: UnitStatus, phase: str, *, seq: int, at: str
) -> IndexInput:
    """The phase index's row for `phase` as the unit's `seq`-th phase (its timeline's length)."""
    unit = st.state.unit
    key = "/".join(str(unit[k]) for k in ("kind", "name", "deployment") if unit.get(k))
    return IndexInput(id=ctx.instance_id, unit=key, phase=phase, at=at, seq=seq)


def _index_failed(st: UnitStatus, message: str) -> None:
    """The index is bookkeeping: a write that fails every retry is recorded in the status, and the
    unit carries on (the next phase change writes the row again)."""
    st.state.index_error = message.split("\n")[0][:300]
    st.changed()


def _call(
    ctx: df.DurableOrchestrationContext,
    st: UnitStatus,
    inp: UnitInput,
    name: str,
    payload: Any,
    index: IndexInput | None = None,
) -> steps.Step:
    """`steps.call`, with the phase index's row `index` written at the same time (a failed write
    recorded, not fatal)."""
    side = (names.INDEX, index) if index is not None else None
    result, index_error = yield from steps.call_alongside(ctx, inp.settings, name, payload, side)
    if index_error is not None:
        _index_failed(st, index_error)
    return result


def _wait_for_window(ctx: df.DurableOrchestrationContext, st: UnitStatus, inp: UnitInput) -> steps.Step:
    """Wait for the next open window; an `Approval` abort decision cuts the wait short.

    Returns the abort decision when one arrived, else None.
    """
    opens = steps.window_opens_at(inp.settings, ctx.current_utc_datetime)
    if opens <= ctx.current_utc_datetime:
        return None
    # a wait, with no activity to write the row alongside: the row alone, first, so the status
    # shows the phase together with the window's opening (set as the wait begins)
    entry = _index_row(ctx, st, "WaitingForWindow", seq=len(st.state.timeline) + 1, at=iso(ctx))
    try:
        yield from steps.call(ctx, inp.settings, names.INDEX, entry)
    except steps.ActivityFailed as exc:
        _index_failed(st, str(exc))
    st.enter("WaitingForWindow")
    return (yield from abort_or_window_open(ctx, st, inp, opens))


def _notify(
    ctx: df.DurableOrchestrationContext,
    st: UnitStatus,
    inp: UnitInput,
    kind: str,
    data: dict[str, Any],
    index: IndexInput | None = None,
) -> steps.Step:
    """Publish one event on `migration-events` (through the notify activity), with the phase
    index's row `index` written alongside."""
    event = Event(type=kind, id=ctx.instance_id, data=data, eventId=ctx.new_uuid())  # replay-safe id
    yield from _call(ctx, st, inp, names.NOTIFY, event, index)


# What each wait for a person accepts (an `Approval` event with another decision decides nothing
# there): the gate before prepare (`approval.beforePrepare`) and the approval before commit.
WAITS: dict[str, frozenset[str]] = {
    "prepare": frozenset({"prepare", "abort"}),
    "commit": frozenset({"commit", "abort"}),
}


def _await_decision(
    ctx: df.DurableOrchestrationContext,
    st: UnitStatus,
    inp: UnitInput,
    wait: str = "commit",
    index: IndexInput | None = None,
) -> steps.Step:
    """Wait for `Approval` {decision, approver, comment} at `wait` or the timeout; returns the Decision.
    `index`: the wait's phase-index row (if any), written alongside `ApprovalRequested`.

    The same rules for both waits (the request's `approval.timeout` and `onTimeout`): a timeout
    aborts (audited as `system`) or reminds and waits again.
    """
    config, approval = inp.settings, inp.approval
    span = parse_duration(approval.get("timeout") or config.approval_timeout_default)
    deadline = ctx.current_utc_datetime + span
    st.state.approval_deadline = deadline.strftime("%Y-%m-%dT%H:%M:%SZ")
    st.changed()
    # the commit wait's event stays as it always was (running instances replay it)
    data: dict[str, Any] = (
        {"links": st.state.links} if wait == "commit" else {"links": st.state.links, "wait": wait}
    )
    yield from _notify(ctx, st, inp, "ApprovalRequested", data, index)
    # one waiter per wait, reused across the chained timers: a waiter left behind by each 6-day step
    # stays open in the SDK and is the one a later event may complete instead (an event lost)
    decision = ctx.wait_for_external_event(APPROVAL_EVENT)
    while True:
        timer = ctx.create_timer(min(deadline, ctx.current_utc_datetime + steps.MAX_TIMER))
        winner = yield ctx.task_any([decision, timer])
        if winner == decision:
            steps.cancel_timer(timer)
            event = yield from accepted(ctx, st, inp, decision.result, wait, WAITS[wait])
            if event is not None:
                return event
            decision = ctx.wait_for_external_event(APPROVAL_EVENT)  # that one is spent: the next
            continue  # a malformed event, or one meant for another wait, decides nothing
        if ctx.current_utc_datetime < deadline:
            continue  # a chained step of a long wait
        if approval.get("onTimeout", "abort") == "remind":
            yield from _notify(ctx, st, inp, "ApprovalReminder", data)
            deadline = ctx.current_utc_datetime + span
            st.state.approval_deadline = deadline.strftime("%Y-%m-%dT%H:%M:%SZ")
            st.state.reminders = (st.state.reminders or 0) + 1
            st.changed()
            continue
        entry_id = "approval-timeout" if wait == "commit" else f"{wait}-approval-timeout"
        entry = AuditInput(
            id=ctx.instance_id,
            principal="system",
            action="abort",
            comment="approval timed out",
            entryId=entry_id,
        )
        yield from steps.call(ctx, config, names.AUDIT, entry)
        return Decision(decision="abort", approver="system", comment="approval timed out")


def _abort(run: _Run) -> steps.Step:
    """Abort the prepared unit; returns the final phase (Aborted, or NeedsSupport if abort fails)."""
    result = yield from run.operation("Aborting", "abort", run.inp.settings.operation_max_attempts)
    if result.ok:
        return "Aborted"
    run.st.failed("Aborting", result.error)
    return "NeedsSupport"


def _judged(st: UnitStatus, base: UnitStep) -> SnapshotStep:
    """The input of a step that judges the snapshot: the blob the status names."""
    snapshot = st.state.snapshot.blob if st.state.snapshot else None
    if snapshot is None:  # `_checks` records the blob before any step that judges it
        raise ValueError("no snapshot blob in the status to judge")
    return SnapshotStep(id=base.id, request=base.request, snapshot=snapshot)


def _checks(run: _Run) -> steps.Step:
    """Snapshot, prechecks, the platform's validate; the final phase when they end the unit, else None."""
    ctx, st, inp = run.ctx, run.st, run.inp

    def call(phase: str, name: str, payload: Any) -> steps.Step:  # its index row written alongside
        return (yield from _call(ctx, st, inp, name, payload, _enter(ctx, st, phase)))

    final = yield from judge(st, run.base, call)
    return final or ("NotMigratable" if st.errors() else None)


def _prepare(run: _Run) -> steps.Step:
    """The gate, the window, prepare and check; the final phase when they end the unit, else None."""
    ctx, st, inp = run.ctx, run.st, run.inp
    if inp.approval.get("beforePrepare"):  # a person decides before anything changes
        entry = _enter(ctx, st, "AwaitingPrepareApproval")
        gate = yield from _await_decision(ctx, st, inp, "prepare", entry)
        st.state.prepare_decision = gate.shown()
        st.changed()
        if gate.decision != "prepare":
            st.decided(gate)
            return "Aborted"  # nothing was prepared

    if inp.request.get("window") == "off-hours":
        aborted = yield from _wait_for_window(ctx, st, inp)
        if aborted:
            st.decided(aborted)
            return "Aborted"  # nothing was prepared yet

    prepared = yield from run.operation("Preparing", "prepare", inp.settings.operation_max_attempts)
    if not prepared.ok:
        st.failed("Preparing", prepared.error)
        final = yield from _abort(run)  # undo whatever was prepared
        return "Failed" if final == "Aborted" else final

    entry = _enter(ctx, st, "Checking")
    checked = CheckResult.from_json(
        (yield from _call(ctx, st, inp, names.CHECK, _judged(st, run.base), entry))
    )
    if checked.error:  # cannot show an approver what was prepared: undo it
        st.failed("Checking", checked.error)
        final = yield from _abort(run)
        return "Failed" if final == "Aborted" else final
    st.add_findings(checked.findings, "check")
    st.state.resource_map, st.state.arm_resources = checked.resource_map, checked.arm_resources
    st.changed()
    return None


def _lifecycle(run: _Run) -> steps.Step:
    """Run the phases; returns the final phase. Activity failures that exhaust retries raise."""
    ctx, st, inp = run.ctx, run.st, run.inp
    request = inp.request
    st.state.operations = run.attempts
    st.changed()

    final = yield from _checks(run)
    if final:
        return final
    final = yield from _prepare(run)
    if final:
        return final

    if request.get("dryRun"):
        decision = Decision(decision="abort", approver="system", comment="dry run")
    else:
        entry = _enter(ctx, st, "AwaitingApproval")
        decision = yield from _await_decision(ctx, st, inp, "commit", entry)
    st.decided(decision)
    if decision.decision == "commit" and request.get("window") == "off-hours":
        aborted = yield from _wait_for_window(ctx, st, inp)
        if aborted:
            st.decided(aborted)
            decision = aborted
    if decision.decision != "commit":
        final = yield from _abort(run)
        return final

    committed = yield from run.operation("Committing", "commit", inp.settings.commit_max_attempts)
    if committed.ok:
        return "Committed"
    st.failed("Committing", committed.error, [a for a in run.attempts if a.get("operation") == "commit"])
    return "NeedsSupport"


def _failed(run: _Run, exc: steps.ActivityFailed) -> steps.Step:
    """An activity failed every retry: record it; undo whatever may be prepared; the final phase.
    (The attempts of this abort are its own, not shown in `operations`.)"""
    st = run.st
    st.activity_failed(exc)
    if st.phase not in {"Preparing", "Checking", "AwaitingApproval", "WaitingForWindow"}:
        return "NeedsSupport" if st.phase == "Committing" else "Failed"
    try:  # something may be prepared: try to leave the platform as it was
        final_abort = yield from _abort(replace(run, attempts=[]))
    except steps.ActivityFailed as abort_exc:
        st.state.abort_error = first_line(abort_exc, 500)
        st.changed()
        return "NeedsSupport"
    return "Failed" if final_abort == "Aborted" else final_abort


def _finish(ctx: df.DurableOrchestrationContext, st: UnitStatus, inp: UnitInput, final: str) -> steps.Step:
    """The final phase, published only once its report is written (so a client that sees a final
    phase can fetch the report at once); then the phase index and `MigrationFinished`.

    The unit is final whatever happens to its paperwork: a lost report is recorded, not fatal.
    """
    status = st.preview(final)
    try:
        report = ReportInput(id=ctx.instance_id, status=status, findings=st.findings)
        written = yield from steps.call(ctx, inp.settings, names.REPORT, report)
        st.enter(final, at=status["updatedAt"])
        st.state.report = written
        st.changed()
    except steps.ActivityFailed as exc:
        st.enter(final, at=status["updatedAt"])
        st.state.report_error = first_line(exc, 500)
        st.changed()
    entry = _index_row(ctx, st, final, seq=len(st.state.timeline), at=st.state.updated_at)
    try:
        data = {"phase": final, "unit": st.state.unit, "dryRun": st.state.dry_run}
        yield from _notify(ctx, st, inp, "MigrationFinished", data, entry)
    except steps.ActivityFailed as exc:
        st.state.notify_error = first_line(exc, 500)
        st.changed()


@bp.orchestration_trigger(context_name="context")
def migrate_unit(context: df.DurableOrchestrationContext) -> steps.Step:
    """One unit's migration; the output is the final status (the same shape as the custom status)."""
    inp = UnitInput.from_json(context.get_input())
    st = UnitStatus(context, inp)
    st.publish()
    run = _Run(context, st, inp, UnitStep(id=context.instance_id, request=inp.request), [])
    try:
        final = yield from _lifecycle(run)
    except steps.ActivityFailed as exc:  # every retry failed: record it, the unit is Failed
        final = yield from _failed(run, exc)
    # anything else is a bug in this code: it fails the orchestration (the host records where),
    # rather than ending the unit as if the platform had failed and aborting what it prepared
    yield from _finish(context, st, inp, final)
    if final == "Committed" and wants_follow_through(inp.request):
        yield from follow_through_of(context, st, inp)
    return st.json()


__all__ = ["APPROVAL_EVENT", "bp", "migrate_unit"]
