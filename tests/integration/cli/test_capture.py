"""`c2arm capture` against the emulator: the estate read back through the ASM API is the estate.

What the classic API does not report (alerts, autoscale, RBAC, blob sizes, quotas, circuits) is
not compared; everything that makes the units and the translation is.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from migration.estate import load_estate, load_estate_file
from migration.prechecks import run_prechecks
from migration.units import units_of
from tests.e2e.cli.helpers import REPO_ROOT, c2arm

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

    # docs/cli.md names every rule a precheck of a captured estate cannot see (item 15 of #15)
    lost = {f.rule for f in run_prechecks(source).findings} - {
        f.rule for f in run_prechecks(captured).findings
    }
    assert lost and lost <= documented_unchecked_rules(), lost

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


def documented_unchecked_rules() -> set[str]:
    section = (
        (REPO_ROOT / "docs" / "cli.md").read_text().split("what a precheck of its file cannot see", 1)[1]
    )
    table = "\n".join(line for line in section.split("\n## ", 1)[0].splitlines() if line.startswith("|"))
    return set(re.findall(r"\| (C2A-\d{3}) ", table))


def test_capture_help_names_the_auth_settings_and_the_fields_it_cannot_read() -> None:
    result = c2arm("capture", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for setting in (
        "ASM_AUTH",
        "ASM_CERTIFICATE_FILE",
        "KEY_VAULT_URL",
        "ASM_CERTIFICATE_NAME",
        "AZURE_ACCESS_TOKEN",
        "AZURE_CLOUD",
    ):
        assert setting in text, setting
    for rule in sorted(documented_unchecked_rules()):
        assert rule in text, rule
    assert len(documented_unchecked_rules()) == 7


def test_capture_without_a_stack_or_a_subscription_says_what_is_missing(tmp_path: Path) -> None:
    runner = CliRunner()
    no_stack = runner.invoke(app, ["capture", "--local", "--state-dir", str(tmp_path / "none")])
    assert no_stack.exit_code == 1 and "no local stack" in no_stack.stderr
    no_sub = runner.invoke(app, ["capture"], env={"ASM_AUTH": "token", "AZURE_ACCESS_TOKEN": "x"})
    assert no_sub.exit_code == 2 and "--subscription required" in no_sub.stderr
