"""The core's expected ARM against the emulator's own translation (two readings of one contract).

The emulator stands in for the platform's prepare; the core predicts the result independently.
Feeding the emulator's ARM JSON through `from_arm` and `compare` must give no deviation — only
the documented, acceptable changes (`info`). This is the same comparison the check step runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator.arm.translate import translate_unit
from emulator.clock import PlatformClock
from emulator.estate.loader import parse_estate
from emulator.state import Platforms
from migration.arm import check_unit
from migration.estate import CloudService, load_estate
from migration.prechecks import run_prechecks
from tests.unit.core.estates import add_outside_service, clean, roles_of

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "estates"


def estates() -> list[tuple[str, str]]:
    out = [(p.name, p.read_text()) for p in sorted(EXAMPLES.glob("*.yaml"))]
    raw: dict[str, Any] = clean()
    add_outside_service(raw, "edge-cs", reservedIp="rip-edge")
    raw["reservedIps"] = [
        {"name": "rip-edge", "address": "40.0.0.7"},
        {"name": "rip-free", "address": "40.0.0.8"},
    ]
    raw["networkSecurityGroups"] = [{"name": "nsg-free"}]
    raw["routeTables"] = [
        {"name": "rt-free", "routes": [{"name": "r", "prefix": "0.0.0.0/0", "nextHopType": "VPNGateway"}]}
    ]
    vm = roles_of(raw)[0]
    vm.update(publicIp={"name": "app1-pip"}, ipForwarding=True, bootDiagnostics={"storageAccount": "stapp"})
    vm["secondaryNics"] = [{"name": "app1-nic2", "subnet": "data", "staticIp": "10.1.2.9"}]
    roles_of(raw)[1]["secondaryNics"] = [{"name": "app2-nic2", "subnet": "data"}]
    raw["cloudServices"][0]["deployment"]["internalLoadBalancers"] = [
        {"name": "ilb", "subnet": "data", "staticIp": "10.1.2.100"}
    ]
    raw["cloudServices"][0]["deployment"]["internalDnsSuffix"] = "app.internal"
    out.append(("built", yaml.safe_dump(raw)))
    return out


CASES = [(name, text) for name, text in estates()]


@pytest.mark.parametrize(("name", "text"), CASES, ids=[c[0] for c in CASES])
def test_core_prediction_matches_the_emulators_prepare(name: str, text: str) -> None:
    estate = load_estate(text, name)
    platform = Platforms(parse_estate(yaml.safe_load(text), name), PlatformClock(start=0)).home
    checked = 0
    for verdict in run_prechecks(estate).units:
        if (
            verdict.unit.startswith("cloudService/")
            and estate.named(CloudService, verdict.unit.split("/", 1)[1]).deployment is None
        ):
            continue  # nothing to prepare
        if any(r.rule in {"C2A-116", "C2A-117"} for r in verdict.reasons):
            continue  # PaaS: the platform refuses it, nothing is translated
        group, resources = translate_unit(platform, verdict.unit)
        from migration.units import parse_unit

        findings = check_unit(estate, parse_unit(verdict.unit), [group.wire(), *resources])
        deviations = [f.to_dict() for f in findings if f.severity != "info"]
        assert deviations == [], f"{verdict.unit}: {deviations}"
        checked += 1
    assert checked
