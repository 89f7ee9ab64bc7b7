"""Reports as a self-contained HTML page and the classic-name → ARM-id map as CSV (pure).

Input is the JSON report of one unit (`migration.unit_report.Report.to_json()`, the body of
`GET /api/migrations/{id}/report`):

    {"id", "unit": {"kind", "name", "deployment"?}, "phase", "dryRun", "requestedBy",
     "approver", "snapshotDigest", "timeline": [{"phase", "at"}], "findings": [{"severity",
     "code", "message", "resource"?, "path"?, "expected"?, "actual"?}], "resourceMap":
     {classic name: ARM resource id}, "rbacToRecreate": [{"principal", "role", "scope", …}],
     "dropped": [text], "error"?: {"message", …}}

or a plan report (built by `c2arm report` / `c2arm demo` from `GET /api/plans/{id}` and the
reports of its units):

    {"id", "phase", "kind": "plan", "waves": [{"index", "units": [{"id", "unit", "phase",
     "blockedBy"?, "timeline"?, "report"?: <unit report>}]}],
     "notMigratable"?: [{"unit", "reasons": [text or {"code", "message"}]}]}

Unknown keys are ignored and missing ones shown as absent, so a report written by an older or
newer app still renders.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from migration.render._html import esc, findings_section, page, table, unit_label
from migration.render.gantt import human_duration, plan_gantt_svg, segments, unit_gantt_svg
from migration.text import escape_controls

CSV_HEADER = ("unit", "classic", "armResourceId")
# A cell starting with one of these is a formula to a spreadsheet (OWASP's CSV injection list:
# = + - @ tab CR); Azure names never start so, and a cell that does is prefixed with '.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_plan(report: Mapping[str, Any]) -> bool:
    """A plan report has waves; a unit report has a unit."""
    return isinstance(report.get("waves"), list)


def unit_reports(report: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The unit reports in a report: itself, or each unit's `report` in a plan (wave order)."""
    if not is_plan(report):
        yield report
        return
    for wave in report["waves"]:
        for unit in wave.get("units") or []:
            if isinstance(unit.get("report"), Mapping):
                yield unit["report"]


def _safe_cell(value: Any) -> str:
    """A cell no spreadsheet runs as a formula (a leading ') and no reader splits (controls escaped)."""
    text = "" if value is None else str(value)
    return escape_controls("'" + text if text.startswith(_FORMULA_START) else text)


