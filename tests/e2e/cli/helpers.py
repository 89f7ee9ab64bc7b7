"""Run `c2arm` as a user does (a real subprocess, with its own environment and working folder), and
wait for a unit's phase through the operator's own API client."""

from __future__ import annotations

import os
import subprocess
import sys
import time
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


def start_wave_plan(state_dir: Path, prefix: str, unit: str) -> tuple[str, subprocess.CompletedProcess[str]]:
    """`c2arm migrate` of one unit of the realistic estate as a per-wave plan (a fresh id starting
    with `prefix`); (the plan id, the finished command), which succeeded."""
    plan_id = f"{prefix}-{time.time_ns() % 10**8}"
    estate = str(REPO_ROOT / "examples" / "estates" / "realistic.yaml")
    sd = ["--state-dir", str(state_dir)]
    started = c2arm(
        "migrate", "--estate", estate, "--units", unit, "--approval", "perWave", "--plan-id", plan_id, *sd
    )
    assert started.returncode == 0, started.stderr
    return plan_id, started
