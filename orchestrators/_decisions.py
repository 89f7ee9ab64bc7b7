"""Which raised `Approval` events count: signed by c2arm's decision routes, for this wait.

Anyone holding the host's system key can raise an event through the Durable HTTP API
(`…/raiseEvent/Approval`); the orchestrator used to trust its payload, so such an event committed
with no approver check and no audit entry. Now a person's decision counts only when the decision
route signed it (HMAC under the review-token secret over unit, wait, decision, principal, time:
`migration.policy.sign_decision`). The signature is checked by the `verify_decision` activity so
the secret never enters the orchestration's input or history; an unsigned or forged event is
ignored and recorded in the audit. An accepted decision is audited here, when it takes effect —
the audit holds what happened, not what was asked for. Generic over the wait (`prepare`,
`commit`, `window`, and any later one such as a follow-through approval).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import azure.durable_functions as df

from migration import names
from migration.workflow import AuditInput, Decision, UnitInput, VerifyInput, VerifyResult
from orchestrators import _steps as steps
from orchestrators._status import UnitStatus

# the audit's word for each decision
ACTIONS = {"commit": "approve", "prepare": "approve-prepare", "abort": "abort"}


def accepted(
    ctx: df.DurableOrchestrationContext,
    st: UnitStatus,
    inp: UnitInput,
    raw: Any,
    wait: str,
    allowed: frozenset[str],
) -> steps.Step:
    """The Decision in `raw` (an `Approval` event's data) when it decides `wait`, else None.

    It decides when its decision is `allowed` here, it is signed for this unit, and it was taken
    for this wait — an abort for any wait: an abort raised before the unit waits is kept and acted
    on at its next wait. Another wait's decision (a race with a phase change) decides nothing.
    """
    data = raw if isinstance(raw, dict) else {}
    event = Decision.from_json(data)
    if event.decision not in allowed:
        return None  # malformed, or meant for another kind of wait: decides nothing (as always)
    verdict = VerifyResult.from_json(
        (
            yield from steps.call(
                ctx, inp.settings, names.VERIFY_DECISION, VerifyInput(id=ctx.instance_id, event=data)
            )
        )
    )
    if not verdict.valid:
        count = (st.state.ignored_decisions or 0) + 1
        st.state.ignored_decisions = count
        st.changed()
        claimed = str(event.approver or "nobody")[:100]
        comment = (
            f"an unsigned {event.decision} decision (claiming {claimed!r}) was ignored: {verdict.reason}"
        )
        entry = AuditInput(
            id=ctx.instance_id,
            principal="system",
            action="ignored",
            comment=comment,
            entryId=f"ignored-{count}",
        )
        yield from steps.call(ctx, inp.settings, names.AUDIT, entry)
        return None
    if event.wait != wait and event.decision != "abort":
        return None
    entry = AuditInput(
        id=ctx.instance_id,
        principal=event.approver or "unknown",
        action=ACTIONS[str(event.decision)],
        comment=event.comment or "",
        entryId=f"decision-{event.wait}",
    )
    yield from steps.call(ctx, inp.settings, names.AUDIT, entry)
    return event


def abort_or_window_open(
    ctx: df.DurableOrchestrationContext, st: UnitStatus, inp: UnitInput, opens: datetime
) -> steps.Step:
    """Wait until `opens` in chained durable timers (the status shows it: `windowOpensAt`); a
    signed abort decision cuts it short.

    Returns the abort Decision when one arrived, else None. One `Approval` waiter per wait: it is
    renewed only after an event that decided nothing.
    """
    st.state.window_opens_at = opens.strftime("%Y-%m-%dT%H:%M:%SZ")
    st.changed()
    decision = ctx.wait_for_external_event(names.APPROVAL_EVENT)
    while ctx.current_utc_datetime < opens:
        timer = ctx.create_timer(min(opens, ctx.current_utc_datetime + steps.MAX_TIMER))
        winner = yield ctx.task_any([decision, timer])
        if winner == decision:
            steps.cancel_timer(timer)
            event = yield from accepted(ctx, st, inp, decision.result, "window", frozenset({"abort"}))
            if event is not None:
                return event
            decision = ctx.wait_for_external_event(names.APPROVAL_EVENT)
    return None
