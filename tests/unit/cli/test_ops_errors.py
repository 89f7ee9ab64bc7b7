"""Bad flags, bad input and an unreachable app: one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from cli.stack.processes import free_port
from tests.e2e.cli.helpers import REPO_ROOT, c2arm

SUB = "00000000-0000-0000-0000-000000000001"
REALISTIC = REPO_ROOT / "examples" / "estates" / "realistic.yaml"


def in_process(*args: str):
    """The same command in this process (typer's runner): for the many argument-level checks."""
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
        result.exception
    )
    return result


def no_traceback(result) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


def test_submit_needs_a_unit_or_a_file(tmp_path: Path) -> None:
    result = c2arm("submit", "--state-dir", str(tmp_path))
    assert result.returncode == 2
    assert "--kind and --name required" in result.stderr
    no_traceback(result)


def test_submit_names_a_bad_kind(tmp_path: Path) -> None:
    result = in_process(
        "submit",
        "--kind",
        "virtualMachine",
        "--name",
        "x",
        "--subscription",
        "s",
        "--state-dir",
        str(tmp_path),
    )
    assert result.exit_code == 2
    assert "--kind: 'virtualMachine' is not one of virtualNetwork, cloudService" in result.stderr


def test_submit_refuses_file_and_flags_together(tmp_path: Path) -> None:
    result = in_process("submit", "--file", "x.json", "--kind", "cloudService", "--state-dir", str(tmp_path))
    assert result.exit_code == 2
    assert "either --file or --kind/--name" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{unclosed: [", "neither JSON nor YAML"),
        ("[1, 2]", "must hold a request object"),
    ],
)
def test_submit_file_problems_are_named(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "requests.yaml"
    if content is not None:
        path.write_text(content)
    result = in_process("submit", "--file", str(path), "--state-dir", str(tmp_path))
    assert result.exit_code == 2
    assert "--file: " in result.stderr and message in result.stderr


def test_queue_submission_checks_every_request_before_sending(tmp_path: Path) -> None:
    path = tmp_path / "requests.json"
    path.write_text(
        json.dumps(
            [
                {
                    "requestId": "ok-1",
                    "subscriptionId": "00000000-0000-0000-0000-000000000001",
                    "unit": {"kind": "storageAccount", "name": "st1"},
                },
                {
                    "requestId": "bad one!",
                    "subscriptionId": "00000000-0000-0000-0000-000000000001",
                    "unit": {"kind": "storageAccount", "name": "st2"},
                    "dryrun": True,
                },
            ]
        )
    )
    # the connection string points nowhere: nothing may be sent when a request is bad
    result = c2arm(
        "submit", "--file", str(path), "--via", "queue", "--connection-string", "UseDevelopmentStorage=true"
    )
    assert result.returncode == 2
    assert "request 1 (bad one!)" in result.stderr
    assert "requestId" in result.stderr and "dryrun" in result.stderr
    assert "ok-1" not in result.stdout


def test_without_a_stack_the_commands_say_how_to_start_one(tmp_path: Path) -> None:
    result = c2arm("status", "--state-dir", str(tmp_path / "none"))
    assert result.returncode == 1
    assert "no local stack" in result.stderr and "c2arm up --estate FILE" in result.stderr
    no_traceback(result)
    for args in (["approve", "x"], ["report", "x"], ["submit", "--kind", "storageAccount", "--name", "s"]):
        result = in_process(*args, "--state-dir", str(tmp_path / "none"))
        assert result.exit_code == 1, args
        assert "no local stack" in result.stderr


def test_a_broken_stack_json_is_reported(tmp_path: Path) -> None:
    (tmp_path / "stack.json").write_text('{"appUrl": "http://127.0.0.1:1"}')
    result = in_process("status", "--state-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "lacks functionKey" in result.stderr


def test_an_unreachable_app_fails_clearly(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    stack = {"appUrl": f"http://127.0.0.1:{port}", "functionKey": "k" * 20, "subscriptionId": SUB}
    (tmp_path / "stack.json").write_text(json.dumps(stack))
    commands = [
        ["status"],
        ["status", "some-id", "--watch"],
        ["approve", "x", "--as", "a@b"],
        ["submit", "--kind", "storageAccount", "--name", "s"],
        ["report", "x", "--html"],
    ]
    for args in commands[:2]:  # as a user runs them
        result = c2arm(*args, "--state-dir", str(tmp_path))
        assert result.returncode == 1, args
        assert f"cannot reach the c2arm app at http://127.0.0.1:{port}" in result.stderr, args
        assert "k" * 20 not in result.stderr + result.stdout  # the key is never printed
        no_traceback(result)
    for args in commands[2:]:
        result = in_process(*args, "--state-dir", str(tmp_path))
        assert result.exit_code == 1, args
        assert f"cannot reach the c2arm app at http://127.0.0.1:{port}" in result.stderr, args
        assert "k" * 20 not in result.stderr + result.stdout


def test_app_flag_needs_a_key_and_a_url() -> None:
    result = c2arm("status", "--app", "http://127.0.0.1:9")
    assert result.returncode == 2 and "C2ARM_KEY" in result.stderr
    result = c2arm("status", "--app", "not a url", env={"C2ARM_KEY": "k"})
    assert result.returncode == 2 and "is not an http(s) URL" in result.stderr


def test_principal_flag_is_refused_for_a_remote_app() -> None:
    # refused before any request is sent: --as would be stripped by App Service authentication anyway
    result = c2arm(
        "approve", "x", "--as", "me@contoso.com", "--app", "https://c2arm.example.net", env={"C2ARM_KEY": "k"}
    )
    assert result.returncode == 2
    assert "--as works only against the local stack" in result.stderr


def test_migrate_checks_the_estate_and_its_units(tmp_path: Path) -> None:
    result = in_process("migrate", "--estate", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2 and "No such file" in result.stderr
    result = in_process(
        "migrate", "--estate", str(REALISTIC), "--units", "virtualNetwork/nope", "--state-dir", str(tmp_path)
    )
    assert result.exit_code == 2
    assert (
        "virtualNetwork/nope not a unit of" in result.stderr and "virtualNetwork/vnet-prod" in result.stderr
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nsubscriptionId: nope\nvirtualNetworks: [{name: v, addresSpace: []}]\n")
    result = in_process("migrate", "--estate", str(bad))
    assert result.exit_code == 2 and "subscriptionId" in result.stderr and "addresSpace" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["migrate", "--estate", str(REALISTIC), "--approval", "sometimes"], "--approval"),
        (["migrate", "--estate", str(REALISTIC), "--concurrency", "0"], "--concurrency"),
        (["submit", "--via", "carrier-pigeon"], "--via"),
        (["status", "--interval", "0"], "--interval"),
        (["approve"], "Missing argument"),
    ],
)
def test_bad_flags_exit_2_naming_the_flag(args: list[str], message: str) -> None:
    result = in_process(*args)
    assert result.exit_code == 2
    assert message in result.stderr
