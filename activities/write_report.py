"""The final report of a unit, as JSON and HTML blobs (`reports/<id>.json`, `.html`).

Built from the orchestration's final status plus the snapshot (RBAC assignments to re-create,
what the platform drops), rendered by the core's pure renderer. Writing the same report twice
writes the same bytes.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities._runtime import phase, storage
from connectors.errors import PermanentError
from migration.render import report_html
from migration.unit_report import Report
from migration.workflow import ReportInput, ReportResult

bp = df.Blueprint()


def _scopes(unit: dict[str, Any], estate: dict[str, Any]) -> set[str]:
    """RBAC scopes that move with the unit: itself, and for a VNet the cloud services in it."""
    scopes = {f"{unit['kind']}/{unit['name']}"}
    if unit["kind"] == "virtualNetwork":
        for service in estate.get("cloudServices", []):
            if (service.get("deployment") or {}).get("virtualNetwork") == unit["name"]:
                scopes.add(f"cloudService/{service['name']}")
    return scopes


def _dropped(unit: dict[str, Any], estate: dict[str, Any]) -> list[str]:
    """Alerts, autoscale and XML extensions of the unit's cloud services are not migrated."""
    names = {s.split("/", 1)[1] for s in _scopes(unit, estate) if s.startswith("cloudService/")}
    dropped = []
    for service in estate.get("cloudServices", []):
        if service.get("name") not in names:
            continue
        for what in ("alerts", "autoscale"):
            if service.get(what):
                dropped.append(f"cloudService/{service['name']}: {service[what]} {what} setting(s)")
        for role in (service.get("deployment") or {}).get("roles", []):
            for ext in role.get("extensions", []):
                if ext.get("xml"):
                    dropped.append(f"{service['name']}/{role['name']}: XML extension {ext.get('name')}")
    return dropped


@bp.activity_trigger(input_name="payload")
@phase
def write_report(payload: dict[str, Any]) -> ReportResult:
    """Store the report; returns the blob names and the final phase."""
    step = ReportInput.from_json(payload)
    status, unit_id = step.status, step.id
    store = storage()
    blob = (status.get("snapshot") or {}).get("blob")
    try:  # the status's snapshot.blob is the one pointer (no snapshot: a unit that ended before)
        snapshot = store.get_snapshot(blob) if blob else {}
    except PermanentError:
        snapshot = {}
    estate = snapshot.get("estate") or {}
    unit = status["unit"]
    rbac = [r for r in estate.get("rbac", []) if r.get("scope") in _scopes(unit, estate)]
    report = Report.model_validate(
        {
            **status,
            "findings": step.findings,
            "snapshotDigest": (status.get("snapshot") or {}).get("digest"),
            "rbacToRecreate": rbac,
            "dropped": _dropped(unit, estate),
        }
    )
    document = report.to_json()
    stored = store.put_report(unit_id, document, report_html(document))
    return ReportResult(json=stored[0].name, html=stored[1].name, phase=report.phase)
