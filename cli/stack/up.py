"""`c2arm up` / `c2arm down`: the whole local stack in the background, described by `stack.json`.

Azurite (storage), the emulator (classic + ARM platform, HTTPS on loopback) and the devhost
(running this repository's `function_app.py`) start as background processes; the app reaches
the emulator through its ordinary settings (`ASM_ENDPOINT`, `ARM_ENDPOINT`, `AZURE_CA_BUNDLE`,
`ASM_AUTH=token` …), passed as environment variables so nothing is written into the repository.
`DIR/stack.json` (**contract**) tells clients and tests where everything is; `DIR/pids.json`
lets `c2arm down` stop exactly the processes `up` started.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cli.stack.azurite import start_azurite
from cli.stack.processes import (
    LOOPBACK,
    BackgroundProcess,
    StackError,
    StackInputError,
    free_port,
    group_alive,
    hand_over,
    port_in_use,
    stop_pid,
)
from connectors.app_settings import BY_NAME, read_setting

REPO_ROOT = Path(__file__).resolve().parents[2]
STACK_KEYS = (
    "appUrl",
    "functionKey",
    "masterKey",
    "keysFile",
    "emulatorUrl",
    "emulatorAdminToken",
    "caFile",
    "storageConnectionString",
    "subscriptionId",
)
# Any non-empty bearer token is accepted by the emulator; this one only ever goes there.
LOCAL_ASM_TOKEN = "c2arm-local-emulator-token"  # noqa: S105 - not a secret: the emulator accepts any token


@dataclass
class StackOptions:
    estate: Path
    state_dir: Path = Path(".c2arm")
    settings: dict[str, str] = field(default_factory=dict)
    time_scale: float = 1.0
    start_time: str | None = None
    faults: Path | None = None
    app_port: int | None = None
    reset: bool = False
    app_dir: Path = REPO_ROOT


def parse_settings(pairs: list[str]) -> dict[str, str]:
    """`KEY=VALUE` texts (from `--setting`) as a dict; a clear error for anything else."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise StackInputError(f"--setting {pair!r}: expected KEY=VALUE")
        out[key.strip()] = value
    return out


# host settings c2arm does not read but the Functions host does (disable one function locally)
_HOST_SETTING = re.compile(r"AzureWebJobs\.[A-Za-z0-9_]+\.Disabled")


def check_setting_names(settings: dict[str, str]) -> None:
    """StackError for a `--setting` key the app never reads (a typo would be silently ignored)."""
    for key in settings:
        if key in BY_NAME or _HOST_SETTING.fullmatch(key):
            continue
        by_upper = {name.upper(): name for name in BY_NAME}
        close = difflib.get_close_matches(key.upper(), list(by_upper), n=1, cutoff=0.75)
        hint = f": did you mean {by_upper[close[0]]}?" if close else " (the settings: docs/operations.md)"
        raise StackInputError(f"--setting {key}: not an app setting c2arm reads{hint}")


