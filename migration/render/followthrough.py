"""The follow-through's pages (pure): its report, and the per-VM plan the review page shows.

Report input (`activities.followthrough.ft_report`): `{"id", "unitId", "phase", "unit", "vms":
[{"vm", "outcome", "wasRunning", "downtimeSeconds", "idMap": [{"classic", "arm"}],
"vhdsStillBilling": [uri], "remainingByHand": [text], "finding"?: {"code", "message",
"remedy"}}]}`. Plan rows: `migration.followthrough.plan_line`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from migration.render._html import esc, page, table, unit_label
from migration.render.gantt import human_duration


def follow_through_plan_section(plan: Sequence[Mapping[str, Any]]) -> str:
    """Per VM what the follow-through will do: deallocation, expected downtime, the disks."""
    rows = []
    for line in plan:
        disks = "<br>".join(
            f"{esc(d.get('name'))} ({esc(d.get('sizeGB'))} GB) {esc(d.get('vhd'))}"
            for d in line.get("disks") or []
        )
        downtime = "yes: deallocated until converted and started" if line.get("downtime") else "none"
        rows.append(
            [
                esc(line.get("vm")),
                esc(line.get("power")),
                esc(line.get("availabilitySet") or "—"),
                downtime,
                "<br>".join(esc(s) for s in line.get("steps") or []),
                disks,
            ]
        )
    return "<h2>Follow-through: managed disks</h2>" + table(
        ["VM", "power now", "availability set", "downtime", "steps", "VHDs converted"], rows, raw=True
    )


def follow_through_html(report: Mapping[str, Any]) -> str:
    """The follow-through's report as one self-contained page."""
    rows, billing, by_hand, ids = [], [], [], []
    for vm in report.get("vms") or []:
        finding = vm.get("finding") or {}
        rows.append(
            [
                vm.get("vm"),
                vm.get("outcome"),
                "yes" if vm.get("wasRunning") else "no",
                human_duration(float(vm.get("downtimeSeconds") or 0)),
                f"{finding.get('code', '')} {finding.get('message', '')}".strip(),
            ]
        )
        billing += [[vm.get("vm"), uri] for uri in vm.get("vhdsStillBilling") or []]
        by_hand += [[vm.get("vm"), text] for text in vm.get("remainingByHand") or []]
        ids += [[vm.get("vm"), m.get("classic"), m.get("arm")] for m in vm.get("idMap") or []]
    title = f"Follow-through of {unit_label(report.get('unit'))}"
    body = (
        f"<h1>{esc(title)}</h1><p>{esc(report.get('id'))} · phase {esc(report.get('phase'))} · "
        f"unit {esc(report.get('unitId'))}</p>"
        "<h2>Per VM</h2>"
        + table(["VM", "outcome", "was running", "downtime", "finding"], rows)
        + "<h2>Managed disks (id map)</h2>"
        + table(["VM", "VHD", "managed disk"], ids)
        + "<h2>Original VHDs that still bill</h2>"
        + table(["VM", "blob"], billing)
        + "<h2>Remaining by hand</h2>"
        + table(["VM", "what"], by_hand)
    )
    return page(title, body)
