"""`c2arm capture` against the emulator: the estate read back through the ASM API is the estate.

What the classic API does not report (alerts, autoscale, RBAC, blob sizes, quotas, circuits) is
not compared; everything that makes the units and the translation is.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from migration.estate import load_estate, load_estate_file
from migration.units import units_of
from tests.cli.helpers import REPO_ROOT, c2arm

REALISTIC = REPO_ROOT / "examples" / "estates" / "realistic.yaml"


def names(items) -> list[str]:
    return sorted(i.name for i in items)


def test_capture_round_trips_the_emulated_subscription(emulator_factory, tmp_path: Path) -> None:
    """One emulator for every case (starting and stopping one is the slow part)."""
    emulator = emulator_factory(REALISTIC)
    out = tmp_path / "captured.yaml"
    env = {
        "AZURE_REQUESTS_PER_SECOND": "100",
        "AZURE_REQUESTS_BURST": "100",
        "ASM_ENDPOINT": emulator.url,
        "ARM_ENDPOINT": emulator.url,
        "AZURE_CA_BUNDLE": str(emulator.ca_file),
        "ASM_AUTH": "token",
        "AZURE_ACCESS_TOKEN": "capture-test",
    }
    result = c2arm("capture", "--subscription", emulator.subscription_id, "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert f"captured {emulator.subscription_id}:" in result.stderr

    text = out.read_text()
    assert (
        text.startswith("# Captured by c2arm capture")
        and "not reported by the classic API".lower() in text.lower()
    )
    captured, source = load_estate(text, "captured.yaml"), load_estate_file(REALISTIC)
    assert captured.subscription_id == source.subscription_id
    for kind in (
        "virtual_networks",
        "cloud_services",
        "storage_accounts",
        "reserved_ips",
        "network_security_groups",
        "route_tables",
        "local_network_sites",
    ):
        assert names(getattr(captured, kind)) == names(getattr(source, kind)), kind
    assert [str(u) for u in units_of(captured)] == [str(u) for u in units_of(source)]
    roles = {cs.name: names(cs.deployment.roles) for cs in captured.cloud_services if cs.deployment}
    assert roles == {cs.name: names(cs.deployment.roles) for cs in source.cloud_services if cs.deployment}

    # --local: the stack's emulator, from stack.json; and the errors
    (tmp_path / "stack.json").write_text(
        json.dumps(
            {
                "emulatorUrl": emulator.url,
                "caFile": str(emulator.ca_file),
                "subscriptionId": emulator.subscription_id,
            }
        )
    )
    result = c2arm("capture", "--local", "--state-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert load_estate(result.stdout, "stdout.yaml").subscription_id == emulator.subscription_id

    unknown = c2arm(
        "capture",
        "--local",
        "--state-dir",
        str(tmp_path),
        "--subscription",
        "00000000-0000-0000-0000-00000000dead",
    )
    assert (
        unknown.returncode == 1 and "capture of 00000000-0000-0000-0000-00000000dead failed" in unknown.stderr
    )


def test_capture_without_a_stack_or_a_subscription_says_what_is_missing(tmp_path: Path) -> None:
    runner = CliRunner()
    no_stack = runner.invoke(app, ["capture", "--local", "--state-dir", str(tmp_path / "none")])
    assert no_stack.exit_code == 1 and "no local stack" in no_stack.stderr
    no_sub = runner.invoke(app, ["capture"], env={"ASM_AUTH": "token", "AZURE_ACCESS_TOKEN": "x"})
    assert no_sub.exit_code == 2 and "--subscription required" in no_sub.stderr
