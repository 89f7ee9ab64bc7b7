"""Planning a subscription: read the estate once, ask the core's planner for waves.

Units with an `error` precheck, or waiting for something the plan cannot deliver (a circuit not
in ARM, a unit left out), are not planned; they are listed with every reason. Read-only.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities._runtime import live_estate, phase
from migration.planner import plan
from migration.units import UnitRef
from migration.workflow import PlanUnitsInput, PlanUnitsResult

bp = df.Blueprint()


def _unit(ref: UnitRef) -> dict[str, Any]:
    return {"kind": ref.kind, "name": ref.name}


@bp.activity_trigger(input_name="payload")
@phase
def plan_units(payload: dict[str, Any]) -> PlanUnitsResult:
    """Waves of `{"key", "unit", "dependsOn"}` and the units left out (`{"key", "unit", "reasons"}`)."""
    step = PlanUnitsInput.from_json(payload)
    estate = live_estate(step.subscription_id)
    wanted = step.units
    refs = [UnitRef(u["kind"], u["name"]) for u in wanted] if wanted else None
    result = plan(estate, refs, step.concurrency)
    by_ref = {u.unit: u for u in result.units}
    waves = [
        [
            {"key": str(ref), "unit": _unit(ref), "dependsOn": [str(d) for d in by_ref[ref].depends_on]}
            for ref in wave
        ]
        for wave in result.waves
    ]
    left_out = []
    for planned in result.units:
        if planned.wave is None:
            reasons = [f"{f.rule}: {f.message}" for f in planned.reasons] or [
                f"waits for {', '.join(planned.blocked_by)}"
            ]
            row = {"key": str(planned.unit), "unit": _unit(planned.unit), "verdict": planned.verdict}
            left_out.append({**row, "blockedBy": list(planned.blocked_by), "reasons": reasons})
    return PlanUnitsResult(waves=waves, notMigratable=left_out)
