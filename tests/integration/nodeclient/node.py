"""Run one call of Microsoft's classic Node clients (`asm_call.js`) against an emulator."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from cli.stack.emulator import Emulator

SCRIPT = Path(__file__).with_name("asm_call.js")


def node(emulator: Emulator, call: str, *args: Any) -> dict[str, Any]:
    """`{"result": …}` (the client's parsed answer) or `{"error": {statusCode, code, message}}`."""
    exe = shutil.which("node")
    assert exe, "node is not installed (make setup needs Node.js 20)"
    env = {
        **os.environ,
        "ASM_URL": emulator.url,
        "SUBSCRIPTION": emulator.subscription_id,
        "NODE_EXTRA_CA_CERTS": str(emulator.ca_file),
    }
    out = subprocess.run(
        [exe, str(SCRIPT), call, json.dumps(list(args))],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0 and out.stdout, (call, out.returncode, out.stderr[-2000:])
    return json.loads(out.stdout)


def calls() -> list[str]:
    """Every call the script knows."""
    exe = shutil.which("node") or "node"
    env = {
        **os.environ,
        "SUBSCRIPTION": "00000000-0000-0000-0000-000000000000",
        "ASM_URL": "https://127.0.0.1",
    }
    out = subprocess.run(
        [exe, str(SCRIPT), "--list"], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(out.stdout)
