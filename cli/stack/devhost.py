"""The devhost (local Functions + Durable host) as a background process.

Started as `python -m devhost` (never imported: the app and the stand-ins stay apart). Ready when
`GET /admin/host/status` answers 200 with the master key. Restartable on the same state and keys
files (crash tests SIGKILL `process` and start again).
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cli.stack.processes import (
    LOOPBACK,
    BackgroundProcess,
    ProcessExited,
    StackError,
    free_port,
    start_listening,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class DevHost:
    process: BackgroundProcess
    port: int
    url: str  # origin, no /api
    master_key: str
    function_key: str
    keys_file: Path
    state_file: Path


def _read_keys(path: Path) -> tuple[str, str]:
    data = json.loads(path.read_text())
    return data["master"], next(iter(data["functions"].values()))


def _healthy(url: str, master_key: str) -> bool:
    request = urllib.request.Request(  # noqa: S310 - loopback http only
        f"{url}/admin/host/status", headers={"x-functions-key": master_key}
    )
    try:  # loopback http only
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_devhost(
    app_dir: Path,
    log_path: Path,
    *,
    port: int | None = None,
    state: Path | None = None,
    keys: Path | None = None,
    time_scale: float = 1.0,
    start_time: str | None = None,
    env: dict[str, str] | None = None,
    auth: bool = True,
) -> DevHost:
    """Start `python -m devhost` for `app_dir` and wait until it is healthy."""
    app_dir = app_dir.resolve()
    port = port or free_port()
    state = (state or app_dir / ".devhost" / "state.db").resolve()
    keys = (keys or app_dir / ".devhost" / "keys.json").resolve()
    argv = [
        sys.executable,
        "-m",
        "devhost",
        "--app",
        str(app_dir),
        "--port",
        str(port),
        "--state",
        str(state),
        "--keys",
        str(keys),
        "--time-scale",
        repr(float(time_scale)),
    ]
    if start_time:
        argv += ["--start-time", start_time]
    if not auth:
        argv.append("--no-auth")
    child_env = {**os.environ, **(env or {})}
    child_env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), child_env.get("PYTHONPATH")) if p)
    proc = start_listening("devhost", argv, log_path, (port,), timeout=60, env=child_env, cwd=REPO_ROOT)
    url = f"http://{LOOPBACK}:{port}"
    master, function = _read_keys(keys)
    deadline = time.monotonic() + 30
    while not _healthy(url, master):
        if not proc.alive():
            raise ProcessExited(proc)
        if time.monotonic() > deadline:
            proc.stop()
            raise StackError(f"devhost on {url} did not become healthy:\n{proc.log_tail()}")
        time.sleep(0.05)
    return DevHost(proc, port, url, master, function, keys, state)
