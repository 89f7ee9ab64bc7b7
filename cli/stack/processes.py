"""Free loopback ports, background processes and readiness checks."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"


class StackError(RuntimeError):
    """A local-stack process could not be started or did not become ready."""


class StackInputError(StackError):
    """A bad flag or input file of `c2arm up` (exit 2, like every bad input), found before anything starts."""


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
    log_offset: int = 0  # the log's size when this process started: earlier runs' lines are not its

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log_tail(self, lines: int = 40) -> str:
        """The last `lines` lines this process wrote (never those of an earlier run in the same log)."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self.log_offset)
                text = log.read().decode(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 10.0) -> bool:
        """SIGTERM the process group, reap the leader, wait until no member is left, SIGKILL the rest.

        True when the group ended by itself within `timeout`. Returns once the whole group is
        gone, not just its leader: a member that outlives the leader (a worker, a node child)
        could still hold a port or write state.
        """
        return stop_pid(self.popen.pid, timeout, reap=self.popen.poll)

    def kill(self) -> None:
        """SIGKILL the whole process group at once (crash tests); returns once no member is left."""
        stop_pid(self.popen.pid, 10.0, sig=signal.SIGKILL, reap=self.popen.poll)


def start_process(
    name: str, argv: list[str], log_path: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> BackgroundProcess:
    """Start `argv` detached in a new session, stdout and stderr appended to `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child, closed below
    offset = log.seek(0, os.SEEK_END)
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
    return BackgroundProcess(name=name, popen=popen, log_path=log_path, log_offset=offset)


class ProcessExited(StackError):
    """A started process ended before it was ready: its exit code and the last lines it wrote."""

    def __init__(self, proc: BackgroundProcess) -> None:
        self.returncode = proc.popen.returncode
        self.output = proc.log_tail()
        super().__init__(f"{proc.name} exited with {self.returncode}:\n{self.output}")


def start_listening(
    name: str,
    argv: list[str],
    log_path: Path,
    ports: Iterable[int],
    *,
    timeout: float = 30.0,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> BackgroundProcess:
    """Start `argv` (as `start_process`) and return once it listens on each of `ports`
    (`ProcessExited` if it ends first; stopped and a `StackError` after `timeout` s a port)."""
    proc = start_process(name, argv, log_path, env, cwd)
    for port in ports:
        wait_for_port(proc, port, timeout)
    return proc


def wait_for_port(proc: BackgroundProcess, port: int, timeout: float = 30.0) -> None:
    """Wait until `port` accepts connections, failing early when the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_in_use(port):
            return
        if not proc.alive():
            raise ProcessExited(proc)
        time.sleep(0.05)
    proc.stop()
    raise StackError(
        f"{proc.name} did not listen on {LOOPBACK}:{port} within {timeout:.0f} s:\n{proc.log_tail()}"
    )


# Processes handed over by pid (to `pids.json`, for `c2arm down` or a later `stop_pid`): their
# Popen is kept until `stop_pid` has stopped them, so it is neither collected while the process
# runs (Python warns of a child dropped unreaped) nor left unaware that its process exited.
_handed_over: dict[int, subprocess.Popen[bytes]] = {}


def hand_over(proc: BackgroundProcess) -> int:
    """Keep `proc` until `stop_pid(pid)` stops it, for code that knows only its pid; the pid."""
    _handed_over[proc.pid] = proc.popen
    return proc.pid


def _reap_any(pid: int) -> None:
    """Reap `pid` if it is an exited child of this process (else nothing to do)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _reaper(pgid: int, reap: Callable[[], object] | None) -> Callable[[], object]:
    """How to reap the group's leader: the caller's (its Popen's `poll`), the Popen of a process
    handed over, else `waitpid`."""
    if reap is not None:
        return reap
    handed = _handed_over.get(pgid)
    return handed.poll if handed is not None else lambda: _reap_any(pgid)


def _live_members(pgid: int) -> int:
    """How many processes of group `pgid` are alive (zombies do not count: they hold nothing; a
    zombie leader with threads still running does).

    Reads /proc; where there is none, falls back to signal 0 on the group (which a zombie answers).
    """
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return 0
        return 1
    count = 0
    for entry in os.scandir(proc):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "(comm)": state, ppid, pgrp, …, num_threads
        # a leader whose main thread has exited shows Z while its other threads still run (and
        # may still write state): it is a member until its last thread is gone
        exited = fields[0] in ("Z", "X") and int(fields[17]) <= 1
        if int(fields[2]) == pgid and not exited:
            count += 1
    return count


def group_alive(pgid: int, reap: Callable[[], object] | None = None) -> bool:
    """True while a live process is left in group `pgid`, reaping its leader once it has exited.

    Without the reaping, an exited leader that is our own child stays a zombie member of the
    group until its parent waits for it, and every poll of the group would say "alive".
    """
    _reaper(pgid, reap)()
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # not ours (any more): treat as still there
        return True
    return _live_members(pgid) > 0


def wait_group(pgid: int, timeout: float, reap: Callable[[], object] | None = None) -> bool:
    """Wait up to `timeout` s for group `pgid` to be empty; True when it is."""
    deadline = time.monotonic() + timeout
    while group_alive(pgid, reap):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    _reaper(pgid, reap)()  # the leader may have died after the last reap: no zombie left behind
    return True


def stop_pid(
    pid: int, timeout: float = 10.0, *, sig: int = signal.SIGTERM, reap: Callable[[], object] | None = None
) -> bool:
    """Stop the process group led by `pid` (started by `start_process`), also from another process.

    Sends `sig` (SIGTERM: each member saves its state and exits) to the whole group, reaps the
    leader as soon as it exits (when it is our child; `reap` does it through its Popen), waits
    until no live member is left, and after `timeout` SIGKILLs whatever remains of the group and
    waits for that too. True when the group ended within `timeout` without SIGKILL.
    """
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        _reaper(pid, reap)()
        _handed_over.pop(pid, None)
        return True
    if wait_group(pid, timeout, reap):
        _handed_over.pop(pid, None)
        return True
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    if not wait_group(pid, 10.0, reap):
        raise StackError(f"process group {pid} is still alive 10 s after SIGKILL")
    _handed_over.pop(pid, None)
    return False
