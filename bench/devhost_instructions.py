"""Devhost cost per activity in machine instructions: a figure other load on the machine cannot move.

The wall-time figures of bench/devhost.py swing by a factor of three on a shared 2-core machine;
CPU time by a third. This bench runs the same workload (chains of 10 no-op activities of the test
app) through the real engine, store and activity runner in-process (no HTTP), under valgrind's
callgrind with instrumentation switched on only around the measured chains, and prints the
instructions the whole host process (every thread) executed per activity. Needs valgrind
(`apt-get install valgrind`); without it the bench says so and prints nothing else.

Run: `.venv/bin/python bench/devhost_instructions.py [CHAINS]` (about a minute; default 20 chains).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "tests" / "devhost" / "sample_app"


async def chains(count: int) -> float:
    """Run one warm-up chain, then `count` chains with callgrind's instrumentation on; main-thread CPU s."""
    sys.path.insert(0, str(ROOT))
    from cli.stack.processes import free_port
    from devhost.host import DevHost, HostOptions
    from devhost.store import FINAL

    base = Path(tempfile.mkdtemp())
    os.environ["SAMPLE_STATE_DIR"] = str(base / "side")
    os.chdir(APP)
    host = DevHost(HostOptions(app_dir=APP, port=free_port(), state=base / "s.db", keys=base / "k.json"))
    await host.start()
    engine = host.engine

    async def chain(n: int) -> None:
        instance_id = await engine.start_new("noop_chain", f"chain-{n}", "10")
        while True:
            inst = engine.store.get_instance(instance_id)
            if inst is not None and inst["status"] in FINAL:
                assert inst["status"] == "Completed", inst
                return
            async with engine.changed:
                await engine.changed.wait()

    def instrument(state: str) -> None:
        subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], check=True, capture_output=True)

    try:
        await chain(-1)
        instrument("on")
        started = time.thread_time()
        for n in range(count):
            await chain(n)
        cpu = time.thread_time() - started
        instrument("off")
    finally:
        await host.stop()
    return cpu


def main() -> None:
    count = int(sys.argv[-1]) if len(sys.argv) > 1 and sys.argv[-1].isdigit() else 20
    if "--child" in sys.argv:
        asyncio.run(chains(count))
        return
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        print("valgrind is not installed (apt-get install valgrind): instruction counts skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={tmp}/callgrind.out",
                sys.executable,
                __file__,
                "--child",
                str(count),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONMALLOC": "malloc", "DEVHOST_LOG_LEVEL": "WARNING"},
            timeout=1800,
        )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or not found:
        print(f"callgrind run failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
        sys.exit(1)
    per_activity = int(found.group(1)) / (count * 10)
    print(f"{count} chains of 10 no-op activities, in-process (engine + store + activity runner, no HTTP)")
    print(f"  instructions per activity      {per_activity / 1e6:8.2f} M  (whole host process, callgrind)")


if __name__ == "__main__":
    main()