def _check_port(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            raise StackError(
                f"port {port} on {LOOPBACK} is already taken: choose another with --app-port"
            ) from None


def _stack_pids(state_dir: Path) -> dict[str, int]:
    """The process groups `up` recorded for `state_dir` ({} when none or unreadable)."""
    try:
        return {str(k): int(v) for k, v in json.loads((state_dir / "pids.json").read_text()).items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def _recover_crashed(state_dir: Path) -> int | None:
    """Make way for `up` on a state dir whose stack partly died; the app port to keep, if known.

    All processes alive → StackError (a running stack is not started twice). Some dead (a crash,
    a killed process, a reboot) → the survivors are stopped (they would keep stale ports and
    half a stack) and `up` starts the whole stack again on the same state: Azurite's data, the
    emulator's platform and the devhost's durable store all live in `state_dir`, so unfinished
    migrations carry on, and the app keeps its port so links already handed out still work.
    """
    pids = _stack_pids(state_dir)
    if not pids:
        return None
    alive = {name: pid for name, pid in pids.items() if group_alive(pid)}
    if alive and len(alive) == len(pids):
        raise StackError(
            f"a stack is already running from {state_dir}: run `c2arm down --state-dir {state_dir}`"
        )
    for name in ("devhost", "emulator", "azurite"):  # the app first, its dependencies last
        if name in alive:
            stop_pid(alive[name])
    (state_dir / "pids.json").unlink(missing_ok=True)
    try:
        return int(json.loads((state_dir / "devhost.json").read_text())["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


ESTATE_RECORD = "estate.json"  # which estate (file, digest, subscription) the emulator's state came from


def _estate_record(estate: Path, subscription: str) -> dict[str, str]:
    return {
        "estate": str(estate),
        "sha256": hashlib.sha256(estate.read_bytes()).hexdigest(),
        "subscriptionId": subscription,
    }


def check_same_estate(state_dir: Path, record: dict[str, str], reset: bool) -> None:
    """StackInputError when the emulator's kept state came from another estate or subscription.

    Without `--reset` the emulator resumes its saved platform and ignores the estate file, so a
    new estate would silently not be served (and a submit for its subscription would fail far
    from the cause). Editing the file counts as another estate too.
    """
    path = state_dir / ESTATE_RECORD
    if reset or not path.exists() or not (state_dir / "emulator" / "state.json").exists():
        return
    try:
        old = json.loads(path.read_text())
    except ValueError:
        return
    if old.get("sha256") == record["sha256"] and old.get("subscriptionId") == record["subscriptionId"]:
        return
    other_subscription = old.get("subscriptionId") != record["subscriptionId"]
    what = "another subscription" if other_subscription else "another estate"
    raise StackInputError(
        f"--estate {record['estate']}: {state_dir} holds the platform of {what} ({old.get('estate')}, "
        f"subscription {old.get('subscriptionId')}), which the emulator would keep serving: add --reset to "
        f"start it over from {record['estate']}, or use another --state-dir"
    )


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by the owner only, from the first byte on.

    The file is created 0600 under a temporary name and renamed over `path`: there is never a
    moment (nor a crash) in which the secret sits in a world-readable file, whatever the umask,
    and a reader never sees half a file.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _review_secret(state_dir: Path) -> str:
    """A per-stack anti-forgery key for the review page, kept (0600) so restarts honour old pages."""
    path = state_dir / "review-token-secret"
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(32)
    write_private(path, value)
    return value


def app_environment(
    opts: StackOptions, storage: str, emulator_url: str, ca_file: str, app_url: str
) -> dict[str, str]:
    """The app settings of the local stack (user `--setting`s win)."""
    env = {
        "AzureWebJobsStorage": storage,
        "ASM_ENDPOINT": emulator_url,
        "ARM_ENDPOINT": emulator_url,
        "AZURE_CA_BUNDLE": ca_file,
        "ASM_AUTH": "token",
        "AZURE_ACCESS_TOKEN": LOCAL_ASM_TOKEN,
        "REVIEW_TOKEN_SECRET": _review_secret(opts.state_dir),
        "PUBLIC_BASE_URL": app_url,
        "APPROVERS": "approver@contoso.com",
        # the timer trigger's schedule is read as %MIGRATION_SCHEDULE%: the host needs it set
        "MIGRATION_SCHEDULE": read_setting("MIGRATION_SCHEDULE", {}),
    }
    env.update(opts.settings)
    return env


def ensure_storage(connection_string: str) -> None:
    """Create the app's queues, blob containers and audit table (idempotent: existing ones stay).

    Done by `up` before the app starts, so a user's first queue message or `c2arm submit` on a
    fresh Azurite finds everything (the queue trigger polls `migration-requests` from the start,
    and a producer's send to a missing queue would fail).
    """
    from azure.core.exceptions import AzureError

    from connectors.storage import Storage

    store = Storage.from_env({"AzureWebJobsStorage": connection_string})
    try:
        store.ensure()
    except AzureError as exc:
        raise StackError(f"Azurite: cannot create the app's queues, containers and table: {exc}") from None
    finally:
        for client in (store.blob, store.queue, store.table):
            client.close()


def _write_private(path: Path, document: Any) -> None:
    """Write JSON readable by the owner only (it holds app settings, some of them secret)."""
    write_private(path, json.dumps(document, indent=2))


def _start_app(state_dir: Path, launch: dict[str, Any]) -> Any:
    """Start the devhost with the stack's launch parameters (same port, state, keys, settings)."""
    from cli.stack.devhost import start_devhost

    host_dir = state_dir / "devhost"
    return start_devhost(
        Path(launch["appDir"]),
        state_dir / "logs" / "devhost.log",
        port=int(launch["port"]),
        state=host_dir / "state.db",
        keys=host_dir / "keys.json",
        time_scale=float(launch["timeScale"]),
        start_time=launch.get("startTime"),
        env=dict(launch["env"]),
    )


def restart_app(state_dir: Path, *, crash: bool = False) -> int:
    """Stop the stack's devhost (SIGKILL when `crash`) and start it again on the same state.

    Durable state lives in the devhost's store, so unfinished instances continue where they
    were; the crash tests use this to prove that. Returns the new process id.
    """
    state_dir = state_dir.resolve()
    pids: dict[str, int] = json.loads((state_dir / "pids.json").read_text())
    launch = json.loads((state_dir / "devhost.json").read_text())
    old = int(pids["devhost"])
    stop_pid(old, sig=signal.SIGKILL if crash else signal.SIGTERM)
    # a (virtual) clock that restarts must not go back: continue from now, scaled as before
    launch = {**launch, "startTime": None}
    host = _start_app(state_dir, launch)
    pids["devhost"] = hand_over(host.process)
    (state_dir / "pids.json").write_text(json.dumps(pids))
    return int(host.process.pid)


def app_health(app_url: str, timeout: float = 30) -> list[dict[str, str]]:
    """Wait for `GET /api/health`; the problems it names ([] when the app is healthy)."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            response = httpx.get(f"{app_url}/api/health", timeout=5)
            if response.status_code in (200, 503):
                return list(response.json().get("problems", []))
        except (httpx.HTTPError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise StackError(f"the app on {app_url} did not answer GET /api/health within {timeout:g} s")
        time.sleep(0.1)


def up(opts: StackOptions) -> dict[str, Any]:
    """Start the stack, wait until healthy, write `stack.json`; its content."""
    from cli.stack.emulator import estate_subscription, start_emulator  # the stand-ins' own launchers

    state_dir = opts.state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    if shutil.which("node") is None:
        raise StackError("Node.js is not installed: Azurite needs it (apt-get install nodejs npm).")
    estate = opts.estate.resolve()
    if not estate.is_file():
        raise StackInputError(f"--estate {opts.estate}: no such file")
    if opts.faults is not None and not opts.faults.is_file():
        raise StackInputError(f"--faults {opts.faults}: no such file")
    if opts.time_scale <= 0:
        raise StackInputError(f"--time-scale {opts.time_scale}: must be greater than 0")
    check_setting_names(opts.settings)
    subscription = estate_subscription(estate)
    record = _estate_record(estate, subscription)
    check_same_estate(state_dir, record, opts.reset)
    kept_port = _recover_crashed(state_dir)
    if kept_port and port_in_use(kept_port):  # taken meanwhile: a new port beats refusing to start
        kept_port = None
    app_port = opts.app_port or kept_port or free_port()
    if opts.app_port:
        _check_port(app_port)
    started: list[BackgroundProcess] = []
    try:
        azurite = start_azurite(REPO_ROOT, state_dir / "azurite", state_dir / "logs" / "azurite.log")
        started.append(azurite.process)
        ensure_storage(azurite.connection_string)
        emulator = start_emulator(
            estate,
            state_dir / "emulator",
            state_dir / "logs" / "emulator.log",
            faults=opts.faults,
            time_scale=opts.time_scale,
            start_time=opts.start_time,
            reset=opts.reset,
        )
        started.append(emulator.process)
        app_url = f"http://{LOOPBACK}:{app_port}"
        env = app_environment(opts, azurite.connection_string, emulator.url, str(emulator.ca_file), app_url)
        launch = {
            "appDir": str(opts.app_dir.resolve()),
            "port": app_port,
            "timeScale": opts.time_scale,
            "startTime": opts.start_time,
            "env": env,
        }
        host = _start_app(state_dir, launch)
        started.append(host.process)
        problems = app_health(host.url)
        if problems:
            listed = "; ".join(f"{p['setting']}: {p['message']}" for p in problems)
            raise StackError(f"the app refuses its settings (GET /api/health): {listed}")
        _write_private(state_dir / "devhost.json", launch)
    except BaseException:
        for proc in reversed(started):
            proc.stop()
        raise
    stack = {
        "appUrl": host.url,
        "functionKey": host.function_key,
        "masterKey": host.master_key,
        "keysFile": str(host.keys_file),
        "emulatorUrl": emulator.url,
        "emulatorAdminToken": emulator.admin_token,
        "caFile": str(emulator.ca_file),
        "storageConnectionString": azurite.connection_string,
        "subscriptionId": subscription,
    }
    (state_dir / "pids.json").write_text(json.dumps({p.name: hand_over(p) for p in started}))
    (state_dir / ESTATE_RECORD).write_text(json.dumps(record, indent=2))
    _write_private(state_dir / "stack.json", stack)  # it holds the keys
    return stack


def down(state_dir: Path) -> list[str]:
    """Stop what `up` started from `state_dir`; the names of the processes stopped."""
    state_dir = state_dir.resolve()
    pids_file = state_dir / "pids.json"
    if not pids_file.exists():
        return []
    pids: dict[str, int] = json.loads(pids_file.read_text())
    for name in ("devhost", "emulator", "azurite"):  # the app first, its dependencies last
        if name in pids:
            stop_pid(int(pids[name]))
    pids_file.unlink()
    (state_dir / "stack.json").unlink(missing_ok=True)
    (state_dir / "devhost.json").unlink(missing_ok=True)
    return list(pids)
