"""The planner: a subscription's units, their dependencies, and waves under a concurrency limit.

Order (Microsoft's "Required order" for the migration): ExpressRoute circuits must already be in
ARM (a VNet waiting for one is not planned: `blocked`); virtual networks and cloud services
outside a VNet; storage accounts only after every unit whose VMs use their disks or boot
diagnostics; unassociated reserved IPs, NSGs and route tables any time.

A unit with an `error` precheck is `notMigratable` and left out. A unit that waits for something
the plan cannot deliver (a circuit, a unit not in the plan, a unit left out) is `blocked` and left
out with `blockedBy` naming what it waits for. Everything else goes into waves: each wave holds
at most `concurrency` units whose dependencies are all in earlier waves. Within that, units on
the longest dependency chains go first (so the plan has as few waves as the limit allows), then
by kind in the required order, then by name — the output is deterministic.

Each unit's quota needs are prechecked alone; `Plan.quota_shortfalls` says when the planned units
*together* need more than `armQuotas` has left (a later wave would then fail at prepare).

Public API: `plan(estate, units=None, concurrency=4) -> Plan`; `Plan.waves` (list of lists of
`UnitRef`), `Plan.units` (list of `PlannedUnit`), `Plan.quota_shortfalls`, `Plan.to_dict()` (the
`c2arm plan --json` shape).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from itertools import count
from typing import Any

from migration._gc import bulk
from migration.estate import Estate
from migration.prechecks import Finding, run_prechecks
from migration.quotas import needs_by_unit
from migration.units import UNIT_KINDS, UnitRef, parse_unit


@dataclass(frozen=True)
class PlannedUnit:
    """A unit's place in the plan: `verdict` is `migratable` (planned, `wave` set),
    `blocked` or `notMigratable` (not planned, `wave` None, `reasons` say why)."""

    unit: UnitRef
    verdict: str
    depends_on: tuple[UnitRef, ...] = ()
    blocked_by: tuple[str, ...] = ()
    wave: int | None = None
    reasons: tuple[Finding, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": str(self.unit),
            "verdict": self.verdict,
            "wave": self.wave,
            "dependsOn": [str(u) for u in self.depends_on],
            "blockedBy": list(self.blocked_by),
            "reasons": [{"rule": f.rule, "severity": f.severity, "message": f.message} for f in self.reasons],
        }


@dataclass(frozen=True)
class QuotaShortfall:
    """The planned units together need more of a quota than remains (each may fit alone)."""

    quota: str
    remaining: int
    needed: int

    def to_dict(self) -> dict[str, Any]:
        return {"quota": self.quota, "remaining": self.remaining, "needed": self.needed}


@dataclass(frozen=True)
class Plan:
    concurrency: int
    units: list[PlannedUnit]
    waves: list[list[UnitRef]]
    quota_shortfalls: list[QuotaShortfall] = field(default_factory=list)

    def unit(self, ref: UnitRef | str) -> PlannedUnit | None:
        key = parse_unit(ref) if isinstance(ref, str) else ref
        return next((u for u in self.units if u.unit == key), None)

    def to_dict(self) -> dict[str, Any]:
        """`{"concurrency", "units": [...], "dependencies": [{"unit", "dependsOn"}], "waves":
        [{"index", "units": ["KIND/NAME", ...]}], "quotaShortfalls": [{"quota", "remaining",
        "needed"}]}`."""
        return {
            "concurrency": self.concurrency,
            "units": [u.to_dict() for u in self.units],
            "dependencies": [
                {"unit": str(u.unit), "dependsOn": [str(d) for d in u.depends_on]}
                for u in self.units
                if u.depends_on
            ],
            "waves": [{"index": i, "units": [str(u) for u in wave]} for i, wave in enumerate(self.waves)],
            "quotaShortfalls": [q.to_dict() for q in self.quota_shortfalls],
        }


def _kind_order(unit: UnitRef) -> int:
    return UNIT_KINDS.index(unit.kind)


@bulk
def plan(estate: Estate, units: Iterable[UnitRef] | None = None, concurrency: int = 4) -> Plan:
    """Plan `units` (default: every unit of the estate) in waves of at most `concurrency`."""
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    report = run_prechecks(estate, units)
    selected = [parse_unit(v.unit) for v in report.units]
    verdicts = {parse_unit(v.unit): v for v in report.units}
    # what each unit waits for, from the `blocked` findings (`blockedBy` of its verdict)
    waits: dict[UnitRef, tuple[str, ...]] = {u: verdicts[u].blocked_by for u in selected}
    excluded: dict[UnitRef, tuple[str, ...]] = {
        u: () for u in selected if verdicts[u].verdict == "notMigratable"
    }
    in_plan = {str(u) for u in selected if u not in excluded}
    # a unit waiting for anything that is not a plannable unit cannot be planned, nor can what
    # waits for it: a worklist over the reverse edges keeps this linear
    waiting_on: dict[str, list[UnitRef]] = {}
    for u in selected:
        for w in waits[u]:
            waiting_on.setdefault(w, []).append(u)
    queue = [u for u in selected if str(u) in in_plan and any(w not in in_plan for w in waits[u])]
    while queue:
        u = queue.pop()
        if str(u) not in in_plan:
            continue
        in_plan.discard(str(u))
        excluded[u] = tuple(w for w in waits[u] if w not in in_plan)
        queue.extend(x for x in waiting_on.get(str(u), []) if str(x) in in_plan)
    for u in selected:  # name everything each left-out unit waits for that will not happen
        if u in excluded and verdicts[u].verdict != "notMigratable":
            excluded[u] = tuple(w for w in waits[u] if w not in in_plan)
    plannable = [u for u in selected if str(u) in in_plan]
    deps = {u: tuple(sorted(parse_unit(w) for w in waits[u])) for u in plannable}
    waves = _waves(plannable, deps, concurrency)
    wave_of = {u: i for i, wave in enumerate(waves) for u in wave}
    planned: list[PlannedUnit] = []
    for u in selected:
        v = verdicts[u]
        if u in wave_of:
            planned.append(PlannedUnit(u, "migratable", deps[u], (), wave_of[u]))
        elif v.verdict == "notMigratable":
            planned.append(PlannedUnit(u, "notMigratable", (), v.blocked_by, None, v.reasons))
        else:
            planned.append(PlannedUnit(u, "blocked", (), excluded[u], None, v.reasons))
    return Plan(concurrency, planned, waves, _shortfalls(estate, [u for w in waves for u in w]))


def _shortfalls(estate: Estate, units: list[UnitRef]) -> list[QuotaShortfall]:
    """Quotas the whole plan would exhaust: `armQuotas` is what remains, and units add up."""
    needs = needs_by_unit(estate, units)
    totals: dict[str, int] = {}
    for need in needs.values():
        for f in fields(need):
            totals[f.name] = totals.get(f.name, 0) + getattr(need, f.name)
    out = []
    quotas = estate.arm_quotas
    for name, needed in totals.items():
        remaining = getattr(quotas, name)
        if needed > remaining:
            out.append(QuotaShortfall(type(quotas).model_fields[name].alias or name, remaining, needed))
    return out


def _waves(units: list[UnitRef], deps: dict[UnitRef, tuple[UnitRef, ...]], limit: int) -> list[list[UnitRef]]:
    """Greedy list scheduling by longest remaining chain; Kahn's algorithm keeps it linear-ish."""
    dependants: dict[UnitRef, list[UnitRef]] = {u: [] for u in units}
    for u in units:
        for d in deps[u]:
            dependants[d].append(u)
    height: dict[UnitRef, int] = {}
    for u in sorted(units, key=lambda x: -len(dependants[x])):
        _height(u, dependants, height)
    remaining = {u: len(deps[u]) for u in units}
    # a heap instead of re-sorting the whole ready list after every wave (that was quadratic in
    # the number of units); the sequence number keeps equal keys in the order they became ready,
    # exactly as the stable sort did
    order = count()
    ready = [(-height[u], _kind_order(u), u.name, next(order), u) for u in units if remaining[u] == 0]
    heapq.heapify(ready)
    waves: list[list[UnitRef]] = []
    while ready:
        wave = [heapq.heappop(ready)[-1] for _ in range(min(limit, len(ready)))]
        waves.append(wave)
        for u in wave:
            for d in dependants[u]:
                remaining[d] -= 1
                if remaining[d] == 0:
                    heapq.heappush(ready, (-height[d], _kind_order(d), d.name, next(order), d))
    return waves


def _height(unit: UnitRef, dependants: dict[UnitRef, list[UnitRef]], memo: dict[UnitRef, int]) -> int:
    """Length of the longest chain of units that wait (directly or not) for `unit`."""
    stack = [(unit, False)]
    while stack:
        u, expanded = stack.pop()
        if u in memo:
            continue
        if expanded:
            memo[u] = 1 + max((memo[d] for d in dependants[u]), default=0)
            continue
        stack.append((u, True))
        stack.extend((d, False) for d in dependants[u] if d not in memo)
    return memo[unit]
