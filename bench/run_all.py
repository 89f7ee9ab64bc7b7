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
    (
        "devhost_instructions",
        ["bench/devhost_instructions.py"],
        "the devhost's instructions per activity (callgrind; not moved by other load on the machine)",
    ),
    ("emulator", ["bench/emulator.py"], "the emulator (start-up, GETs per second)"),
    ("connectors", ["bench/connectors.py"], "the connectors against the emulator"),
    ("workflow", ["bench/workflow.py"], "workflow replay cost and eight units on the local stack"),
    (
        "scale_plan",
        ["bench/scale_plan.py"],
        "a 418-unit plan (318 cloud services, 2,214 VMs) at the default limiter: reads per unit, total "
        "reads, makespan against its bound",
    ),
]
TIMEOUTS = {"scale_plan": 5400.0}  # seconds (×10: ~40 min); the others keep run()'s default


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
    """The plan-vs-baseline table: each plan run (clock scale) beside the baseline."""
    plans, b = figures["plans"], figures.get("baseline_requests") or {}
    base_s = figures.get("baseline_platform_s")
    bound = figures["lower_bound_platform_s"]
    head = " | ".join(f"c2arm plan ×{p['scale']:g}" for p in plans)
    out = [
        f"| figure | {head} | baseline (sequential, 30 s polls, ×{figures['scale']:g}) | goal |",
        "|---|" + "---|" * len(plans) + "---|---|",
    ]

    def row(name: str, cells: list[str], base: str, goal: str = "") -> None:
        out.append(f"| {name} | " + " | ".join(cells) + f" | {base} | {goal} |")

    row("makespan (platform s)", [str(p["platform_s"]) for p in plans], str(base_s))
    row("speed-up", [f"**{p['speedup']}×**" for p in plans], "1×", "≥ 5×")
    row(
        f"ratio to the critical-path lower bound ({bound} s)",
        [f"**{p['to_bound']}**" for p in plans],
        str(round(base_s / bound, 2)) if base_s else "",
        "≤ 1.10",
    )
    row("ASM requests per unit", [str(p["requests"]["per unit"]) for p in plans], str(b.get("per unit")))
    row(
        "operation polls per unit, by operation",
        [str(p.get("polls_per_operation")) for p in plans],
        "one every 30 s",
    )
    row(
        "429s received (no throttling)", [str(p["requests"]["429"]) for p in plans], str(b.get("429")), "none"
    )
    row("outcomes", [str(p["outcomes"]) for p in plans], f"failed: {figures['baseline_failed'] or 'none'}")
    t = figures.get("throttled") or {}
    if t:
        out += [
            "",
            f"Under the emulator's `throttle` fault ({t['limit']} classic requests per second per "
            f"subscription; c2arm's limiter configured at 1000/s, so it has to learn the limit), a plan "
            f"of {t['units']} units: {t['requests']} classic requests, **{t['429']} 429s** — "
            f"{t['429 before learning']} before the limiter had seen the limit, "
            f"**{t['429 after learning']} after** (goal: none after); "
            f"outcomes {t['outcomes']}.",
        ]
    names = list(plans[0]["breakdown_mean"]) if plans else []
    if names:
        out += [
            "",
            "Mean platform seconds per unit (per-unit tables: the bench output below):",
            "",
            "| clock | " + " | ".join(names) + " |",
            "|---|" + "---|" * len(names),
        ]
        for p in plans:
            out.append(
                f"| ×{p['scale']:g} | " + " | ".join(f"{p['breakdown_mean'][n]:.0f}" for n in names) + " |"
            )
    return out


def verdict(figures: dict) -> list[str]:
    """Which goals each run met."""
    lines = []
    for p in figures["plans"]:
        speed = "met" if (p["speedup"] or 0) >= 5 else "**not met**"
        bound = "met" if p["to_bound"] <= 1.10 else "**not met**"
        lines.append(
            f"- clock ×{p['scale']:g}: speed-up ≥ 5× {speed}; within 1.10 of the critical-path bound {bound}."
        )
    return ["Goals:", "", *lines]


KEEP_MARKER = "<!-- hand-written below: bench/run_all.py keeps everything after this line -->"


def kept_tail() -> list[str]:
    """The hand-written part of the page (after the marker, or from the chaos section on)."""
    if not DOC.exists():
        return []
    text = DOC.read_text()
    if KEEP_MARKER in text:
        return [KEEP_MARKER, "", text.split(KEEP_MARKER, 1)[1].strip("\n")]
    if "\n## Chaos run" in text:
        return [KEEP_MARKER, "", "## Chaos run" + text.split("\n## Chaos run", 1)[1].rstrip("\n")]
    return []


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
        code, text, wall, rss = run(argv, TIMEOUTS.get(name, 1800))
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
            f"commit {figures['durations']['commit']:.0f} s, plan concurrency "
            f"{figures['concurrency']}; every unit approved as soon as it awaits approval. The plan runs "
            "at two clock scales (see “Reading the plan figures” below for why).",
            "",
            *summary(figures),
            "",
            *verdict(figures),
            "",
        ]
    DOC.write_text("\n".join(lines + sections + kept_tail()) + "\n")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
