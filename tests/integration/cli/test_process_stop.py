"""Stopping a background process group (`cli.stack.processes`): the whole group, promptly, for real.

Real processes: a leader that starts a child in its own group. Stopping must not wait on a
zombie leader (it is reaped), must not return while a child is still shutting down (it could
still hold a port or write state), and must SIGKILL a child that ignores SIGTERM.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from cli.stack.processes import (
    BackgroundProcess,
    ProcessExited,
    free_port,
    port_in_use,
    start_listening,
    start_process,
    stop_pid,
)

# The child: listens on a loopback port, writes its pid and port to `ready`; on SIGTERM it takes a
# moment to shut down and then writes `done` (mode "slow"), or it ignores SIGTERM (mode "deaf").
CHILD = """
import os, signal, socket, sys, time
mode, ready, done = sys.argv[1:4]
sock = socket.socket(); sock.bind(("127.0.0.1", 0)); sock.listen()
def on_term(*_):
    time.sleep(0.3)  # a slow, orderly shutdown (saving state)
    open(done, "w").write("saved")
    sys.exit(0)
signal.signal(signal.SIGTERM, on_term if mode == "slow" else signal.SIG_IGN)
open(ready + ".tmp", "w").write(f"{os.getpid()} {sock.getsockname()[1]}")
os.replace(ready + ".tmp", ready)
while True:
    time.sleep(1)
"""

# The leader: starts the child (same process group) and exits at once on SIGTERM.
LEADER = """
import signal, subprocess, sys, time
subprocess.Popen([sys.executable, "-c", sys.argv[1], *sys.argv[2:]])
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    time.sleep(1)
"""

LONE_LEADER = """
import os, signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
open(sys.argv[1] + ".tmp", "w").write(f"{os.getpid()} 0")
os.replace(sys.argv[1] + ".tmp", sys.argv[1])  # whole or absent: the test reads it once it exists
while True:
    time.sleep(1)
"""


def _start(tmp_path: Path, mode: str | None) -> tuple[BackgroundProcess, int | None, int | None]:
    """A leader (with a child of `mode`, or none); (process, child pid, child port) once ready."""
    ready, done = tmp_path / "ready", tmp_path / "done"
    argv = [sys.executable, "-c", LEADER, CHILD, str(mode), str(ready), str(done)]
    if mode is None:
        argv = [sys.executable, "-c", LONE_LEADER, str(ready)]
    proc = start_process("leader", argv, tmp_path / "leader.log")
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert proc.alive() and time.monotonic() < deadline, proc.log_tail()
        time.sleep(0.02)
    pid, port = (int(x) for x in ready.read_text().split())
    return proc, (pid if mode else None), (port if mode else None)


def _exists(pid: int) -> bool:
    """True while `pid` is a live process (a zombie holds nothing and does not count)."""
    try:
        os.kill(pid, 0)
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (ProcessLookupError, FileNotFoundError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_an_exited_leader_is_reaped_not_waited_for(tmp_path: Path) -> None:
    proc, _, _ = _start(tmp_path, None)
    # True = ended within the grace period without SIGKILL. Before the fix the unreaped (zombie)
    # leader kept its group "alive" for the whole timeout, and stop ended with a SIGKILL.
    assert proc.stop(timeout=30) is True
    assert proc.popen.returncode == 0


def test_stop_waits_for_the_whole_group_not_just_the_leader(tmp_path: Path) -> None:
    proc, child, port = _start(tmp_path, "slow")
    assert port_in_use(port)
    assert proc.stop(timeout=30) is True
    # the leader exited at once; the child was still saving: stop returned only after it finished
    assert (tmp_path / "done").read_text() == "saved"
    assert not _exists(child) and not port_in_use(port)


def test_a_member_ignoring_sigterm_is_killed_after_the_grace_period(tmp_path: Path) -> None:
    proc, child, port = _start(tmp_path, "deaf")
    assert proc.stop(timeout=0.5) is False  # had to SIGKILL the rest of the group
    assert not _exists(child) and not port_in_use(port)
    assert not proc.alive()


def test_stop_pid_from_a_pid_alone_and_of_a_group_already_gone(tmp_path: Path) -> None:
    proc, child, port = _start(tmp_path, "slow")
    assert stop_pid(proc.pid, 30) is True  # how `c2arm down` stops a stack: pids.json only
    assert not _exists(child) and not port_in_use(port) and not proc.alive()
    assert stop_pid(proc.pid, 30) is True  # nothing left: nothing to do


def test_kill_leaves_no_member(tmp_path: Path) -> None:
    proc, child, port = _start(tmp_path, "deaf")
    proc.kill()
    assert not _exists(child) and not port_in_use(port) and not proc.alive()
    assert not (tmp_path / "done").exists()


def test_a_zero_grace_period_still_ends_the_group(tmp_path: Path) -> None:
    proc, child, _ = _start(tmp_path, "slow")
    proc.stop(timeout=0)
    assert not _exists(child) and not proc.alive()


def test_a_process_ending_before_it_listens_is_reported_with_its_exit_code_and_words(
    tmp_path: Path,
) -> None:
    argv = [sys.executable, "-c", "import sys; print('bad flag: --estate'); sys.exit(3)"]
    with pytest.raises(ProcessExited) as exited:
        start_listening("quitter", argv, tmp_path / "quitter.log", (free_port(),))
    assert exited.value.returncode == 3
    assert "bad flag: --estate" in exited.value.output
    assert str(exited.value).startswith("quitter exited with 3:")
