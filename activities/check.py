"""Checking: what the platform prepared in ARM, compared with what the snapshot should become.

Reads `<unit>-Migrated` through the ARM reader, compares it with the core's expected
translation (missing / extra / changed, both sides and the property path) and runs the
request's data-plane probes (HTTP GET with a timeout; one finding per probe that answers
otherwise or not at all). Read-only, so running it twice is harmless.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df
import httpx

from activities._runtime import azure_settings, phase, storage
from activities.precheck import estate_of
from connectors.app_settings import read_setting
from connectors.arm import ArmReader
from connectors.connection import Connection
from connectors.errors import PermanentError, Reason
from migration.arm import check_unit as compare_unit
from migration.units import UnitRef
from migration.workflow import CheckResult, SnapshotStep

bp = df.Blueprint()
MAX_RESOURCES_IN_STATUS = 100


def probe(url: str, expect: int, timeout: float) -> dict[str, Any] | None:
    """A finding when `url` does not answer `expect` within `timeout` seconds, else None."""
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        return {
            "severity": "warning",
            "code": "probe.unreachable",
            "rule": "probe",
            "resource": url,
            "message": f"probe {url}: no answer ({type(exc).__name__})",
            "expected": expect,
            "actual": None,
        }
    if response.status_code != expect:
        return {
            "severity": "warning",
            "code": "probe.status",
            "rule": "probe",
            "resource": url,
            "message": f"probe {url}: answered {response.status_code}, expected {expect}",
            "expected": expect,
            "actual": response.status_code,
        }
    return None


def _finding(item: dict[str, Any]) -> dict[str, Any]:
    severity = "warning" if item.get("severity") == "deviation" else "info"
    where = f"{item['resource']}{'.' + item['path'] if item.get('path') else ''}"
    message = f"{item['kind']}: {where}" + (f" ({item['note']})" if item.get("note") else "")
    return {
        **item,
        "severity": severity,
        "code": f"arm.{item['kind']}",
        "rule": "arm.compare",
        "message": message,
    }


@bp.activity_trigger(input_name="payload")
@phase
def check_unit(payload: dict[str, Any]) -> CheckResult:
    """The findings, the ARM ids by name and a brief of the ARM resources of the prepared unit."""
    step = SnapshotStep.from_json(payload)
    request = step.migration_request()
    unit = request.unit
    estate = estate_of(storage().get_snapshot(step.snapshot))
    reader = ArmReader.connect(Connection(azure_settings(), request.subscription_id))
    try:
        try:
            actual = reader.read_group(f"{unit.name}-Migrated")
        except PermanentError as error:
            if error.reason != Reason.NOT_FOUND:
                raise
            actual = []
    finally:
        reader.close()
    findings = [_finding(f.to_dict()) for f in compare_unit(estate, UnitRef(unit.kind, unit.name), actual)]
    timeout = float(read_setting("PROBE_TIMEOUT_SECONDS"))
    for item in request.probes:
        result = probe(item.url, item.expect_status, timeout)
        if result:
            findings.append(result)
    resource_map: dict[str, str] = {}
    for resource in actual:
        if resource.get("type", "").lower() != "microsoft.resources/resourcegroups" and resource.get("name"):
            resource_map.setdefault(resource["name"], resource.get("id", ""))
    brief = [
        {k: r.get(k) for k in ("id", "name", "type", "location")} for r in actual[:MAX_RESOURCES_IN_STATUS]
    ]
    return CheckResult(findings=findings, resourceMap=resource_map, armResources=brief)
