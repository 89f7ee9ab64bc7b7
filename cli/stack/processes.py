"""Free loopback ports, background processes and readiness checks."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"


class StackError(RuntimeError):
    """A local-stack process could not be started or did not become ready."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """True when something listens on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((LOOPBACK, port)) == 0


@dataclass
class BackgroundProcess:
    """A child process in its own process group, its output going to a log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the process group, then SIGKILL whatever is left after `timeout`."""
        stop_pid(self.popen.pid, timeout)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=1)

    def kill(self) -> None:
        """SIGKILL the whole process group at once (crash tests)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)


def start_process(
    name: str, argv: list[str], log_path: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> BackgroundProcess:
    """Start `argv` detached in a new session, stdout and stderr appended to `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child, closed below
    try:
        popen = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    except FileNotFoundError as exc:
        raise StackError(f"{name}: cannot start {argv[0]!r}: {exc.strerror}") from exc
    finally:
        log.close()
    return BackgroundProcess(name=name, popen=popen, log_path=log_path)


def wait_for_port(proc: BackgroundProcess, port: int, timeout: float = 30.0) -> None:
    """Wait until `port` accepts connections, failing early when the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_in_use(port):
            return
        if not proc.alive():
            raise StackError(f"{proc.name} exited with {proc.popen.returncode}:\n{proc.log_tail()}")
        time.sleep(0.05)
    proc.stop()
    raise StackError(
        f"{proc.name} did not listen on {LOOPBACK}:{port} within {timeout:.0f} s:\n{proc.log_tail()}"
    )


def stop_pid(pid: int, timeout: float = 10.0) -> None:
    """Stop a process group started by `start_process` (also from another process, via its pid)."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
