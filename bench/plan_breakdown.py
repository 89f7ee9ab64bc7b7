"""Where a plan's time goes, unit by unit: platform work, polling overshoot, c2arm's steps, waits.

Sources, each read after the plan ended (nothing here changes what is measured):
- the plan's output and every unit's output (Durable webhook `instances/{id}`): the plan's rows
  carry when each unit became ready, started and ended; a unit's timeline when it entered each
  phase — all on the devhost's clock;
- the emulator's operations (`/admin/operations`: created, due) and request log (each poll's
  platform time): how long the platform worked on each operation, and how long after it was done
  c2arm's next poll saw it (the overshoot) — all on the emulator's clock.

The two clocks run at the same scale but from different anchors, so a duration is only ever
taken within one clock. Every figure is in platform seconds.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import datetime
from statistics import mean
from typing import Any

import httpx

from migration.phases import COMMIT_PATH

COLUMNS = [
    ("deps", "waiting for the units it depends on (not overhead: the dependency chain)"),
    ("barrier", "ready, but waiting for the previous wave to finish (wave barrier)"),
    ("slot", "ready, waiting for a free concurrency slot"),
    ("start", "sub-orchestration start → first step (engine)"),
    ("snapshot", "snapshot_unit"),
    ("precheck", "precheck_unit"),
    ("validate", "validate_unit"),
    ("prep.plat", "the platform's prepare"),
    ("prep.over", "polling overshoot after prepare ended"),
    ("prep.call", "start/status calls and timers around prepare (engine + HTTP)"),
    ("check", "check_unit"),
    ("approval", "awaiting approval (the bench's approver)"),
    ("comm.plat", "the platform's commit"),
    ("comm.over", "polling overshoot after commit ended"),
    ("comm.call", "start/status calls and timers around commit"),
    ("report", "write_report + notify"),
    ("notice", "unit ended → the plan noticed"),
]


def _t(text: str | None) -> float | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def collect(info: dict[str, Any], admin: httpx.Client, plan_id: str) -> dict[str, Any]:
    """The raw material: plan and unit outputs, operations, request log."""
    with httpx.Client(base_url=info["appUrl"], timeout=30) as app:

        def output(instance: str) -> dict[str, Any]:
            doc = app.get(f"/runtime/webhooks/durabletask/instances/{instance}").json()
            return doc.get("output") or doc.get("customStatus") or {}

        plan = output(plan_id)
        units = {row["id"]: output(row["id"]) for w in plan.get("waves", []) for row in w["units"]}
    operations = admin.get("/admin/operations").json()["operations"]
    rows, since = [], 0
    while True:
        page = admin.get("/admin/requests", params={"since": since}).json()["requests"]
        if not page:
            break
        rows.extend(page)
        since = page[-1]["seq"]
    return {"plan": plan, "units": units, "operations": operations, "requests": rows}


def _phase_times(status: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for entry in status.get("timeline", []):
        out.setdefault(entry["phase"], _t(entry["at"]) or 0.0)
    return out


def _polls_and_operations(
    raw: dict[str, Any],
) -> tuple[dict[str, list[float]], dict[str, list[dict[str, Any]]]]:
    """When each operation was polled (by operation id), and each unit's migration operations."""
    polls_at: dict[str, list[float]] = defaultdict(list)
    for req in raw["requests"]:
        if "/operations/" in req["path"]:
            polls_at[req["path"].rsplit("/", 1)[-1]].append(_t(req["time"]) or 0.0)
    ops_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for op in raw["operations"]:
        if op.get("unit") and op.get("kind") in ("prepare", "commit", "abort"):
            ops_of[str(op["unit"]).lower()].append(op)
    return polls_at, ops_of


