"""`validate_migration`: a live check of one unit that changes nothing on the platform.

What `Move-AzureService -Validate` (and its VNet/storage siblings) do, with c2arm's own rules
next to the platform's: Snapshotting → Prechecking → Validating → Completed, the same three
activities `migrate_unit` starts with (so a validation and a migration judge a unit the same
way) and nothing after them — no prepare, no abort, no report. The verdict is the unit's:
`notMigratable` when any finding is an `error`, `blocked` when it waits for other units,
else `migratable`. The activities go through the per-subscription limiter like any other call.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from migration import names
from migration.status import SnapshotRef
from migration.workflow import (
    PrecheckResult,
    SnapshotResult,
    SnapshotStep,
    UnitInput,
    UnitStep,
    ValidateResult,
)
from orchestrators import _steps as steps
from orchestrators._status import UnitStatus

bp = df.Blueprint()


def verdict_of(findings: list[dict[str, Any]]) -> str:
    """`notMigratable` (an error), `blocked` (waits for other units), else `migratable`."""
    severities = {f.get("severity") for f in findings}
    if "error" in severities:
        return "notMigratable"
    return "blocked" if "blocked" in severities else "migratable"


def _checks(ctx: df.DurableOrchestrationContext, st: UnitStatus, inp: UnitInput) -> steps.Step:
    """Snapshot, prechecks, the platform's validate; returns False when a step failed (not the unit)."""
    config, base = inp.settings, UnitStep(id=ctx.instance_id, request=inp.request)
    st.enter("Snapshotting")
    snap = SnapshotResult.from_json((yield from steps.call(ctx, config, names.SNAPSHOT, base)))
    if snap.error:
        if snap.error.reason != "notFound":
            st.failed("Snapshotting", snap.error)
            return False
        st.add_findings([steps.error_finding(snap.error, "Snapshot")], "snapshot")
        return True
    st.state.snapshot = SnapshotRef(digest=snap.digest, blob=snap.blob)
    st.changed()
    if snap.blob is None:  # snapshot_unit names its blob whenever it answers without an error
        raise ValueError("snapshot_unit answered neither an error nor a blob")
    st.enter("Prechecking")
    judged = SnapshotStep(id=base.id, request=base.request, snapshot=snap.blob)
    pre = PrecheckResult.from_json((yield from steps.call(ctx, config, names.PRECHECK, judged)))
    if pre.error:
        st.failed("Prechecking", pre.error)
        return False
    st.add_findings(pre.findings, "precheck")
    st.enter("Validating")
    val = ValidateResult.from_json((yield from steps.call(ctx, config, names.VALIDATE, base)))
    if val.error:
        if val.error.reason in steps.ACCESS_REASONS:
            st.failed("Validating", val.error)
            return False
        st.add_findings([steps.error_finding(val.error, "Validate")], "platform")
    st.add_findings(val.findings, "platform")
    return True


@bp.orchestration_trigger(context_name="context")
def validate_migration(context: df.DurableOrchestrationContext) -> steps.Step:
    """One unit's live validation; the output is its status with the `verdict`."""
    inp = UnitInput.from_json(context.get_input())
    st = UnitStatus(context, inp, kind="validation")
    st.publish()
    try:
        ok = yield from _checks(context, st, inp)
    except steps.ActivityFailed as exc:  # every retry failed (a bug fails the orchestration)
        st.activity_failed(exc)
        ok = False
    if ok:
        st.state.verdict = verdict_of(st.findings)
        st.changed()
    st.enter("Completed" if ok else "Failed")
    return st.json()


__all__ = ["bp", "validate_migration", "verdict_of"]