def id_map_csv(report: Mapping[str, Any]) -> str:
    """`unit,classic,armResourceId` rows (sorted per unit) for automation that must switch ids."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for unit_report in unit_reports(report):
        label = unit_label(unit_report.get("unit"))
        for classic, arm_id in sorted((unit_report.get("resourceMap") or {}).items()):
            writer.writerow([_safe_cell(label), _safe_cell(classic), _safe_cell(arm_id)])
    return out.getvalue()


def _duration(timeline: Sequence[Mapping[str, Any]]) -> str:
    segs = segments(timeline)
    if len(segs) < 2:
        return ""
    return human_duration((segs[-1][1] - segs[0][1]).total_seconds())


def _common_sections(reports: list[Mapping[str, Any]], plan: bool) -> str:
    """Findings, id map, RBAC and dropped items; in a plan each row says its unit."""

    def tag(r: Mapping[str, Any]) -> list[str]:
        return [unit_label(r.get("unit"))] if plan else []

    unit_col = ["unit"] if plan else []
    findings = [
        dict(f, resource=f.get("resource") or unit_label(r.get("unit")))
        for r in reports
        for f in r.get("findings") or []
    ]
    id_rows = [
        [*tag(r), classic, f"<code>{esc(arm)}</code>"]
        for r in reports
        for classic, arm in sorted((r.get("resourceMap") or {}).items())
    ]
    id_rows = [[*(esc(c) for c in row[:-1]), row[-1]] for row in id_rows]
    rbac_rows = [
        [*tag(r), a.get("principal", ""), a.get("role", ""), a.get("scope", ""), a.get("newScope", "")]
        for r in reports
        for a in r.get("rbacToRecreate") or []
    ]
    dropped_rows = [[*tag(r), d] for r in reports for d in r.get("dropped") or []]
    return (
        "<h2 id='findings'>Findings</h2>"
        + findings_section(findings)
        + "<h2 id='resource-map'>Classic name → ARM resource id</h2>"
        + "<p class='muted'>Automation that refers to these resources must switch to the ARM ids "
        + "(the same map is available as CSV: <code>c2arm report ID --csv</code>).</p>"
        + table([*unit_col, "classic", "ARM resource id"], id_rows, raw=True, cls="resource-map")
        + "<h2 id='rbac'>RBAC assignments to re-create</h2>"
        + "<p class='muted'>Role assignments on classic resources do not follow them to ARM.</p>"
        + table([*unit_col, "principal", "role", "classic scope", "ARM scope"], rbac_rows, cls="rbac")
        + "<h2 id='dropped'>Dropped by the migration</h2>"
        + table([*unit_col, "what"], dropped_rows, cls="dropped")
    )


def _unit_body(report: Mapping[str, Any]) -> str:
    timeline = report.get("timeline") or []
    dry = " <span class='badge extra'>dry run</span>" if report.get("dryRun") else ""
    error = report.get("error")
    error_html = ""
    if error:
        message = error.get("message", error) if isinstance(error, Mapping) else error
        error_html = f"<h2>Error</h2><p class='error'>{esc(message)}</p>"
    facts = [
        ["unit", unit_label(report.get("unit"))],
        ["final phase", report.get("phase", "")],
        ["duration", _duration(timeline)],
        ["requested by", report.get("requestedBy") or "unknown"],
        ["approver", report.get("approver") or "none"],
        ["snapshot SHA-256", report.get("snapshotDigest") or "none"],
    ]
    return (
        f"<h1>Migration <code>{esc(report.get('id'))}</code>: "
        f"<span class='phase'>{esc(report.get('phase'))}</span>{dry}</h1>"
        + table(["", ""], facts, cls="facts")
        + error_html
        + "<h2 id='timeline'>Timeline</h2>"
        + unit_gantt_svg(timeline)
        + table(["phase", "at"], [[t.get("phase"), t.get("at")] for t in timeline], cls="timeline")
        + _common_sections([report], plan=False)
    )


def _reason(reason: Any) -> str:
    if isinstance(reason, Mapping):
        code, message = reason.get("code") or reason.get("rule"), reason.get("message")
        return f"{code}: {message}" if code and message else str(message or code or "")
    return str(reason)


def _plan_body(report: Mapping[str, Any]) -> str:
    waves = report.get("waves") or []
    rows = []
    for wave in waves:
        for unit in wave.get("units") or []:
            timeline = unit.get("timeline") or (unit.get("report") or {}).get("timeline") or []
            phase = str(unit.get("phase") or "")
            if unit.get("blockedBy"):
                phase += " by " + ", ".join(str(b) for b in unit["blockedBy"])
            rows.append(
                [wave.get("index"), unit_label(unit.get("unit")), unit.get("id"), phase, _duration(timeline)]
            )
    with_timelines = [
        {
            "index": w.get("index", 0),
            "units": [
                dict(u, timeline=u.get("timeline") or (u.get("report") or {}).get("timeline") or [])
                for u in w.get("units") or []
            ],
        }
        for w in waves
    ]
    left_out = [
        [unit_label(item.get("unit")), "; ".join(_reason(r) for r in item.get("reasons") or [])]
        for item in report.get("notMigratable") or []
        if isinstance(item, Mapping)
    ]
    left_out_html = (
        "<h2 id='not-migratable'>Not migratable (left out of the waves)</h2>"
        + table(["unit", "reasons"], left_out, cls="not-migratable")
        if left_out
        else ""
    )
    return (
        f"<h1>Plan <code>{esc(report.get('id'))}</code>: "
        f"<span class='phase'>{esc(report.get('phase'))}</span></h1>"
        + f"<p>{len(waves)} wave(s), {len(rows)} unit(s) planned, {len(left_out)} left out.</p>"
        + "<h2 id='timeline'>Waves</h2>"
        + plan_gantt_svg(with_timelines)
        + table(["wave", "unit", "id", "final phase", "duration"], rows, cls="units")
        + left_out_html
        + _common_sections(list(unit_reports(report)), plan=True)
    )


def report_html(report: Mapping[str, Any]) -> str:
    """The report (a unit's or a plan's) as one self-contained HTML page; every value escaped."""
    kind = "plan" if is_plan(report) else "migration"
    body = _plan_body(report) if is_plan(report) else _unit_body(report)
    return page(f"c2arm {kind} report {report.get('id', '')}", body)
