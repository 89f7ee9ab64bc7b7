"""Run `c2arm` as a user does: a real subprocess, with its own environment and working folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


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
