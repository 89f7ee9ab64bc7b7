"""The sample estates of examples/estates/ (written for the emulator) through the core."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration.arm import compare, expected_by_unit
from migration.estate import dump_estate_yaml, load_estate, load_estate_file
from migration.planner import plan
from migration.prechecks import run_prechecks

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "estates"
FILES = sorted(EXAMPLES.glob("*.yaml")) + sorted(EXAMPLES.glob("*.json"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_example_loads_round_trips_and_translates(path: Path) -> None:
    estate = load_estate_file(path)
    assert load_estate(dump_estate_yaml(estate)) == estate
    for unit, resources in expected_by_unit(estate).items():
        assert any(r.type == "Microsoft.Resources/resourceGroups" for r in resources)
        assert {r.resource_group for r in resources} == {unit.resource_group}
        assert compare(resources, resources) == []
    plan(estate)


@pytest.mark.skipif(
    not (EXAMPLES / "realistic.yaml").exists(), reason="examples/estates/realistic.yaml not written yet"
)
def test_realistic_estate_matches_its_documented_outcome() -> None:
    estate = load_estate_file(EXAMPLES / "realistic.yaml")
    verdicts = {v.unit: (v.verdict, v.blocked_by) for v in run_prechecks(estate).units}
    assert verdicts["virtualNetwork/vnet-prod"][0] == "migratable"
    assert verdicts["virtualNetwork/vnet-er"] == ("blocked", ("expressRouteCircuit/er-legacy",))
    assert verdicts["virtualNetwork/vnet-branch"][0] == "notMigratable"
    assert verdicts["virtualNetwork/vnet-legacy"][0] == "notMigratable"
    assert verdicts["cloudService/api-cs"][0] == "migratable"
    assert verdicts["cloudService/paas-cs"][0] == "notMigratable"
    assert verdicts["cloudService/acl-cs"][0] == "notMigratable"
    assert verdicts["storageAccount/starchive"][0] == "notMigratable"
    assert verdicts["storageAccount/stdiag"][0] == "migratable"
    for spare in ("reservedIp/rip-spare", "networkSecurityGroup/nsg-spare", "routeTable/rt-spare"):
        assert verdicts[spare][0] == "migratable"
    p = plan(estate)
    deps = {str(u.unit): {str(d) for d in u.depends_on} for u in p.units}
    assert deps["storageAccount/stproddata"] == {"virtualNetwork/vnet-prod"}
    blocked = {str(u.unit): set(u.blocked_by) for u in p.units if u.verdict == "blocked"}
    assert blocked["storageAccount/stprodweb"] == {"virtualNetwork/vnet-er", "virtualNetwork/vnet-branch"}
    assert blocked["storageAccount/stapi"] == {"cloudService/acl-cs"}
    assert blocked["storageAccount/stlegacy"] == {"virtualNetwork/vnet-legacy"}
