"""Start the emulator (`python -m emulator`) as a background process and wait until it answers.

Used by `c2arm up` and by the test fixtures, so tests run what operators run. The CLI starts the
emulator as a process; it never imports it (tests/unit/test_boundaries.py).
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from cli.stack.processes import (
    LOOPBACK,
    BackgroundProcess,
    ProcessExited,
    StackInputError,
    free_port,
    start_listening,
)

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
REPO_ROOT = Path(__file__).resolve().parents[2]
_SUBSCRIPTION = re.compile(r"(?:^|[{,\s])\"?subscriptionId\"?\s*:\s*[\"']?([0-9a-fA-F-]{36})")


@dataclass
class Emulator:
    process: BackgroundProcess
    port: int
    url: str  # https://127.0.0.1:PORT
    ca_file: Path
    admin_token: str
    state_dir: Path
    subscription_id: str

    @property
    def management_cert(self) -> tuple[Path, Path]:
        """(certificate, key) of a management certificate the emulator accepts (TLS client auth)."""
        return self.state_dir / "management-cert.pem", self.state_dir / "management-key.pem"

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM the emulator's group (it saves its state on SIGTERM) and wait until it is gone."""
        self.process.stop(timeout)


def estate_subscription(estate: Path) -> str:
    """The estate's `subscriptionId`, read cheaply (the emulator validates the whole file at start).

    A file that cannot be read, is not UTF-8 or is not YAML/JSON is a `StackError` naming it, so
    `c2arm up` refuses it in one line before anything starts.
    """
    try:
        text = estate.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise StackInputError(
            f"--estate {estate}: not UTF-8 text: byte 0x{exc.object[exc.start]:02x} at offset {exc.start}"
        ) from None
    except OSError as exc:
        raise StackInputError(f"--estate {estate}: cannot read it: {exc.strerror or exc}") from None
    match = _SUBSCRIPTION.search(text)
    if match:
        return match.group(1)
    try:
        data = json.loads(text) if estate.suffix.lower() == ".json" else yaml.load(text, Loader=_LOADER)  # noqa: S506
    except (ValueError, yaml.YAMLError) as exc:
        raise StackInputError(f"--estate {estate}: not valid YAML/JSON: {str(exc).splitlines()[0]}") from None
    subscription = data.get("subscriptionId") if isinstance(data, dict) else None
    if isinstance(subscription, str) and subscription:
        return subscription
    raise StackInputError(f"--estate {estate}: no subscriptionId")


def start_emulator(
    estate: Path,
    state_dir: Path,
    log_path: Path,
    *,
    port: int | None = None,
    faults: Path | None = None,
    time_scale: float = 1.0,
    start_time: str | None = None,
    reset: bool = False,
) -> Emulator:
    """Start the emulator on 127.0.0.1 and return once it accepts connections."""
    port = port or free_port()
    state_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable,
        "-m",
        "emulator",
        "--estate",
        str(estate),
        "--port",
        str(port),
        "--state-dir",
        str(state_dir),
        "--time-scale",
        str(time_scale),
    ]
    if faults is not None:
        argv += ["--faults", str(faults)]
    if start_time is not None:
        argv += ["--start-time", start_time]
    if reset:
        argv.append("--reset")
    try:
        proc = start_listening("emulator", argv, log_path, (port,), timeout=30.0, cwd=REPO_ROOT)
    except ProcessExited as exited:
        if exited.returncode == 2:  # the emulator refused its input: its own words, on one line
            said = "; ".join(line.strip() for line in exited.output.splitlines() if line.strip())
            said = said.replace(":; ", ": ")
            raise StackInputError(f"the emulator refuses its input: {said}") from None
        raise
    token_path = state_dir / "admin-token"
    deadline = time.monotonic() + 5
    while not token_path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return Emulator(
        process=proc,
        port=port,
        url=f"https://{LOOPBACK}:{port}",
        ca_file=state_dir / "ca.pem",
        admin_token=token_path.read_text().strip(),
        state_dir=state_dir,
        subscription_id=estate_subscription(estate),
    )
