"""The request contract: defaults, every problem named with its field, unknown fields refused."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from migration.requests import RequestError, parse_duration, parse_request, parse_request_text

SUB = "00000000-0000-0000-0000-000000000001"


def minimal(**extra: object) -> dict:
    return {
        "requestId": "change-4711",
        "subscriptionId": SUB,
        "unit": {"kind": "virtualNetwork", "name": "vnet1"},
        **extra,
    }


def fields(exc: RequestError) -> dict[str, str]:
    return {e["field"]: e["message"] for e in exc.errors}


def test_defaults_are_filled_in() -> None:
    req = parse_request(minimal())
    body = req.to_json()
    assert body["destination"] == {
        "mode": "New",
        "resourceGroup": None,
        "virtualNetwork": None,
        "subnet": None,
    }
    assert body["approval"] == {"timeout": None, "onTimeout": "abort", "beforePrepare": False}
    assert (body["window"], body["dryRun"], body["probes"]) == ("any", False, [])
    assert req.approval_timeout() == timedelta(hours=72)
    assert req.approval_timeout("PT1H") == timedelta(hours=1)
    assert parse_request(body) == req  # the JSON form round-trips


def contract_example() -> dict[str, Any]:
    """The request docs/contract.md shows under "Request", as written there."""
    text = (Path(__file__).resolve().parents[3] / "docs" / "contract.md").read_text()
    return json.loads(text.split("\n## Request", 1)[1].split("```json\n", 1)[1].split("```", 1)[0])


def test_full_design_example_parses() -> None:
    example = contract_example()
    req = parse_request(example)
    assert req.unit.key == "cloudService/web-cs/web-dep" and req.window == "off-hours"
    assert req.approval.on_timeout == "abort" and req.probes[0].expect_status == 200
    reminded = parse_request({**example, "approval": {"timeout": "PT72H", "onTimeout": "remind"}})
    assert reminded.approval.on_timeout == "remind"


def test_every_problem_is_reported_with_its_field() -> None:
    with pytest.raises(RequestError) as info:
        parse_request(
            {
                "requestId": "bad id!",
                "subscriptionId": "nope",
                "unit": {"kind": "vm", "name": ""},
                "dryrun": True,
                "approval": {"timeout": "3 days", "onTimeout": "ignore"},
                "probes": [{"url": "ftp://x"}],
                "window": "night",
            }
        )
    got = fields(info.value)
    assert set(got) == {
        "requestId",
        "subscriptionId",
        "unit.kind",
        "unit.name",
        "dryrun",
        "approval.timeout",
        "approval.onTimeout",
        "probes[0].url",
        "window",
    }
    assert got["dryrun"] == "unknown field"
    assert "ISO 8601" in got["approval.timeout"]


def test_required_fields_are_named() -> None:
    with pytest.raises(RequestError) as info:
        parse_request({"unit": {}})
    assert fields(info.value) == {
        "requestId": "is required",
        "subscriptionId": "is required",
        "unit.kind": "is required",
        "unit.name": "is required",
    }


def test_existing_destination_needs_its_names_and_new_refuses_them() -> None:
    with pytest.raises(RequestError) as info:
        parse_request(minimal(destination={"mode": "Existing", "resourceGroup": "rg"}))
    assert fields(info.value) == {"destination": "mode Existing needs virtualNetwork, subnet"}
    with pytest.raises(RequestError):
        parse_request(minimal(destination={"mode": "New", "subnet": "s"}))
    ok = parse_request(
        minimal(destination={"mode": "Existing", "resourceGroup": "rg", "virtualNetwork": "v", "subnet": "s"})
    )
    assert ok.destination.subnet == "s"


def test_deployment_only_for_cloud_services_and_strict_bool() -> None:
    with pytest.raises(RequestError) as info:
        parse_request(minimal(unit={"kind": "storageAccount", "name": "s", "deployment": "d"}, dryRun="yes"))
    got = fields(info.value)
    assert "unit.deployment" in got and "dryRun" in got


def test_text_that_is_not_json_or_not_an_object() -> None:
    with pytest.raises(RequestError) as info:
        parse_request_text("{not json")
    assert info.value.errors[0]["field"] == "(body)"
    with pytest.raises(RequestError):
        parse_request_text("[1, 2]")


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("PT72H", timedelta(hours=72)),
        ("P3D", timedelta(days=3)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("PT90S", timedelta(seconds=90)),
        ("P1W", timedelta(weeks=1)),
        ("PT0.5S", timedelta(seconds=0.5)),
    ],
)
def test_durations(text: str, span: timedelta) -> None:
    assert parse_duration(text) == span


@pytest.mark.parametrize("text", ["", "P", "PT", "P1M", "P1Y", "72H", "PT-1H"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_hostile_nesting_is_a_bad_request_not_a_crash() -> None:
    deep = "[" * 5000 + "]" * 5000
    with pytest.raises(RequestError) as info:
        parse_request_text(deep)
    assert info.value.errors == [{"field": "(body)", "message": "is nested too deeply"}]
    nested: dict = {}
    cursor = nested
    for _ in range(3000):
        cursor["x"] = {}
        cursor = cursor["x"]
    with pytest.raises(RequestError):
        parse_request(
            {
                "requestId": "a",
                "subscriptionId": SUB,
                "unit": {"kind": "virtualNetwork", "name": "v"},
                "probes": [nested],
            }
        )
