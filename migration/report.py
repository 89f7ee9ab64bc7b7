"""The final report of one migration unit: a model and its HTML rendering (pure).

The report is what an operator keeps after the unit is final: the timeline, every finding,
the classic-name → ARM-resource-id map that automation must switch to, RBAC assignments that
must be re-created (resource URIs change), and what the platform dropped (alerts, autoscale …).
"""

from __future__ import annotations

from html import escape
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TimelineEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")
    phase: str
    at: str


class Report(BaseModel):
    """The JSON report (`reports/<id>.json`); camelCase like the rest of the API."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    unit: dict[str, Any]
    phase: str
    dry_run: bool = Field(default=False, alias="dryRun")
    requested_by: str | None = Field(default=None, alias="requestedBy")
    approver: str | None = None
    snapshot_digest: str | None = Field(default=None, alias="snapshotDigest")
    timeline: list[TimelineEntry] = Field(default_factory=list)
    findings: list[dict[str, Any]] = Field(default_factory=list)
    resource_map: dict[str, str] = Field(default_factory=dict, alias="resourceMap")
    rbac_to_recreate: list[dict[str, Any]] = Field(default_factory=list, alias="rbacToRecreate")
    dropped: list[str] = Field(default_factory=list)
    error: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json")


def _rows(headers: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: Report) -> str:
    """The report as a self-contained HTML page; every value is escaped."""
    unit = report.unit
    title = f"{unit.get('kind', '')} {unit.get('name', '')}".strip()
    findings = [
        [f.get("severity", ""), f.get("code", ""), f.get("resource", ""), f.get("message", "")]
        for f in report.findings
    ]
    error = ""
    if report.error:
        error = f"<h2>Error</h2><p>{escape(str(report.error.get('message', report.error)))}</p>"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>c2arm report {escape(report.id)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}</style></head><body>"
        f"<h1>Migration {escape(report.id)}: {escape(report.phase)}</h1>"
        f"<p>Unit: {escape(title)}{' (dry run)' if report.dry_run else ''}. "
        f"Requested by {escape(report.requested_by or 'unknown')}; "
        f"approver {escape(report.approver or 'none')}.</p>"
        f"<p>Snapshot SHA-256: <code>{escape(report.snapshot_digest or 'none')}</code></p>"
        f"{error}"
        "<h2>Timeline</h2>" + _rows(["phase", "at"], [[t.phase, t.at] for t in report.timeline]) +
        "<h2>Findings</h2>" + _rows(["severity", "code", "resource", "message"], findings) +
        "<h2>Classic name → ARM resource id</h2>"
        + _rows(["classic", "ARM id"], [[k, v] for k, v in sorted(report.resource_map.items())])
        + "<h2>RBAC assignments to re-create</h2>"
        + _rows(["principal", "role", "scope"],
                [[r.get("principal", ""), r.get("role", ""), r.get("scope", "")]
                 for r in report.rbac_to_recreate])
        + "<h2>Dropped by the migration</h2>" + _rows(["what"], [[d] for d in report.dropped])
        + "</body></html>"
    )  # fmt: skip
