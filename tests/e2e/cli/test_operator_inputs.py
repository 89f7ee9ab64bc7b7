"""Bad input to any command is one line `c2arm: …` on stderr, exit 2, no traceback; enumerations
are case-insensitive; `--destination` reaches the platform (items 3 and 9 of #15).

Every command runs as a real subprocess (the console script's entry point); the ones that need an
app run against the real local stack (`ops_stack`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.cli.helpers import REPO_ROOT, c2arm, wait_for_phase

SMALL = str(REPO_ROOT / "examples" / "estates" / "small.yaml")


def one_line(result, code: int = 2) -> str:  # type: ignore[no-untyped-def]
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Usage:" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("c2arm: "), result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["up", "--estate", SMALL, "--app-port", "80000"], "'--app-port'"),
        (["up", "--estate", SMALL, "--app-port", "0"], "'--app-port'"),
        (["up", "--estate", SMALL, "--time-scale", "0"], "--time-scale 0.0: must be greater than 0"),
        (["status", "a#b"], "ID: 'a#b' is not an id (1–100 of A-Z a-z 0-9 - _ . ~)"),
        (["approve", "bad/id"], "ID: 'bad/id' is not an id"),
        (["abort", "x" * 101], "is not an id"),
        (["report", "a b"], "ID: 'a b' is not an id"),
        (
            ["submit", "--kind", "cloudService", "--name", "x", "--request-id", "bad id!"],
            "--request-id: 'bad id!' is not an id",
        ),
        (["submit", "--kind", "virtualMachine", "--name", "x"], "--kind: 'virtualMachine' is not one of"),
        (
            ["submit", "--kind", "cloudService", "--name", "x", "--window", "lunchtime"],
            "--window: 'lunchtime' is not one of any, off-hours",
        ),
        (
            ["submit", "--kind", "cloudService", "--name", "x", "--destination", "existing:rg/vnet"],
            "--destination: 'existing:rg/vnet' is not new (a new VNet) or existing:RG/VNET/SUBNET",
        ),
        (["submit", "--via", "pigeon", "--kind", "cloudService", "--name", "x"], "'--via'"),
        (
            ["migrate", "--estate", SMALL, "--units", "virtualMachine/x"],
            "--units: 'virtualMachine' is not one of",
        ),
        (["migrate", "--estate", SMALL, "--plan-id", "a#b"], "--plan-id: 'a#b' is not an id"),
        (
            ["submit", "--request-id", "p~virtualNetwork~v", "--kind", "virtualNetwork", "--name", "v"],
            "--request-id: 'p~virtualNetwork~v' is not an id: '~' is reserved",
        ),
        (["status", "--interval", "0"], "'--interval'"),
        (["nosuchcommand"], "No such command"),
    ],
)
def test_every_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], says: str) -> None:
    line = one_line(
        c2arm(*args, "--state-dir", str(tmp_path / "s")) if args[0] != "nosuchcommand" else c2arm(*args)
    )
    assert says in line
    assert not (tmp_path / "s" / "pids.json").exists()


def test_enumerations_are_case_insensitive_without_a_stack(tmp_path: Path) -> None:
    # the kind, window and approval are accepted in any case: what fails is the missing stack (1)
    result = c2arm(
        "submit",
        "--kind",
        "VIRTUALNETWORK",
        "--name",
        "x",
        "--window",
        "Off-Hours",
        "--via",
        "HTTP",
        "--destination",
        "NEW",
        "--state-dir",
        str(tmp_path),
    )
    assert "no local stack" in one_line(result, 1)
    result = c2arm(
        "migrate",
        "--estate",
        SMALL,
        "--units",
        "VirtualNetwork/vnet-small",
        "--approval",
        "perwave",
        "--state-dir",
        str(tmp_path),
    )
    assert "no local stack" in one_line(result, 1)


@pytest.mark.e2e
@pytest.mark.xdist_group("ops_stack")
def test_destination_existing_reaches_the_platforms_validate(ops_stack) -> None:  # type: ignore[no-untyped-def]
    """`--destination existing:RG/VNET/SUBNET` is what `-UseExistingVirtualNetwork` does: the platform's
    validate checks that subnet (here one that does not exist), so the unit is refused by it."""
    uid = "dest-existing-cli"
    result = c2arm(
        "submit",
        "--kind",
        "cloudservice",
        "--name",
        "paas-cs",
        "--request-id",
        uid,
        "--destination",
        "existing:no-such-rg/vnet-x/subnet-y",
        "--state-dir",
        str(ops_stack.state_dir),
    )
    assert result.returncode == 0, result.stderr
    status = wait_for_phase(
        ops_stack.state_dir, uid, {"NotMigratable", "AwaitingApproval", "Failed", "Aborted"}
    )
    assert status["phase"] == "NotMigratable", status
    assert status["unit"]["kind"] == "cloudService"
    platform = [f for f in status["findings"] if f["source"] == "platform"]
    assert any("The virtual network vnet-x doesn't exist." in f["message"] for f in platform), platform
