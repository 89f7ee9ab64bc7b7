"""`c2arm precheck | plan | expected` as a user runs them: exit codes, JSON shapes, stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from tests.unit.core.estates import clean, roles_of

runner = CliRunner()


def write(tmp_path: Path, raw: dict[str, Any], name: str = "estate.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw))
    return path


def run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def test_precheck_json_is_the_documented_shape_and_exit_0(tmp_path: Path) -> None:
    result = run("precheck", "--estate", write(tmp_path, clean()), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"units", "findings"}
    assert data["units"] == [
        {"unit": "virtualNetwork/vnet-app", "verdict": "migratable", "blockedBy": []},
        {"unit": "storageAccount/stapp", "verdict": "blocked", "blockedBy": ["virtualNetwork/vnet-app"]},
    ]
    assert {tuple(sorted(f)) for f in data["findings"]} == {
        ("message", "remedy", "resource", "rule", "severity", "unit")
    }


def test_precheck_exit_1_on_an_error_and_unit_filter(tmp_path: Path) -> None:
    raw = clean()
    roles_of(raw)[0]["state"] = "RoleStateUnknown"
    path = write(tmp_path, raw)
    result = run("precheck", "--estate", path, "--json")
    assert result.exit_code == 1
    assert any(f["rule"] == "C2A-118" for f in json.loads(result.stdout)["findings"])
    only = run("precheck", "--estate", path, "--unit", "storageAccount/stapp", "--json")
    assert only.exit_code == 0
    assert [u["unit"] for u in json.loads(only.stdout)["units"]] == ["storageAccount/stapp"]
    text = run("precheck", "--estate", path)
    assert text.exit_code == 1 and "notMigratable" in text.stdout and "remedy:" in text.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["precheck", "--estate", "{missing}"], "no such estate file"),
        (
            ["precheck", "--estate", "{bad}"],
            "cloudServices[0].deployment.roles[0].state: 'Runing' is not one of",
        ),
        (
            ["precheck", "--estate", "{good}", "--unit", "cloudService/nope"],
            "cloudService/nope is not in the estate",
        ),
        (["precheck", "--estate", "{good}", "--unit", "vm/x"], "'vm' is not a unit kind"),
        (["expected", "--estate", "{good}"], "Missing option '--unit'"),
        (["plan", "--estate", "{good}", "--concurrency", "0"], "--concurrency"),
    ],
)
def test_bad_input_exits_2_with_the_message_on_stderr(tmp_path: Path, args: list[str], fragment: str) -> None:
    bad = clean()
    roles_of(bad)[0]["state"] = "Runing"
    paths = {
        "missing": tmp_path / "none.yaml",
        "bad": write(tmp_path, bad, "bad.yaml"),
        "good": write(tmp_path, clean()),
    }
    result = run(*[a.format(**paths) for a in args])
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert result.stdout == ""


def test_plan_json(tmp_path: Path) -> None:
    result = run("plan", "--estate", write(tmp_path, clean()), "--concurrency", "1", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["waves"] == [
        {"index": 0, "units": ["virtualNetwork/vnet-app"]},
        {"index": 1, "units": ["storageAccount/stapp"]},
    ]
    assert data["dependencies"] == [
        {"unit": "storageAccount/stapp", "dependsOn": ["virtualNetwork/vnet-app"]}
    ]
    assert data["concurrency"] == 1
    assert data["quotaShortfalls"] == []


def test_expected_json_and_text(tmp_path: Path) -> None:
    path = write(tmp_path, clean())
    result = run("expected", "--estate", path, "--unit", "virtualNetwork/vnet-app", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["resourceGroup"] == "vnet-app-Migrated"
    names = {(r["type"], r["name"]) for r in data["resources"]}
    assert ("Microsoft.Network/loadBalancers", "app-cs-LB") in names
    assert ("Microsoft.Compute/virtualMachines", "app1") in names
    text = run("expected", "--estate", path, "--unit", "virtualNetwork/vnet-app")
    assert "Microsoft.Network/networkInterfaces/app2-PrimaryNic (westeurope)" in text.stdout


def test_console_script_in_a_subprocess(tmp_path: Path) -> None:
    raw = clean()
    roles_of(raw)[0]["extensions"] = [
        {"name": "VMSnapshot", "publisher": "Microsoft.Azure.RecoveryServices", "version": "1"}
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "precheck", "--estate", str(write(tmp_path, raw)), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["units"][0]["verdict"] == "notMigratable"
