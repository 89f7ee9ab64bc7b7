"""Prechecking: the core's rules over the snapshot (what blocks or hurts this unit's migration).

Reads the snapshot blob (never the platform again), so the findings are exactly those of the
configuration the report's digest names. `blocked` findings (waiting for other units) stop the
unit like `error` ones; their `blockedBy` says what must move first.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities._runtime import phase, storage
from migration.estate import Estate
from migration.prechecks import run_prechecks
from migration.units import UnitRef
from migration.workflow import PrecheckResult, SnapshotStep

bp = df.Blueprint()


def estate_of(snapshot: dict[str, Any]) -> Estate:
    """The core's estate from a snapshot document (the estate file's shape, as JSON).

    Structure only, not the file loader's reference checks: a live subscription legitimately
    names resources that already moved to ARM (a VM's boot-diagnostics account committed
    earlier), which an estate *file* would have to declare.
    """
    return Estate.model_validate(snapshot["estate"])


@bp.activity_trigger(input_name="payload")
@phase
def precheck_unit(payload: dict[str, Any]) -> PrecheckResult:
    """The findings and the verdict for the unit of the request."""
    step = SnapshotStep.from_json(payload)
    snapshot = storage().get_snapshot(step.snapshot)
    unit = step.request["unit"]
    ref = UnitRef(unit["kind"], unit["name"])
    report = run_prechecks(estate_of(snapshot), [ref])
    findings = []
    for finding in report.findings:
        item = {**finding.to_dict(), "code": finding.rule}
        if finding.blocked_by:
            item["blockedBy"] = list(finding.blocked_by)
        findings.append(item)
    verdict = report.verdict(ref)
    return PrecheckResult(
        findings=findings,
        verdict=verdict.verdict if verdict else "migratable",
        blockedBy=list(verdict.blocked_by) if verdict else [],
    )
