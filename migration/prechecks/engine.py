"""Running the catalogue over an estate: findings and each unit's verdict."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from migration._gc import bulk
from migration.estate import Estate
from migration.prechecks import (
    rules_changes,
    rules_config,
    rules_errors,
    rules_features,
    rules_network,
    rules_prepare,
)
from migration.prechecks.catalogue import CATALOGUE, CHECKS, SEVERITIES, SUBSCRIPTION, Finding, bind_rules
from migration.prechecks.context import Context
from migration.units import UNIT_KINDS, UnitRef, parse_unit

# importing the rule modules binds their checks to the catalogue's entries
_RULE_MODULES = (rules_features, rules_config, rules_errors, rules_prepare, rules_network, rules_changes)
RULES = bind_rules(CATALOGUE, CHECKS)  # in catalogue (id) order

VERDICTS = ("migratable", "notMigratable", "blocked")


@dataclass(frozen=True, slots=True)
class UnitVerdict:
    """A unit's verdict: `notMigratable` if any error applies (its own or subscription-wide),
    else `blocked` if it waits for other units, else `migratable`. `blocked_by` names the units
    it waits for (also when it is notMigratable); `reasons` are the error and blocked findings."""

    unit: str
    verdict: str
    blocked_by: tuple[str, ...] = ()
    reasons: tuple[Finding, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "verdict": self.verdict, "blockedBy": list(self.blocked_by)}


@dataclass(frozen=True)
class PrecheckReport:
    units: list[UnitVerdict]
    findings: list[Finding]

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def verdict(self, unit: UnitRef | str) -> UnitVerdict | None:
        return next((v for v in self.units if v.unit == str(unit)), None)

    def to_dict(self) -> dict[str, Any]:
        """The `c2arm precheck --json` shape: `{"units": [...], "findings": [...]}`."""
        return {"units": [u.to_dict() for u in self.units], "findings": [f.to_dict() for f in self.findings]}


def _unit_order(unit: str) -> tuple[int, str]:
    if unit == SUBSCRIPTION:
        return (-1, "")
    ref = parse_unit(unit)
    return (UNIT_KINDS.index(ref.kind), ref.name)


def verdict_of(unit: str, findings: Iterable[Finding]) -> UnitVerdict:
    """The verdict of `unit` from the findings that concern it (its own and subscription-wide)."""
    mine = [f for f in findings if f.unit in (unit, SUBSCRIPTION)]
    errors = tuple(f for f in mine if f.severity == "error")
    blocked = tuple(f for f in mine if f.severity == "blocked")
    waits = tuple(sorted({b for f in blocked for b in f.blocked_by}))
    if errors:
        return UnitVerdict(unit, "notMigratable", waits, errors + blocked)
    if blocked:
        return UnitVerdict(unit, "blocked", waits, blocked)
    return UnitVerdict(unit, "migratable")


@bulk
def run_prechecks(estate: Estate, units: Iterable[UnitRef] | None = None) -> PrecheckReport:
    """Run every rule; keep the findings of `units` (default: all units) and subscription-wide ones."""
    ctx = Context(estate, None if units is None else list(units))
    selected = [str(u) for u in ctx.selected]
    wanted = set(selected) | {SUBSCRIPTION}
    findings = [f for r in RULES for f in r.run(ctx) if f.unit in wanted]
    severity = {s: i for i, s in enumerate(SEVERITIES)}
    order = {u: _unit_order(u) for u in {f.unit for f in findings}}
    findings.sort(key=lambda f: (order[f.unit], severity[f.severity], f.rule, f.resource))
    by_unit: dict[str, list[Finding]] = {}
    for f in findings:
        by_unit.setdefault(f.unit, []).append(f)
    common = by_unit.get(SUBSCRIPTION, [])
    verdicts = [verdict_of(u, by_unit.get(u, []) + common) for u in selected]
    return PrecheckReport(verdicts, findings)
