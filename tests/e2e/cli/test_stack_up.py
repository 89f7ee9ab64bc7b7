"""`c2arm up` / `c2arm down`: clear errors before anything starts (no servers needed here)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from cli.stack.processes import LOOPBACK, StackError
from cli.stack.up import STACK_KEYS, StackOptions, down, parse_settings, up

ESTATE = Path(__file__).resolve().parents[3] / "examples" / "estates" / "small.yaml"


def test_stack_json_contract_keys() -> None:
    contract = (
        "appUrl functionKey masterKey keysFile emulatorUrl emulatorAdminToken caFile storageConnectionString"
    )
    assert (*contract.split(), "subscriptionId") == STACK_KEYS


def test_settings_flags() -> None:
    assert parse_settings(["APPROVERS=a@x.com,b@x.com", "EMPTY="]) == {
        "APPROVERS": "a@x.com,b@x.com",
        "EMPTY": "",
    }
    with pytest.raises(StackError, match="KEY=VALUE"):
        parse_settings(["NOEQUALS"])
    with pytest.raises(StackError, match="KEY=VALUE"):
        parse_settings(["=value"])


def test_missing_estate_and_bad_time_scale(tmp_path: Path) -> None:
    with pytest.raises(StackError, match="no such file"):
        up(StackOptions(estate=tmp_path / "nope.yaml", state_dir=tmp_path / "s"))
    with pytest.raises(StackError, match="time-scale"):
        up(StackOptions(estate=ESTATE, state_dir=tmp_path / "s", time_scale=0))
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\n")
    with pytest.raises(StackError, match="no subscriptionId"):
        up(StackOptions(estate=bad, state_dir=tmp_path / "s"))
    assert not (tmp_path / "s" / "stack.json").exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"version: 1\nsubscriptionId: \xff\xfe\n", r"not UTF-8 text: byte 0xff at offset 27"),
        (b"version: 1\nsubscriptionId: [unclosed\n", r"not valid YAML/JSON"),
    ],
)
def test_unreadable_estate_is_one_named_problem(tmp_path: Path, content: bytes, problem: str) -> None:
    estate = tmp_path / "estate.yaml"
    estate.write_bytes(content)
    with pytest.raises(StackError, match=rf"--estate {estate}: {problem}"):
        up(StackOptions(estate=estate, state_dir=tmp_path / "s"))
    assert not (tmp_path / "s" / "stack.json").exists()
    result = CliRunner().invoke(app, ["up", "--estate", str(estate), "--state-dir", str(tmp_path / "s")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.count("\n") == 1 and result.output.startswith("c2arm: --estate")


def test_taken_port_is_named(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(StackError, match=f"port {port} .* already taken"):
            up(StackOptions(estate=ESTATE, state_dir=tmp_path / "s", app_port=port))


def test_node_missing_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(StackError, match=r"Node\.js is not installed"):
        up(StackOptions(estate=ESTATE, state_dir=tmp_path / "s"))


def test_a_running_stack_is_not_started_twice(tmp_path: Path) -> None:
    state = tmp_path / "s"
    state.mkdir()
    (state / "pids.json").write_text(json.dumps({"devhost": os.getpgrp()}))  # a live process group
    with pytest.raises(StackError, match="already running"):
        up(StackOptions(estate=ESTATE, state_dir=state))


def test_cli_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["up", "--estate", str(tmp_path / "missing.yaml"), "--state-dir", str(tmp_path / "s")]
    )
    assert result.exit_code == 2
    assert result.output.startswith("c2arm: --estate") and "no such file" in result.output
    result = CliRunner().invoke(app, ["down", "--state-dir", str(tmp_path / "none")])
    assert result.exit_code == 0 and "no stack running" in result.output
    assert down(tmp_path / "none") == []


def test_an_unknown_setting_is_refused_with_a_did_you_mean(tmp_path: Path) -> None:
    from tests.e2e.cli.helpers import c2arm

    result = c2arm(
        "up",
        "--estate",
        str(ESTATE),
        "--state-dir",
        str(tmp_path / "s"),
        "--setting",
        "APROVERS=a@contoso.com",
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "c2arm: --setting APROVERS: not an app setting c2arm reads: did you mean APPROVERS?"
    ]
    assert not (tmp_path / "s" / "pids.json").exists()  # nothing was started
    with pytest.raises(StackError, match="did you mean MIGRATION_WINDOWS"):
        up(StackOptions(estate=ESTATE, state_dir=tmp_path / "t", settings={"migration_window": "x"}))


def test_up_waits_on_health_and_prints_every_problem(tmp_path: Path) -> None:
    from tests.e2e.cli.helpers import c2arm

    state = tmp_path / "s"
    result = c2arm(
        "up",
        "--estate",
        str(ESTATE),
        "--state-dir",
        str(state),
        "--setting",
        "MIGRATION_WINDOWS=Mon-Fri 25:00-06:00",
        "--setting",
        "TWO_PERSON_APPROVAL=yes",
        timeout=180,
    )
    try:
        assert result.returncode == 1, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("c2arm: the app refuses its settings (GET /api/health): ")
        assert "MIGRATION_WINDOWS: " in lines[0] and "TWO_PERSON_APPROVAL: 'yes' is not a boolean" in lines[0]
        assert not (state / "stack.json").exists() and not (state / "pids.json").exists()
    finally:
        down(state)


def test_a_state_dir_used_with_another_estate_is_refused_naming_reset(tmp_path: Path) -> None:
    from tests.e2e.cli.helpers import c2arm

    state = tmp_path / "s"
    realistic = ESTATE.parent / "realistic.yaml"
    try:
        first = c2arm("up", "--estate", str(ESTATE), "--state-dir", str(state), timeout=180)
        assert first.returncode == 0, first.stderr
        assert c2arm("down", "--state-dir", str(state)).returncode == 0
        again = c2arm("up", "--estate", str(ESTATE), "--state-dir", str(state), timeout=180)
        assert again.returncode == 0, again.stderr  # the same estate resumes as before
        c2arm("down", "--state-dir", str(state))
        other = c2arm("up", "--estate", str(realistic), "--state-dir", str(state), timeout=180)
        assert other.returncode == 2 and not (state / "pids.json").exists()
        [line] = other.stderr.strip().splitlines()
        assert line.startswith(f"c2arm: --estate {realistic}: ") and "another subscription" in line
        assert "add --reset" in line and str(ESTATE) in line
        edited = tmp_path / "small-edited.yaml"
        edited.write_text(ESTATE.read_text().replace("vnet-small", "vnet-renamed"))
        changed = c2arm("up", "--estate", str(edited), "--state-dir", str(state), timeout=180)
        assert changed.returncode == 2 and "another estate" in changed.stderr
        reset = c2arm("up", "--estate", str(realistic), "--state-dir", str(state), "--reset", timeout=180)
        assert reset.returncode == 0, reset.stderr
        stack = json.loads((state / "stack.json").read_text())
        assert stack["subscriptionId"] == "00000000-0000-0000-0000-000000000002"
    finally:
        down(state)


def test_a_broken_estate_shows_the_emulators_own_error_not_an_old_log(tmp_path: Path) -> None:
    from tests.e2e.cli.helpers import c2arm

    state = tmp_path / "s"
    (state / "logs").mkdir(parents=True)
    (state / "logs" / "emulator.log").write_text("an old run's line that must not be shown\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "version: 1\nsubscriptionId: 00000000-0000-0000-0000-000000000009\n"
        "virtualNetworks:\n  - name: v1\n    addressSpace: nope\n"
    )
    result = c2arm("up", "--estate", str(broken), "--state-dir", str(state), timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("c2arm: the emulator refuses its input: ")
    assert "virtualNetworks[0].addressSpace: expected a list, got a string" in line
    assert "old run" not in line and not (state / "pids.json").exists()