def breakdown(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per unit: {id, wave, total, <column>: platform s, polls, calls}."""
    plan, units = raw["plan"], raw["units"]
    polls_at, ops_of = _polls_and_operations(raw)
    scheduling = plan.get("scheduling", "waves")
    running_at = _t(plan.get("runningAt")) or _t(plan.get("createdAt")) or 0.0
    all_rows = {row["key"]: row for w in plan.get("waves", []) for row in w["units"]}
    wave_end: dict[int, float] = {}
    for w in plan.get("waves", []):
        ends = [_t(r.get("endedAt")) for r in w["units"]]
        wave_end[w["index"]] = max([e for e in ends if e] or [running_at])
    out = []
    for w in plan.get("waves", []):
        for row in w["units"]:
            status = units.get(row["id"]) or {}
            ph = _phase_times(status)
            started, ended = _t(row.get("startedAt")), _t(row.get("endedAt"))
            if started is None or "Queued" not in ph:
                continue
            deps = [_t(all_rows[d].get("endedAt")) for d in row.get("dependsOn", []) if d in all_rows]
            ready = max([running_at, *[d for d in deps if d]])
            barrier = 0.0
            if scheduling == "waves" and w["index"] > 0:
                barrier = max(0.0, min(started, wave_end[w["index"] - 1]) - ready)
            r: dict[str, Any] = {"id": row["id"], "wave": w["index"], "phase": row.get("phase")}
            r["deps"] = ready - running_at
            r["barrier"] = barrier
            r["slot"] = max(0.0, started - ready - barrier)
            pairs = itertools.pairwise(COMMIT_PATH)
            span = {a: (ph[b] - ph[a]) if a in ph and b in ph else 0.0 for a, b in pairs}
            r.update(
                start=span["Queued"],
                snapshot=span["Snapshotting"],
                precheck=span["Prechecking"],
                validate=span["Validating"],
                check=span["Checking"],
                approval=span["AwaitingApproval"],
            )
            unit = status.get("unit") or row.get("unit") or {}
            key = f"{unit.get('kind')}/{unit.get('name')}".lower()
            polls = 0
            for kind, phase_span, short in (
                ("prepare", span["Preparing"], "prep"),
                ("commit", span["Committing"], "comm"),
            ):
                plat = over = 0.0
                for op in ops_of.get(key, []):
                    if op["kind"] != kind:
                        continue
                    seen = [
                        p for p in polls_at.get(str(op["id"]), []) if op.get("due") and p >= op["due"] - 1e-6
                    ]
                    plat += (op.get("due") or op["created"]) - op["created"]
                    over += (min(seen) - op["due"]) if seen else 0.0
                    polls += len(polls_at.get(str(op["id"]), []))
                    r[f"polls.{kind}"] = r.get(f"polls.{kind}", 0) + len(polls_at.get(str(op["id"]), []))
                r[f"{short}.plat"], r[f"{short}.over"] = plat, over
                r[f"{short}.call"] = max(0.0, phase_span - plat - over)
            final = _t(status.get("updatedAt"))
            r["report"] = (final - ph["Committed"]) if final and "Committed" in ph else 0.0
            r["notice"] = max(0.0, (ended - final)) if ended and final else 0.0
            r["total"] = (ended - running_at) if ended else 0.0
            r["polls"] = polls
            out.append(r)
    return out


def render(rows: list[dict[str, Any]]) -> list[str]:
    """The per-unit table and the mean row, platform seconds."""
    names = [c for c, _ in COLUMNS]
    head = f"{'unit':34} {'w':>1} " + " ".join(f"{n:>9}" for n in names) + f" {'polls':>5} {'end':>6}"
    lines = [head]
    for r in rows:
        short = r["id"].split(".", 1)[-1][:34]
        cells = " ".join(f"{r[n]:9.0f}" for n in names)
        lines.append(f"{short:34} {r['wave']:>1} {cells} {r['polls']:5d} {r['total']:6.0f}")
    if rows:
        cells = " ".join(f"{mean(r[n] for r in rows):9.1f}" for n in names)
        polls, end = mean(r["polls"] for r in rows), mean(r["total"] for r in rows)
        lines.append(f"{'mean':34}   {cells} {polls:5.1f} {end:6.0f}")
    lines.append("columns: " + "; ".join(f"{c} = {d}" for c, d in COLUMNS))
    return lines


def summary(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Mean platform seconds per unit for each column (for the JSON figures)."""
    return {n: round(mean(r[n] for r in rows), 1) for n, _ in COLUMNS} if rows else {}


def polls_by_operation(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Mean operation polls per unit, by operation (prepare, commit, abort)."""
    kinds = sorted({k for r in rows for k in r if k.startswith("polls.")})
    return {k.split(".", 1)[1]: round(mean(r.get(k, 0) for r in rows), 1) for k in kinds}


def plan_start(raw: dict[str, Any]) -> float:
    """Platform seconds from the plan's start to its first units (plan_units: the whole estate read
    and planned)."""
    plan = raw["plan"]
    began, running = _t(plan.get("createdAt")), _t(plan.get("runningAt"))
    return (running - began) if began and running else 0.0


def throttle_figures(rows: list[dict[str, Any]], scale: float) -> dict[str, Any]:
    """429s before the limiter learned the limit (answered within the first Retry-After, 1 real s,
    after the first 429: those requests were in flight or queued when it learned) and after."""
    rows = [r for r in rows if not r["path"].startswith("/subscriptions/")]  # classic calls only
    times = [_t(r["time"]) or 0.0 for r in rows if r["status"] == 429]
    if not times:
        return {"requests": len(rows), "429": 0, "429 before learning": 0, "429 after learning": 0}
    learned = min(times) + scale * 1.0
    return {
        "requests": len(rows),
        "429": len(times),
        "429 before learning": sum(1 for t in times if t <= learned),
        "429 after learning": sum(1 for t in times if t > learned),
        "429 at (real s after the first)": [round((t - min(times)) / scale, 2) for t in times],
    }
