"""Apps the devhost cannot run fail start-up with a clear message (and exit code 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli.stack.processes import free_port

HEADER = "import azure.functions as func\nimport azure.durable_functions as df\napp = df.DFApp()\n"
CASES = {
    "import error": ("x = 1 / 0\n", ["importing", "ZeroDivisionError"]),
    "route collision": (
        '@app.route(route="same")\ndef a(req): return None\n\n'
        '@app.route(route="same")\ndef b(req): return None\n',
        ["routes collide", "'a'", "'b'"],
    ),
    "reserved route": (
        '@app.route(route="admin/x")\ndef a(req): return None\n',
        ["reserved segment 'admin'"],
    ),
    "unknown trigger": (
        '@app.event_hub_message_trigger(arg_name="e", event_hub_name="h", connection="C")\ndef a(e): pass\n',
        ["trigger type 'eventHubTrigger' is not supported"],
    ),
    "unknown binding": (
        '@app.route(route="r")\n'
        '@app.blob_input(arg_name="b", path="c/b", connection="C")\ndef a(req, b): pass\n',
        ["function 'a': binding type 'blob' is not supported"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_clear_error_for_an_app_it_cannot_run(tmp_path: Path, case: str) -> None:
    code, expected = CASES[case]
    (tmp_path / "function_app.py").write_text(HEADER + code)
    result = subprocess.run(
        [sys.executable, "-m", "devhost", "--app", str(tmp_path), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[3],
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "cannot start" in output
    for fragment in expected:
        assert fragment in output
    assert "devhost ready" not in output


@pytest.mark.parametrize("content", ["[]", '{"extensions": {"durableTask": 5}}'])
def test_a_broken_host_json_in_the_app_folder_is_one_clean_message(tmp_path: Path, content: str) -> None:
    (tmp_path / "function_app.py").write_text(HEADER)
    (tmp_path / "host.json").write_text(content)
    result = subprocess.run(
        [sys.executable, "-m", "devhost", "--app", str(tmp_path), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert f"cannot start: {tmp_path / 'host.json'}" in output or "cannot start: host.json" in output
    assert "Traceback" not in output


def test_bad_command_line_names_the_option(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "devhost", "--app", str(tmp_path), "--port", "1", "--start-time", "noon"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert result.returncode == 2
    assert "--start-time" in result.stderr


def test_a_state_db_in_use_by_another_host_is_refused(tmp_path: Path) -> None:
    import fcntl

    from tests.integration.devhost.helpers import SAMPLE_APP

    state = tmp_path / "state.db"
    with open(tmp_path / "state.db.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running devhost holds it
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "devhost",
                "--app",
                str(SAMPLE_APP),
                "--port",
                str(free_port()),
                "--state",
                str(state),
                "--keys",
                str(tmp_path / "keys.json"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=Path(__file__).resolve().parents[3],
        )
    assert result.returncode == 2
    assert f"state db {state} is in use by another devhost" in result.stdout


def test_the_launcher_reports_an_app_that_cannot_start(tmp_path: Path) -> None:
    from cli.stack.devhost import start_devhost
    from cli.stack.processes import StackError

    (tmp_path / "function_app.py").write_text(HEADER + "raise RuntimeError('broken on purpose')\n")
    with pytest.raises(StackError, match="broken on purpose"):
        start_devhost(tmp_path, tmp_path / "devhost.log", state=tmp_path / "s.db", keys=tmp_path / "k.json")
