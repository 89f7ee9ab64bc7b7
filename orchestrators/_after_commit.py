"""After a unit is Committed: its follow-through to managed disks (issue #18), started and linked.

`migrate_unit` calls `follow_through_of` once the unit is Committed and its report written, when
the request asks for it. The follow-through is its own orchestration (`orchestrators/
follow_through.py`, id `<unit id>~follow`); the unit's phase stays Committed, its status links
the follow-through, its findings and its id map (the managed disks) gain the follow-through's.
"""

from __future__ import annotations

import azure.durable_functions as df

from migration import names
from migration.followthrough import follow_through_id, managed_disk_map
from migration.workflow import ReportInput, UnitInput
from orchestrators import _steps as steps
from orchestrators._status import UnitStatus, first_line, write_report


def follow_through_of(context: df.DurableOrchestrationContext, st: UnitStatus, inp: UnitInput) -> steps.Step:
    """Start the unit's follow-through (its own orchestration) and record its outcome here.

    The unit stays Committed whatever happens; the follow-through's findings join the unit's."""
    ft_id = follow_through_id(context.instance_id)
    root = str(inp.links.get("status", "")).rsplit("/", 1)[0]
    links = {
        k: f"{root}/{ft_id}{suffix}"
        for k, suffix in (
            ("status", ""),
            ("approve", "/approve"),
            ("abort", "/abort"),
            ("review", "/review"),
            ("report", "/report"),
        )
    }
    st.state.links["followThrough"] = links["status"]
    st.state.follow_through = {"id": ft_id, "phase": "Started", "links": links}
    st.changed()
    unit = inp.request["unit"]
    child = {
        "request": inp.request,
        "config": inp.config,
        "links": links,
        "unitId": context.instance_id,
        "requestedBy": inp.requested_by,
        "group": f"{unit['name']}-Migrated",
    }
    try:
        result = yield from steps.sub_orchestration(context, names.FOLLOW_THROUGH, child, ft_id)
    except steps.ActivityFailed as exc:  # the follow-through failed; a bug here fails this orchestration
        st.state.follow_through = {
            "id": ft_id,
            "phase": "Failed",
            "links": links,
            "error": first_line(exc, 500),
        }
        st.changed()
        return
    result = result if isinstance(result, dict) else {}
    vms = [
        {k: v.get(k) for k in ("vm", "outcome", "wasRunning", "downtimeSeconds")}
        for v in result.get("vms", [])
    ]
    st.state.follow_through = {
        "id": ft_id,
        "phase": result.get("phase"),
        "links": links,
        "vms": vms,
        "report": result.get("report"),
    }
    st.changed()
    st.add_findings(
        [f for f in result.get("findings", []) if f.get("source") == "followThrough"], "followThrough"
    )
    disks = managed_disk_map(result.get("vms", []))
    if disks:  # the id map gains the managed disks: the unit's report is written again with them
        st.state.resource_map = {**(st.state.resource_map or {}), **disks}
        st.changed()
        again = ReportInput(id=context.instance_id, status=st.json(), findings=st.findings)
        yield from write_report(context, st, inp.settings, names.REPORT, again)
