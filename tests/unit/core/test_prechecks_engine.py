"""Verdicts, the docs page, and the catalogue's invariants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from migration.prechecks import RULES, SEVERITIES, Finding, run_prechecks, verdict_of
from migration.prechecks.docs import render
from migration.units import UnitRef
from tests.unit.core.conftest import load_raw
from tests.unit.core.estates import add_outside_service, clean, roles_of

DOCS = Path(__file__).resolve().parents[3] / "docs" / "prechecks.md"


def test_committed_docs_page_is_current() -> None:
    assert DOCS.read_text() == render(), "run: python -m migration.prechecks.docs > docs/prechecks.md"


def test_catalogue_ids_are_unique_and_complete() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert all(r.severity in SEVERITIES and r.title and r.remedy and r.reference for r in RULES)
    assert all(r.id in render() for r in RULES)


def test_verdicts_error_beats_blocked_beats_migratable() -> None:
    def f(severity: str, unit: str = "virtualNetwork/v", blocked_by: tuple[str, ...] = ()) -> Finding:
        return Finding("C2A-X", severity, unit, "r", "m", "fix", blocked_by)

    assert verdict_of("virtualNetwork/v", [f("warning"), f("info")]).verdict == "migratable"
    blocked = verdict_of("virtualNetwork/v", [f("blocked", blocked_by=("expressRouteCircuit/c",))])
    assert (blocked.verdict, blocked.blocked_by) == ("blocked", ("expressRouteCircuit/c",))
    both = verdict_of("virtualNetwork/v", [f("blocked", blocked_by=("x/y",)), f("error")])
    assert (both.verdict, both.blocked_by, len(both.reasons)) == ("notMigratable", ("x/y",), 2)
    assert verdict_of("virtualNetwork/v", [f("error", unit="subscription")]).verdict == "notMigratable"
    assert verdict_of("virtualNetwork/v", [f("error", unit="virtualNetwork/w")]).verdict == "migratable"


def test_report_json_shape_and_unit_filter() -> None:
    raw: dict[str, Any] = clean()
    add_outside_service(raw)
    roles_of(raw)[0]["state"] = "ProvisioningTimedOut"
    estate = load_raw(raw)
    report = run_prechecks(estate)
    data = report.to_dict()
    assert set(data) == {"units", "findings"}
    assert all(set(u) == {"unit", "verdict", "blockedBy"} for u in data["units"])
    assert all(
        set(f) == {"rule", "severity", "unit", "resource", "message", "remedy"} for f in data["findings"]
    )
    verdicts = {u["unit"]: (u["verdict"], u["blockedBy"]) for u in data["units"]}
    assert verdicts == {
        "virtualNetwork/vnet-app": ("notMigratable", []),
        "cloudService/edge-cs": ("migratable", []),
        "storageAccount/stapp": ("blocked", ["cloudService/edge-cs", "virtualNetwork/vnet-app"]),
    }
    assert report.has_errors
    only = run_prechecks(estate, [UnitRef("cloudService", "edge-cs")])
    assert [u.unit for u in only.units] == ["cloudService/edge-cs"]
    assert {f.unit for f in only.findings} == {"cloudService/edge-cs"}
    assert not only.has_errors


def test_sample_of_the_estate_format() -> None:
    from migration.estate import load_estate
    from tests.unit.core.conftest import SAMPLE_TEXT

    report = run_prechecks(load_estate(SAMPLE_TEXT))
    assert report.verdict("virtualNetwork/vnet-prod").verdict == "migratable"
    storage = report.verdict("storageAccount/stprod")
    assert storage.verdict == "notMigratable"  # the unattached disk orphan-1
    assert storage.blocked_by == ("virtualNetwork/vnet-prod",)
    assert {f.rule for f in report.findings} >= {"C2A-101", "C2A-402", "C2A-502", "C2A-505", "C2A-601"}
