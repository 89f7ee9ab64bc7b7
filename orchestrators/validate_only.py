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

from orchestrators import _steps as steps
from orchestrators._status import UnitStatus

bp = df.Blueprint()

ACCESS_REASONS = frozenset({"auth", "configuration", "protocol"})


def verdict_of(findings: list[dict[str, Any]]) -> str:
    """`notMigratable` (an error), `blocked` (waits for other units), else `migratable`."""
    severities = {f.get("severity") for f in findings}
    if "error" in severities:
        return "notMigratable"
    return "blocked" if "blocked" in severities else "migratable"


def _checks(ctx: df.DurableOrchestrationContext, st: UnitStatus, inp: dict[str, Any]) -> steps.Step:
    """Snapshot, prechecks, the platform's validate; returns False when a step failed (not the unit)."""
    config, base = inp["config"], {"id": ctx.instance_id, "request": inp["request"]}
    st.enter("Snapshotting")
    snap = yield from steps.call(ctx, config, steps.SNAPSHOT, base)
    if snap.get("error"):
        if snap["error"].get("reason") != "notFound":
            st.set(error={"phase": "Snapshotting", **snap["error"]})
            return False
        finding = {"severity": "error", "code": snap["error"].get("code") or "Snapshot",
                   "message": snap["error"].get("message", "")}  # fmt: skip
        st.add_findings([finding], "snapshot")
        return True
    st.set(snapshot={"digest": snap.get("digest"), "blob": snap.get("blob")})
    st.enter("Prechecking")
    pre = yield from steps.call(ctx, config, steps.PRECHECK, base)
    if pre.get("error"):
        st.set(error={"phase": "Prechecking", **pre["error"]})
        return False
    st.add_findings(pre.get("findings", []), "precheck")
    st.enter("Validating")
    val = yield from steps.call(ctx, config, steps.VALIDATE, base)
    if val.get("error"):
        if val["error"].get("reason") in ACCESS_REASONS:
            st.set(error={"phase": "Validating", **val["error"]})
            return False
        st.add_findings([{"severity": "error", "code": val["error"].get("code") or "Validate",
                          "message": val["error"].get("message", "")}], "platform")  # fmt: skip
    st.add_findings(val.get("findings", []), "platform")
    return True


@bp.orchestration_trigger(context_name="context")
def validate_migration(context: df.DurableOrchestrationContext):  # type: ignore[no-untyped-def]
    """One unit's live validation; the output is its status with the `verdict`."""
    inp: dict[str, Any] = context.get_input()
    st = UnitStatus(context, inp)
    st.data.pop("dryRun", None)
    st.data["kind"] = "validation"
    st.publish()
    try:
        ok = yield from _checks(context, st, inp)
    except Exception as exc:  # an activity failed every retry
        st.set(error={"phase": st.phase, "code": "ActivityFailed", "message": str(exc).split("\n")[0][:1000]})
        ok = False
    if ok:
        st.set(verdict=verdict_of(st.findings))
    st.enter("Completed" if ok else "Failed")
    return st.data


__all__ = ["bp", "validate_migration", "verdict_of"]
