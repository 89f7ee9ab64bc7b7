"""The report page and the id-map CSV, read back the way a person or a script reads them."""

from __future__ import annotations

import csv
import io

from migration.render import human_duration, id_map_csv, report_html
from tests.unit.render.helpers import SVG_NS, assert_self_contained, parse, svgs
from tests.unit.render.samples import RG, plan_report, unit_report


def test_unit_report_shows_every_section_and_is_self_contained() -> None:
    html = report_html(unit_report())
    assert_self_contained(html)
    text = " ".join(parse(html).text)
    for heading in (
        "Timeline",
        "Findings",
        "Classic name → ARM resource id",
        "RBAC assignments to re-create",
        "Dropped by the migration",
    ):
        assert heading in text
    assert f"{RG}/Microsoft.Compute/virtualMachines/web1" in text
    assert "ops@contoso.com" in text and "Contributor" in text and "cloudService/web-cs" in text
    assert "2 alert rules on web-cs" in text and "autoscale settings of web-cs" in text
    assert "6 min" in text  # 10:00:00 → 10:06:00


def test_findings_are_ordered_errors_first_and_counted() -> None:
    html = report_html(unit_report())
    text = " ".join(parse(html).text)
    assert "1 error, 1 warning, 1 info" in text
    assert text.index("XmlExtension") < text.index("ChangedPrivateIp") < text.index("DiskOrphan")
    assert "10.0.1.4" in text and "10.0.1.9" in text  # both sides of a changed property


def test_gantt_has_one_bar_per_phase_sized_by_duration() -> None:
    [svg] = svgs(report_html(unit_report()))
    bars = [e for e in svg.iter() if e.get("class") == "bar"]
    assert [b.get("data-phase") for b in bars] == [t["phase"] for t in unit_report()["timeline"]]
    rects = {b.get("data-phase"): float(b.get("width")) for b in bars if b.tag == f"{SVG_NS}rect"}
    # AwaitingApproval lasted 4 min, Preparing 1 min, Snapshotting 3 s
    assert rects["AwaitingApproval"] > rects["Preparing"] > rects["Snapshotting"]
    assert bars[-1].tag == f"{SVG_NS}path"  # the final phase is a point in time


def test_values_are_escaped_everywhere() -> None:
    evil = "<script>alert(1)</script>"
    report = unit_report(
        id="x\"'<b>",
        phase=evil,
        findings=[{"severity": evil, "code": evil, "message": evil, "expected": {"k": evil}}],
        resourceMap={evil: evil},
        rbacToRecreate=[{"principal": evil, "role": evil, "scope": evil}],
        dropped=[evil],
        timeline=[{"phase": evil, "at": "2026-11-25T10:00:00Z"}],
        error={"message": evil},
    )
    html = report_html(report)
    assert "<script" not in html.lower()
    assert "<b>" not in html
    assert_self_contained(html)
    assert evil in " ".join(parse(html).text)  # shown as text, not markup


def test_plan_report_draws_waves_and_gathers_the_units() -> None:
    html = report_html(plan_report())
    assert_self_contained(html)
    [svg] = svgs(html)
    waves = [e.get("data-wave") for e in svg.iter() if e.get("class") == "wave"]
    assert waves == ["0", "1"]
    labels = [e.text for e in svg.iter(f"{SVG_NS}text") if e.text and e.text.startswith("wave")]
    assert labels == ["wave 0 · virtualNetwork/vnet-prod", "wave 1 · storageAccount/stprod"]
    text = " ".join(parse(html).text)
    assert "2 wave(s), 2 unit(s)" in text
    assert "storageAccounts/stprod" in text and "virtualMachines/web1" in text


def test_report_without_timeline_or_optional_parts_still_renders() -> None:
    html = report_html({"id": "bare", "unit": {"kind": "routeTable", "name": "rt"}, "phase": "Failed"})
    text = " ".join(parse(html).text)
    assert "No timeline yet." in text and "No findings." in text
    assert svgs(html) == []


def test_id_map_csv_is_machine_readable() -> None:
    rows = list(csv.reader(io.StringIO(id_map_csv(unit_report()))))
    assert rows[0] == ["unit", "classic", "armResourceId"]
    assert rows[1:] == [
        [
            "virtualNetwork/vnet-prod",
            "cloudService/web-cs/web1",
            f"{RG}/Microsoft.Compute/virtualMachines/web1",
        ],
        [
            "virtualNetwork/vnet-prod",
            "virtualNetwork/vnet-prod",
            f"{RG}/Microsoft.Network/virtualNetworks/vnet-prod",
        ],
    ]


def test_id_map_csv_of_a_plan_lists_every_unit_and_defuses_formulas() -> None:
    plan = plan_report()
    plan["waves"][1]["units"][0]["report"]["resourceMap"]["=cmd|' /C calc'!A0"] = "x,y"
    rows = list(csv.reader(io.StringIO(id_map_csv(plan))))
    assert {r[0] for r in rows[1:]} == {"virtualNetwork/vnet-prod", "storageAccount/stprod"}
    assert ["storageAccount/stprod", "'=cmd|' /C calc'!A0", "x,y"] in rows


def test_human_duration() -> None:
    assert [human_duration(s) for s in (0, 4.25, 59, 60, 125, 3600, 3 * 86400 + 7200)] == [
        "0 s",
        "4.2 s",
        "59 s",
        "1 min",
        "2 min 5 s",
        "1 h",
        "3 d 2 h",
    ]


def test_precheck_findings_show_source_and_remedy_without_empty_comparison_columns() -> None:
    finding = {
        "severity": "warning",
        "code": "C2A-501",
        "source": "precheck",
        "resource": "cloudService/api-cs",
        "message": "VMs get new private IPs",
        "remedy": "Plan the downtime",
    }
    html = report_html(unit_report(findings=[finding]))
    thead = html.split("class='findings'>")[1].split("</thead>")[0]
    headers = [t for t in parse(thead).text if t.strip()]
    assert headers == ["severity", "code", "source", "resource", "message"]
    text = " ".join(parse(html).text)
    assert "precheck" in text and "→ Plan the downtime" in text


def test_plan_report_lists_blocked_and_left_out_units_and_keys_the_colours() -> None:
    plan = plan_report()
    plan["waves"][1]["units"].append(
        {
            "id": "plan-1-st2",
            "unit": "storageAccount/st2",
            "phase": "Blocked",
            "blockedBy": ["virtualNetwork/v2"],
        }
    )
    plan["notMigratable"] = [
        {
            "unit": "cloudService/acl-cs",
            "reasons": [{"code": "C2A-301", "message": "endpoint ACL"}, "and more"],
        }
    ]
    html = report_html(plan)
    text = " ".join(parse(html).text)
    assert "Blocked by virtualNetwork/v2" in text
    assert "Not migratable (left out of the waves)" in text and "C2A-301: endpoint ACL; and more" in text
    assert "3 unit(s) planned, 1 left out" in text
    [svg] = svgs(html)
    keys = [e.get("fill") for e in svg.iter() if e.get("class") == "key"]
    assert len(keys) == len(set(keys)) >= 2  # one key per phase drawn
    labels = [
        e for e in svg.iter(f"{SVG_NS}text") if (e.text or "").startswith("wave 1 · storageAccount/st2")
    ]
    assert labels and float(labels[0].get("x")) > 6.5 * len("wave 1 · storageAccount/st2")  # room for it
