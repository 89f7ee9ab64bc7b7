"""Run `c2arm` as a user does (a real subprocess, with its own environment and working folder), and
wait for a unit's phase through the operator's own API client."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from cli.api_client import ApiClient, ApiError
from tests.polling import wait_for

REPO_ROOT = Path(__file__).resolve().parents[3]


def c2arm(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`python -m cli ARGS` (what the console script runs); no key or principal leaks in from outside."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("C2ARM_")}
    base.update({"COLUMNS": "200", "NO_COLOR": "1", "PYTHONPATH": str(REPO_ROOT)})
    base.update(env or {})
    argv = [sys.executable, "-m", "cli", *args]
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, cwd=cwd or REPO_ROOT, env=base
    )


def wait_for_phase(
    state_dir: Path, instance_id: str, phases: set[str], timeout: float = 90
) -> dict[str, Any]:
    """Poll the unit's status (the stack in `state_dir`) until its phase is one of `phases`."""
    with ApiClient.resolve(None, state_dir) as client:

        def status() -> dict[str, Any]:
            try:
                return client.migration(instance_id)
            except ApiError as exc:  # not created yet (queue intake): 404
                return {"error": str(exc)}

        return wait_for(
            status,
            timeout,
            f"{instance_id} in {sorted(phases)}",
            interval=0.25,
            until=lambda last: last.get("phase") in phases,
        )
