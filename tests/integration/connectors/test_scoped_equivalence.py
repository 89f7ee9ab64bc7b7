"""The scoped snapshot is as good as the full one: for every unit of the example estates and of a
generated one, the prechecks' findings and the expected ARM computed from `read_scoped` equal
those computed from `read_snapshot` (both read from a real emulator serving the estate).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bench.core import generate
from cli.stack.emulator import Emulator, start_emulator
from connectors.asm import AsmClient
from connectors.asm.scoped import read_scoped
from connectors.asm.snapshot import read_snapshot
from connectors.connection import Connection
from connectors.ratelimit import RateLimiter
from migration.arm import expected_resources
from migration.estate import Estate
from migration.neighbourhood import inventory_of
from migration.prechecks import run_prechecks
from migration.units import UnitRef, units_of
from tests.fixtures.connectors import ESTATES, settings_for


def _generated(path: Path) -> Path:
    path.write_text(yaml.safe_dump(generate(240), sort_keys=False))
    return path


@pytest.fixture(scope="module", params=["small", "realistic", "generated"])
def estate_emulator(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Emulator]:
    state = tmp_path_factory.mktemp(f"emulator-{request.param}")
    source = (
        _generated(state / "generated.yaml")
        if request.param == "generated"
        else ESTATES / f"{request.param}.yaml"
    )
    emulator = start_emulator(source, state, state / "emulator.log")
    yield emulator
    emulator.stop()


def _client(emulator: Emulator) -> AsmClient:
    return AsmClient.connect(
        Connection(settings_for(emulator), emulator.subscription_id, limiter=RateLimiter(10_000, 10_000))
    )


def _verdict(estate: Estate, unit: UnitRef) -> tuple[list[dict], list]:
    report = run_prechecks(estate, [unit])
    findings = sorted((f.to_dict() for f in report.findings), key=lambda f: sorted(f.items()).__repr__())
    arm = sorted(expected_resources(estate, unit), key=repr) if unit in units_of(estate) else []
    return findings, arm


def test_every_unit_sees_the_same_findings_and_expected_arm(estate_emulator: Emulator) -> None:
    with _client(estate_emulator) as client:
        full = read_snapshot(client).estate
        inventory = inventory_of(full)
        units = units_of(full)
        assert units
        for unit in units:
            scoped = read_scoped(client, unit, inventory)
            assert _verdict(scoped.snapshot.estate, unit) == _verdict(full, unit), str(unit)
            assert unit in units_of(scoped.snapshot.estate), str(unit)


def test_a_service_unknown_to_the_inventory_is_read(estate_emulator: Emulator) -> None:
    """An empty inventory (nothing known) still gives the full snapshot's answer for every unit."""
    with _client(estate_emulator) as client:
        full = read_snapshot(client).estate
        units = units_of(full)[:6]
        for unit in units:
            scoped = read_scoped(
                client, unit, inventory_of(Estate(version=1, subscription_id=full.subscription_id))
            )
            assert _verdict(scoped.snapshot.estate, unit) == _verdict(full, unit), str(unit)
            assert set(scoped.inventory.services) == {s.name for s in full.cloud_services}
