"""The estate loader: lossless round trip, every problem at once with its path, canonical enums."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import estate_yaml
from migration import estate
from tests.unit.core.conftest import load_raw


def problems(text: str | dict[str, Any], source: str = "t.yaml") -> list[tuple[str, str]]:
    if isinstance(text, dict):
        text = json.dumps(text)
        source = "t.json"
    with pytest.raises(estate.EstateError) as caught:
        estate.load_estate(text, source)
    return caught.value.issues


def test_sample_loads_with_defaults_and_inheritance(sample: estate.Estate) -> None:
    role = sample.cloud_services[0].deployment.roles[0]
    assert role.state == "Running" and role.guest_agent == "Ready" and role.ip_forwarding is False
    assert role.data_disks[0].size_gb == 128
    assert sample.arm_quotas.public_ip_addresses == 1000
    assert sample.location_of(sample.storage_accounts[0]) == "West Europe"
    assert sample.virtual_networks[0].gateways[0].connections[0].state == "Connected"


def test_round_trip_yaml_and_json_are_lossless(sample: estate.Estate) -> None:
    assert estate.load_estate(estate.dump_estate_yaml(sample)) == sample
    assert estate.load_estate(estate.dump_estate_json(sample), "x.json") == sample
    assert estate.dump_estate(estate.load_estate(estate.dump_estate_yaml(sample))) == estate.dump_estate(
        sample
    )


def test_enumerations_are_case_insensitive_and_stored_canonically(sample_raw: dict[str, Any]) -> None:
    role = sample_raw["cloudServices"][0]["deployment"]["roles"][0]
    role["state"] = "stoppeddeallocated"
    role["endpoints"][0]["protocol"] = "TCP"
    sample_raw["networkSecurityGroups"][0]["rules"][0]["direction"] = "INBOUND"
    parsed = load_raw(sample_raw)
    loaded = parsed.cloud_services[0].deployment.roles[0]
    assert loaded.state == "StoppedDeallocated"
    assert loaded.endpoints[0].protocol == "tcp"
    assert parsed.network_security_groups[0].rules[0].direction == "Inbound"


def test_every_problem_is_reported_at_once_with_its_path(sample_raw: dict[str, Any]) -> None:
    role = sample_raw["cloudServices"][0]["deployment"]["roles"][0]
    role["endpoints"][0]["endpints"] = 1
    role["state"] = "Runing"
    role["subnets"] = ["nope"]
    sample_raw["virtualNetworks"][0]["subnets"][0]["routeTable"] = "rt-missing"
    sample_raw["storageAccounts"].append({"name": "stprod"})
    sample_raw["extra"] = True
    found = dict(problems(sample_raw))
    base = "cloudServices[0].deployment.roles[0]"
    assert found[f"{base}.endpoints[0].endpints"] == "unknown key"
    assert found[f"{base}.state"].startswith("'Runing' is not one of Running, Stopped, StoppedDeallocated")
    assert found[f"{base}.subnets[0]"] == "unknown subnet 'nope' in virtual network 'vnet-prod'"
    assert found["virtualNetworks[0].subnets[0].routeTable"] == "unknown route table 'rt-missing'"
    assert found["storageAccounts[1].name"].startswith("duplicate storage account name 'stprod'")
    assert found["extra"] == "unknown key"
    assert len(found) == 6


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ("version: 1\n", "subscriptionId", "required"),
        ("subscriptionId: 00000000-0000-0000-0000-000000000001\n", "version", "required"),
        ("version: 2\nsubscriptionId: 00000000-0000-0000-0000-000000000001\n", "version", "must be 1"),
        ("version: 1\nsubscriptionId: nope\n", "subscriptionId", "not a GUID"),
        ("version: true\nsubscriptionId: 00000000-0000-0000-0000-000000000001\n", "version", "must be 1"),
        ("- 1\n- 2\n", "", "expected a mapping"),
        ("version: [1\n", "", "not valid YAML at line"),
        ("", "", "expected a mapping"),
    ],
)
def test_malformed_files_name_the_field(text: str, where: str, fragment: str) -> None:
    issues = problems(text)
    assert any(path == where and fragment in message for path, message in issues), issues


def test_bad_types_and_values_are_clear() -> None:
    raw = {
        "version": 1,
        "subscriptionId": "00000000-0000-0000-0000-000000000001",
        "virtualNetworks": [{"name": "v", "addressSpace": ["10.0.0/16"], "subnets": "web"}],
        "networkSecurityGroups": [
            {
                "name": "n",
                "rules": [
                    {
                        "name": "r",
                        "priority": 5000,
                        "direction": "In",
                        "access": "Allow",
                        "protocol": "TCP",
                        "sourcePrefix": "*",
                        "sourcePort": "99999",
                        "destinationPrefix": "10.0.0.0/8",
                        "destinationPort": "80-70",
                    }
                ],
            }
        ],
        "routeTables": [
            {"name": "r", "routes": [{"name": "a", "prefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance"}]}
        ],
        "cloudServices": [{"name": "c", "deployment": {"name": "d", "roles": [{"name": "r1"}]}}],
    }
    found = dict(problems(raw))
    assert "not a CIDR prefix" in found["virtualNetworks[0].addressSpace[0]"]
    assert found["virtualNetworks[0].subnets"] == "expected a list"
    rule = "networkSecurityGroups[0].rules[0]"
    assert "4096" in found[f"{rule}.priority"]
    assert "is not one of Inbound, Outbound" in found[f"{rule}.direction"]
    assert "not '*', a port" in found[f"{rule}.sourcePort"]
    assert "not '*', a port" in found[f"{rule}.destinationPort"]
    assert found["routeTables[0].routes[0]"] == "nextHop is required when nextHopType is VirtualAppliance"
    assert found["cloudServices[0].deployment.roles[0].osDisk"] == "required for an IaaS role"


def test_invalid_json_and_bytes(tmp_path: Any) -> None:
    assert "not valid JSON at line 1" in problems("{", "x.json")[0][1]
    assert "not UTF-8" in problems(b"\xff\xfe\x00", "x.yaml")[0][1]  # type: ignore[arg-type]
    with pytest.raises(estate.EstateError) as caught:
        estate.load_estate_file(tmp_path / "missing.yaml")
    assert "cannot read the file" in str(caught.value)


def test_error_message_lists_every_issue() -> None:
    with pytest.raises(estate.EstateError) as caught:
        estate.load_estate("version: 3\nsubscriptionId: x\nfoo: 1\n", "e.yaml")
    text = str(caught.value)
    assert text.startswith("e.yaml: 3 problem(s)")
    assert "foo: unknown key" in text and "version: must be 1" in text


def test_duplicate_luns_and_disk_names(sample_raw: dict[str, Any]) -> None:
    role = sample_raw["cloudServices"][0]["deployment"]["roles"][0]
    role["dataDisks"].append({**role["dataDisks"][0], "name": "web1-data1"})
    sample_raw["disks"][0]["name"] = "web1-os"
    found = dict(problems(sample_raw))
    assert found["cloudServices[0].deployment.roles[0].dataDisks[1].lun"].startswith("duplicate LUN 0")
    assert found["cloudServices[0].deployment.roles[0].osDisk.name"].startswith(
        "duplicate disk name 'web1-os'"
    )


def test_alias_bomb_is_refused_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(estate_yaml, "MAX_VALUES", 100_000)
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    with pytest.raises(estate.EstateError, match="expands to more than"):
        estate.load_estate("\n".join(lines) + "\n", "bomb.yaml")


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_any_text_loads_or_fails_with_estate_error(text: str | bytes) -> None:
    try:
        estate.load_estate(text, "fuzz.yaml")
    except estate.EstateError as exc:
        assert exc.issues
