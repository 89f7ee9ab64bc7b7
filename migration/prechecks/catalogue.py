"""The precheck catalogue: rules, findings, and running them over an estate.

A rule has a stable id (`C2A-NNN`, never reused), a severity, a title, the reference item it
covers and a default remedy; its check yields `Hit`s for the units and resources it concerns.
Severities: `error` (cannot migrate until someone changes something), `blocked` (waits for
other units, named in `blocked_by`), `warning` (migrates, but something changes or is lost),
`info`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from migration.fields import camel_fields

SEVERITIES = ("error", "blocked", "warning", "info")
SUBSCRIPTION = "subscription"  # the `unit` of findings that concern every unit


@dataclass(frozen=True, slots=True)
class Hit:
    """What a check yields: the unit (`KIND/NAME` or `subscription`), resource, message."""

    unit: str
    resource: str
    message: str
    blocked_by: tuple[str, ...] = ()
    remedy: str | None = None


def unit_hit(unit: str, message: str, part: str = "", blocked_by: tuple[str, ...] = ()) -> Hit:
    """A hit on the unit itself (`KIND/NAME`) or on a part of it (`part`: `/gateway`, `/peering/x`)."""
    return Hit(unit, unit + part, message, blocked_by)


@dataclass(frozen=True, slots=True)
class Finding:
    """One precheck result. `to_dict()` gives the CLI's JSON shape (`rule, severity, unit,
    resource, message, remedy`); `blocked_by` lists the units a `blocked` finding waits for."""

    rule: str
    severity: str
    unit: str
    resource: str
    message: str
    remedy: str
    blocked_by: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return camel_fields(self, "rule", "severity", "unit", "resource", "message", "remedy")


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str
    reference: str
    remedy: str
    check: Callable[[Any], Iterable[Hit]] = field(compare=False, repr=False)

    def run(self, ctx: Any) -> list[Finding]:
        return [
            Finding(
                self.id, self.severity, h.unit, h.resource, h.message, h.remedy or self.remedy, h.blocked_by
            )
            for h in self.check(ctx)
        ]


RULES: list[Rule] = []


def rule(
    id: str, severity: str, title: str, *, reference: str, remedy: str
) -> Callable[[Callable[[Any], Iterable[Hit]]], Callable[[Any], Iterable[Hit]]]:
    """Register a check in the catalogue (ids are unique; severities from `SEVERITIES`)."""
    if severity not in SEVERITIES:
        raise ValueError(f"{id}: unknown severity {severity!r}")
    if any(r.id == id for r in RULES):
        raise ValueError(f"duplicate rule id {id}")

    def register(check: Callable[[Any], Iterable[Hit]]) -> Callable[[Any], Iterable[Hit]]:
        RULES.append(Rule(id, severity, title, reference, remedy, check))
        return check

    return register
