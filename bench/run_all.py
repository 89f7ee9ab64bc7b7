"""Run every benchmark, one after another, and write their figures side by side to docs/benchmarks.md.

Each bench runs as its own process (so one's memory and imports do not colour another's), its
output captured verbatim, with its wall time and its peak resident memory (`ru_maxrss` of that
process, from `os.wait4`) — the memory high-water mark the core bench's scale figures call for.
The page starts with the machine it ran on: the figures mean little without it.

Run: `.venv/bin/python bench/run_all.py [--only NAME ...]` (`make bench`; several minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
PVB_JSON = Path(tempfile.gettempdir()) / "c2arm-plan-vs-baseline.json"
BENCHES: list[tuple[str, list[str], str]] = [
    (
        "plan_vs_baseline",
        ["bench/plan_vs_baseline.py", "--json", str(PVB_JSON)],
        "c2arm's plan against the one-unit-at-a-time baseline (40 units, scaled clock)",
    ),
    (
        "core",
        ["bench/core.py", "5000", "20000"],
        "scale of the pure core (prechecks, plan, expected ARM, comparison)",
    ),
    ("devhost", ["bench/devhost.py"], "engine overhead of the devhost (chain, fan-out, episode cost)"),
    ("emulator", ["bench/emulator.py"], "the emulator (start-up, GETs per second)"),
    ("connectors", ["bench/connectors.py"], "the connectors against the emulator"),
    ("workflow", ["bench/workflow.py"], "workflow replay cost and eight units on the local stack"),
]


def machine() -> dict[str, str]:
    """What the figures ran on."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "os": platform.platform(),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "load": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def run(argv: list[str], timeout: float = 1800) -> tuple[int, str, float, float]:
    """(exit code, output, wall seconds, peak RSS MiB) of one bench process."""
    with tempfile.TemporaryFile() as out:
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, *argv],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.2)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
        out.seek(0)
        text = out.read().decode(errors="replace")
    return proc.returncode, text, wall, usage.ru_maxrss / 1024


def summary(figures: dict) -> list[str]:
    p, b = figures["plan_requests"], figures["baseline_requests"]
    base_ratio = round(figures["baseline_platform_s"] / figures["lower_bound_platform_s"], 2)
    return [
        "| figure | c2arm plan | baseline (sequential, 30 s polls) | goal |",
        "|---|---|---|---|",
        f"| makespan (platform s) | {figures['plan_platform_s']} | {figures['baseline_platform_s']} | |",
        f"| speed-up | **{figures['speedup']}×** | 1× | ≥ 5× |",
        f"| ratio to the critical-path lower bound ({figures['lower_bound_platform_s']} s) | "
        f"**{figures['plan_to_bound']}** | {base_ratio} "
        "| ≤ 1.10 |",
        f"| ASM requests per unit | {p['per unit']} | {b['per unit']} | |",
        f"| 429s received | {p['429']} | {b['429']} | none |",
        f"| outcomes | {figures['plan_outcomes']} | failed: {figures['baseline_failed'] or 'none'} | |",
    ]


def verdict(figures: dict) -> list[str]:
    """Which goals the run met, and why the plan sits above the lower bound."""
    speed = "met" if figures["speedup"] >= 5 else "**not met**"
    bound = "met" if figures["plan_to_bound"] <= 1.10 else "**not met**"
    return [
        f"Goals: speed-up ≥ 5× {speed}; plan within 1.10 of the critical-path bound {bound}. The bound "
        "assumes every unit's work is only the platform's prepare + commit, packed perfectly under the "
        "concurrency limit; the plan also snapshots, prechecks, validates and checks each unit, polls "
        "operations with durable timers (15–60 platform s, so each operation overshoots by up to one "
        "interval), waits for the approver (this bench approves within ~0.05 s real, ~15 platform s), and "
        "runs waves in order (the storage accounts' wave starts when the whole first wave is done).",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", help="bench names to run (default: all)")
    args = parser.parse_args()
    host = machine()
    sections: list[str] = []
    figures = None
    for name, argv, what in BENCHES:
        if args.only and name not in args.only:
            continue
        print(f"== {name}: {what}", flush=True)
        code, text, wall, rss = run(argv)
        print(text, flush=True)
        print(f"-- {name}: exit {code}, {wall:.1f} s wall, peak RSS {rss:.0f} MiB", flush=True)
        sections += [
            f"## {name}: {what}",
            "",
            f"`{' '.join(['python', *argv[:1]])}` — exit {code}, {wall:.1f} s wall, "
            f"peak resident memory {rss:.0f} MiB",
            "",
            "```",
            text.strip(),
            "```",
            "",
        ]
        if name == "plan_vs_baseline" and code == 0 and PVB_JSON.exists():
            figures = json.loads(PVB_JSON.read_text())
    lines = [
        "# Benchmarks",
        "",
        "Written by `bench/run_all.py` (`make bench`): every bench in one run, its output verbatim. "
        "Benches print figures; no test asserts a time.",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in host.items()),
        "",
    ]
    if figures:
        lines += [
            "## Against the way people migrate today",
            "",
            f"{figures['units']} units, platform durations prepare "
            f"{figures['durations']['prepare']:.0f} s and "
            f"commit {figures['durations']['commit']:.0f} s, clock ×{figures['scale']:g}, plan concurrency "
            f"{figures['concurrency']}; every unit approved as soon as it awaits approval.",
            "",
            *summary(figures),
            "",
            *verdict(figures),
            "",
        ]
    DOC.write_text("\n".join(lines + sections) + "\n")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
