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

from migration.workflow import UnitInput, UnitStep
from orchestrators import _steps as steps
from orchestrators._judge import PhaseCall, judge
from orchestrators._status import UnitStatus

bp = df.Blueprint()


def verdict_of(findings: list[dict[str, Any]]) -> str:
    """`notMigratable` (an error), `blocked` (waits for other units), else `migratable`."""
    severities = {f.get("severity") for f in findings}
    if "error" in severities:
        return "notMigratable"
    return "blocked" if "blocked" in severities else "migratable"


def _entering(ctx: df.DurableOrchestrationContext, st: UnitStatus, inp: UnitInput) -> PhaseCall:
    """How a validation takes each step: enter the phase, call the activity (no phase index)."""

    def call(phase: str, name: str, payload: Any) -> steps.Step:
        st.enter(phase)
        return (yield from steps.call(ctx, inp.settings, name, payload))

    return call


@bp.orchestration_trigger(context_name="context")
def validate_migration(context: df.DurableOrchestrationContext) -> steps.Step:
    """One unit's live validation; the output is its status with the `verdict`."""
    inp = UnitInput.from_json(context.get_input())
    st = UnitStatus(context, inp, kind="validation")
    st.publish()
    base = UnitStep(id=context.instance_id, request=inp.request)
    try:
        ok = (yield from judge(st, base, _entering(context, st, inp))) != "Failed"
    except steps.ActivityFailed as exc:  # every retry failed (a bug fails the orchestration)
        st.activity_failed(exc)
        ok = False
    if ok:
        st.state.verdict = verdict_of(st.findings)
        st.changed()
    st.enter("Completed" if ok else "Failed")
    return st.json()


__all__ = ["bp", "validate_migration", "verdict_of"]
