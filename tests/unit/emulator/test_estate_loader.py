"""The emulator's estate loader: the examples load, and every error is reported with its path."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from emulator.estate import EstateError, load_estate, parse_estate

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples" / "estates").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_load(path: Path) -> None:
    estate = load_estate(path)
    assert estate["version"] == 1
    assert estate["cloudServices"], "every example has at least one cloud service"


def test_the_contract_example_loads() -> None:
    doc = (ROOT / "docs" / "estate-format.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", doc, re.S)
    assert block
    estate = parse_estate(yaml.safe_load(block.group(1)))
    role = estate["cloudServices"][0]["deployment"]["roles"][0]
    assert role["state"] == "Running" and role["guestAgent"] == "Ready"
    assert role["endpoints"][1]["localPort"] == 3389
    assert estate["storageAccounts"][0]["location"] == "West Europe"


def _realistic() -> dict:
    return yaml.safe_load((ROOT / "examples" / "estates" / "realistic.yaml").read_text())


def test_all_errors_at_once_with_paths() -> None:
    raw = _realistic()
    raw["cloudServices"][1]["deployment"]["roles"][0]["state"] = "Runing"
    raw["cloudServices"][2]["deployment"]["roles"][0]["endpints"] = []
    raw["virtualNetworks"][0]["subnets"][1]["routeTable"] = "rt-missing"
    raw["networkSecurityGroups"][0]["rules"][0]["priority"] = 5000
    raw["storageAccounts"].append({"name": "stprodweb"})
    raw["subscriptionId"] = "not-a-guid"
    del raw["virtualNetworks"][1]["addressSpace"]
    with pytest.raises(EstateError) as info:
        parse_estate(raw, "x.yaml")
    errors = info.value.errors
    assert errors == [
        "subscriptionId: 'not-a-guid' is not a GUID",
        "virtualNetworks[1].addressSpace: required key is missing",
        "networkSecurityGroups[0].rules[0].priority: 5000 is out of range 100–4096",
        "cloudServices[1].deployment.roles[0].state: 'Runing' is not one of Running, Stopped, "
        "StoppedDeallocated, RoleStateUnknown, ProvisioningTimedOut",
        "cloudServices[2].deployment.roles[0].endpints: unknown key",
        "storageAccounts[6].name: duplicate name 'stprodweb' (also storageAccounts[0])",
        "virtualNetworks[0].subnets[1].routeTable: route table 'rt-missing' is not defined in routeTables",
    ]


def test_references_must_resolve() -> None:
    raw = _realistic()
    dep = raw["cloudServices"][0]["deployment"]
    dep["roles"][0]["subnets"] = ["nope"]
    dep["roles"][0]["bootDiagnostics"] = {"storageAccount": "stnone"}
    dep["roles"][2]["endpoints"][0]["internalLoadBalancer"] = "ilb-x"
    raw["virtualNetworks"][0]["gateways"][0]["connections"][0]["localNetworkSite"] = "mars"
    with pytest.raises(EstateError) as info:
        parse_estate(copy.deepcopy(raw))
    text = "\n".join(info.value.errors)
    assert (
        "deployment.roles[0].subnets[0]: subnet 'nope' is not a subnet of virtual network 'vnet-prod'" in text
    )
    assert (
        "cloudServices[0].deployment.roles[0].bootDiagnostics.storageAccount: storage account 'stnone'"
        in text
    )
    assert "roles[2].endpoints[0].internalLoadBalancer: internal load balancer 'ilb-x'" in text
    assert "virtualNetworks[0].gateways[0].connections[0].localNetworkSite: local network site 'mars'" in text


def test_enumerations_are_case_insensitive_and_canonical() -> None:
    estate = parse_estate(
        {
            "version": 1,
            "subscriptionId": "00000000-0000-0000-0000-000000000009",
            "cloudServices": [
                {
                    "name": "cs",
                    "deployment": {
                        "name": "d",
                        "roles": [
                            {
                                "name": "r",
                                "state": "stoppeddeallocated",
                                "osDisk": {
                                    "name": "o",
                                    "os": "linux",
                                    "sizeGB": 30,
                                    "mediaLink": "https://a/b.vhd",
                                },
                                "endpoints": [{"name": "e", "protocol": "TCP", "port": 80}],
                            }
                        ],
                    },
                }
            ],
        }
    )
    role = estate["cloudServices"][0]["deployment"]["roles"][0]
    assert (role["state"], role["osDisk"]["os"], role["endpoints"][0]["protocol"]) == (
        "StoppedDeallocated",
        "Linux",
        "tcp",
    )


HEAD = "version: 1\nsubscriptionId: 00000000-0000-0000-0000-000000000001\n"


def test_a_null_value_is_an_absent_key() -> None:
    estate = parse_estate(
        yaml.safe_load(f"{HEAD}location: null\nstorageAccounts:\n- {{name: st, sku: null, location: null}}\n")
    )
    assert estate["location"] == "West Europe"
    assert estate["storageAccounts"] == [{"name": "st", "location": "West Europe", "sku": "Standard_LRS"}]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "version: 2\nsubscriptionId: 00000000-0000-0000-0000-000000000001\n",
            "version: 2 is out of range 1–1",
        ),
        ("subscriptionId: 00000000-0000-0000-0000-000000000001\n", "version: required key is missing"),
        ("- 1\n", "<root>: expected a mapping, got a list"),
        ("version: [\n", "<file>: not valid YAML at line 2"),
        (f"{HEAD}armQuotas: {{cores: -1}}\n", "armQuotas.cores: -1 is below the minimum 0"),
        (f"{HEAD}armQuotas: {{cores: many}}\n", "armQuotas.cores: expected an integer, got 'many'"),
        (f"{HEAD}1: one\n", "1: unknown key"),
        (f"{HEAD}rbac:\n- {{principal: p, role: r, scpe: null}}\n", "rbac[0].scpe: unknown key"),
        (f"{HEAD}storageAccounts:\n- {{name: null}}\n", "storageAccounts[0].name: required key is missing"),
        (f"{HEAD}storageAccounts: [[st]]\n", "storageAccounts[0]: expected a mapping, got a list"),
    ],
)
def test_bad_files(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "estate.yaml"
    path.write_text(text)
    with pytest.raises(EstateError) as info:
        load_estate(path)
    assert any(expected in e for e in info.value.errors), info.value.errors
