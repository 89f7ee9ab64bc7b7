"""Judging a unit before anything changes: its snapshot, c2arm's prechecks, the platform's validate.

`migrate_unit` and `validate_migration` both start this way, so that a validation and a migration
judge a unit the same way (docs/workflow.md); how each enters a phase and calls its activity is
its own (a migration writes the phase index too), handed in as `call`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from migration import names
from migration.status import SnapshotRef
from migration.workflow import PrecheckResult, SnapshotResult, SnapshotStep, UnitStep, ValidateResult
from orchestrators import _steps as steps
from orchestrators._status import UnitStatus

PhaseCall = Callable[[str, str, Any], steps.Step]
"""`call(phase, activity, input)`: enter `phase`, call `activity` with `input`; its JSON answer."""


def judge(st: UnitStatus, base: UnitStep, call: PhaseCall) -> steps.Step:
    """Snapshotting → Prechecking → Validating, the findings into the status.

    Returns "Failed" when a step failed for a reason that is not the unit's (access, protocol …:
    `error` says which), "NotMigratable" when the unit is not there, else None (judged: whether
    it may go on is in its findings).
    """
    snap = SnapshotResult.from_json((yield from call("Snapshotting", names.SNAPSHOT, base)))
    if snap.error:
        if snap.error.reason != "notFound":  # not the unit's fault: access, protocol …
            st.failed("Snapshotting", snap.error)
            return "Failed"
        st.add_findings([steps.error_finding(snap.error, "Snapshot")], "snapshot")
        return "NotMigratable"
    st.state.snapshot = SnapshotRef(digest=snap.digest, blob=snap.blob)
    st.changed()
    if snap.blob is None:  # snapshot_unit names its blob whenever it answers without an error
        raise ValueError("snapshot_unit answered neither an error nor a blob")

    judged = SnapshotStep(id=base.id, request=base.request, snapshot=snap.blob)
    pre = PrecheckResult.from_json((yield from call("Prechecking", names.PRECHECK, judged)))
    if pre.error:
        st.failed("Prechecking", pre.error)
        return "Failed"
    st.add_findings(pre.findings, "precheck")

    # always run: the platform's reasons are listed with ours
    val = ValidateResult.from_json((yield from call("Validating", names.VALIDATE, base)))
    if val.error:
        if val.error.reason in steps.ACCESS_REASONS:
            st.failed("Validating", val.error)
            return "Failed"
        st.add_findings([steps.error_finding(val.error, "Validate")], "platform")  # e.g. not registered
    st.add_findings(val.findings, "platform")
    return None
