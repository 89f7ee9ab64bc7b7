"""Names are names (#20 item 11): control and format characters (Cc, Cf, bidi overrides) are refused
in submitted names and never act where text from outside is shown — the CLI, the logs, the pages,
the CSV id map — while everything the platform allows (spaces: `Group rg vnet`) stays."""

from __future__ import annotations

import csv
import io
import logging

import pytest

from cli.ops_common import SafeConsole
from migration.render import id_map_csv
from migration.render._html import esc
from migration.requests import RequestError, parse_plan_request, parse_request
from migration.text import escape_controls, install_log_escaping, name_problem

SUB = "00000000-0000-0000-0000-000000000001"
ACTING = [
    "\x1b[2J",
    "a\nb",
    "x\r",
    "\x00",
    "\u202eevil",
    "\u2066x\u2069",
    "zero\u200bwidth",
    "\u2028",
    "\x7f",
]


@pytest.mark.parametrize("name", ACTING)
def test_a_name_with_a_control_or_format_character_is_refused_naming_the_field(name: str) -> None:
    assert name_problem(name) is not None
    for where, body in (
        ("unit.name", {"unit": {"kind": "virtualNetwork", "name": name}}),
        ("unit.deployment", {"unit": {"kind": "cloudService", "name": "cs", "deployment": name}}),
        ("requestedBy", {"unit": {"kind": "virtualNetwork", "name": "v"}, "requestedBy": name}),
        (
            "destination.subnet",
            {
                "unit": {"kind": "cloudService", "name": "cs"},
                "destination": {
                    "mode": "Existing",
                    "resourceGroup": "rg",
                    "virtualNetwork": "v",
                    "subnet": name,
                },
            },
        ),
    ):
        with pytest.raises(RequestError) as caught:
            parse_request({"requestId": "r", "subscriptionId": SUB, **body})
        assert [e["field"] for e in caught.value.errors] == [where], caught.value.errors
        assert "control or format" in caught.value.errors[0]["message"]
    with pytest.raises(RequestError) as caught:
        parse_plan_request({"planId": "p", "subscriptionId": SUB, "units": [f"virtualNetwork/{name}"]})
    assert [e["field"] for e in caught.value.errors] == ["units[0].name"]


@pytest.mark.parametrize("name", ["Group rg vnet", "vnet-prod_1.a", "Ünïcödé name", "名前"])
def test_what_the_platform_allows_stays_allowed(name: str) -> None:
    assert name_problem(name) is None
    request = parse_request(
        {"requestId": "r", "subscriptionId": SUB, "unit": {"kind": "virtualNetwork", "name": name}}
    )
    assert request.unit.name == name


def test_the_cli_prints_acting_characters_as_escapes() -> None:
    buffer = io.StringIO()
    console = SafeConsole(file=buffer, force_terminal=True, color_system="standard", width=200)
    console.print("[bold]unit[/bold] \x1b[2Jcleared \u202egnp.exe", "\x07", highlight=False)
    shown = buffer.getvalue()
    assert "\\x1b[2Jcleared" in shown and "\\u202egnp.exe" in shown  # (rich itself drops BEL)
    assert "\x1b[2J" not in shown and "\u202e" not in shown and "\x07" not in shown
    assert "\x1b[1m" in shown  # the CLI's own styling still works


def test_a_log_line_stays_one_line_whatever_its_arguments(caplog: pytest.LogCaptureFixture) -> None:
    install_log_escaping()
    with caplog.at_level(logging.INFO, logger="c2arm.test"):
        logging.getLogger("c2arm.test").info(
            "migration %s started", "x\n2026-12-04 INFO commit by boss@contoso.com"
        )
    (record,) = caplog.records
    assert "\n" not in record.getMessage() and "\\x0a" in record.getMessage()


def test_pages_show_bidi_overrides_as_escapes() -> None:
    assert esc("\u202eexe.txt") == "\\u202eexe.txt"
    assert esc("<b>") == "&lt;b&gt;"
    assert escape_controls("plain") == "plain"


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_the_csv_guard_covers_every_formula_lead(lead: str) -> None:
    report = {
        "unit": {"kind": "virtualNetwork", "name": "v"},
        "resourceMap": {f"{lead}1+1": "/subscriptions/x"},
    }
    rows = list(csv.reader(io.StringIO(id_map_csv(report), newline="")))
    assert rows[1][1] == escape_controls(f"'{lead}1+1"), rows  # a tab or CR also shown as its escape
