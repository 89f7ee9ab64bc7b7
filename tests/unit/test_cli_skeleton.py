"""The `c2arm` console script as a user runs it: a real subprocess."""

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, timeout=60)


def test_version_prints_the_package_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == "c2arm 0.1.0"


def test_help_names_the_tool() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "classic deployment model" in result.stdout


def test_unknown_command_fails_with_a_message() -> None:
    result = run("no-such-command")
    assert result.returncode == 2
    assert "No such command" in result.stderr
