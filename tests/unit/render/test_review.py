"""The review page: both sides, differences marked, findings, timeline and the decision form."""

from __future__ import annotations

import re

from migration.render import decision_path, review_page_html
from tests.unit.render.helpers import assert_self_contained, parse, svgs
from tests.unit.render.samples import review_view

TOKEN = "1764100000.c2lnbmF0dXJl"


def section(html: str, ident: str) -> str:
    match = re.search(rf"<section id='{ident}'>(.*?)</section>", html, flags=re.S)
    assert match, ident
    return match.group(1)


def test_both_sides_are_rendered() -> None:
    html = review_page_html(review_view(), TOKEN, principal="lead@contoso.com")
    assert_self_contained(html)
    classic = " ".join(parse(section(html, "classic")).text)
    arm = " ".join(parse(section(html, "arm")).text)
    assert "cloudServices[0].deployment.roles[0].staticIp" in classic and "10.0.1.4" in classic
    assert "Microsoft.Network/virtualNetworks" in arm and "properties.addressSpace.addressPrefixes[0]" in arm


def test_changed_property_is_marked_with_the_expected_value() -> None:
    html = review_page_html(review_view(), TOKEN)
    arm = section(html, "arm")
    diff_rows = re.findall(r"<tr class='diff'>(.*?)</tr>", arm, flags=re.S)
    assert len(diff_rows) == 1
    text = " ".join(parse(diff_rows[0]).text)
    assert "properties.ipConfigurations[0].privateIPAddress" in text
    assert "10.0.1.9" in text and 'expected "10.0.1.4"' in text


def test_missing_and_extra_resources_are_marked() -> None:
    arm = section(review_page_html(review_view(), TOKEN), "arm")
    cards = {
        a["data-name"]: a["class"]
        for t, a in parse(arm).tags
        if t == "div" and "card" in (a.get("class") or "")
    }
    assert cards["web-cs-LB"] == "card arm missing"
    assert cards["stray-pip"] == "card arm extra"
    assert cards["vnet-prod"] == "card arm"


def test_findings_by_severity_and_timeline() -> None:
    html = review_page_html(review_view(), TOKEN)
    text = " ".join(parse(html).text)
    assert "1 error, 1 warning, 1 info" in text
    assert text.index("load balancer web-cs-LB was not created") < text.index("private IP of web1 changed")
    [svg] = svgs(html)
    assert len([e for e in svg.iter() if e.get("class") == "bar"]) == len(review_view()["timeline"])


def test_form_posts_the_decision_with_the_token_to_the_decision_route() -> None:
    html = review_page_html(review_view(id="a b/c"), TOKEN, principal="lead@contoso.com")
    tags = parse(html).tags
    [form] = [a for t, a in tags if t == "form"]
    assert form["method"] == "post"
    assert form["action"] == decision_path("a b/c") == "/api/migrations/a%20b%2Fc/review/decision"
    inputs = {a["name"]: a.get("value") for t, a in tags if t in {"input", "textarea"}}
    assert inputs == {"token": TOKEN, "comment": None}
    buttons = [(a["name"], a["value"]) for t, a in tags if t == "button"]
    assert buttons == [("decision", "commit"), ("decision", "abort")]
    assert "form-action 'self'" in html


def test_no_form_once_the_unit_is_no_longer_awaiting_approval() -> None:
    html = review_page_html(review_view(phase="Committing"), TOKEN)
    assert [t for t, _ in parse(html).tags if t in {"form", "button"}] == []
    assert TOKEN not in html
    assert "No decision to take" in " ".join(parse(html).text)


def test_everything_is_escaped() -> None:
    evil = "'><script>alert(1)</script>"
    view = review_view(
        id=evil,
        requestedBy=evil,
        classic={evil: {evil: evil}},
        arm=[{"id": evil, "name": evil, "type": evil, "properties": {evil: evil}}],
        findings=[
            {
                "severity": evil,
                "code": evil,
                "resource": evil,
                "path": evil,
                "message": evil,
                "kind": "missing",
            }
        ],
        timeline=[{"phase": evil, "at": "2026-11-25T10:00:00+00:00"}],
    )
    html = review_page_html(view, evil, principal=evil, decision_url=evil)
    assert "<script" not in html.lower()
    assert_self_contained(html)
    [form] = [a for t, a in parse(html).tags if t == "form"]
    assert form["action"] == evil  # an attribute value, not markup


def test_a_large_snapshot_is_cut_to_a_readable_page() -> None:
    view = review_view(classic={"disks": [{"name": f"d{i}"} for i in range(1000)]})
    text = " ".join(parse(section(review_page_html(view, TOKEN), "classic")).text)
    assert "600 more properties not shown" in text


def test_a_change_on_a_property_the_resource_does_not_list_is_still_shown() -> None:
    view = review_view()
    nic = view["arm"][1]
    del nic["properties"]  # listed by id, name and type only
    view["findings"][0]["path"] = "virtualMachine"
    view["findings"][0]["actual"] = None
    arm = section(review_page_html(view, TOKEN), "arm")
    [row] = re.findall(r"<tr class='diff'>(.*?)</tr>", arm, flags=re.S)
    text = " ".join(parse(row).text)
    assert "virtualMachine" in text and "(absent)" in text and 'expected "10.0.1.4"' in text


def test_without_a_token_the_page_asks_to_sign_in_instead_of_offering_buttons() -> None:
    html = review_page_html(review_view(), "")
    assert [t for t, _ in parse(html).tags if t in {"form", "button"}] == []
    assert "Sign in as an approver" in " ".join(parse(html).text)
