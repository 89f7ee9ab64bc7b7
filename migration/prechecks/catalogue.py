"""The precheck catalogue: rules, findings, and running them over an estate.

A rule has a stable id (`C2A-NNN`, never reused), a severity, a title, the reference item it
covers and a default remedy; its check yields `Hit`s for the units and resources it concerns.
Severities: `error` (cannot migrate until someone changes something), `blocked` (waits for
other units, named in `blocked_by`), `warning` (migrates, but something changes or is lost),
`info`.

The metadata is data, kept in `catalogue.toml` next to this module (one table that reads as the
catalogue it is, and that docs/prechecks.md is generated from); it is loaded and checked when
this module is imported. The logic is code: each check function in `rules_*.py` is bound to its
entry by `@check("C2A-NNN")`, and `bind_rules` pairs them (every entry has exactly one check).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

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


Check = Callable[[Any], Iterable[Hit]]
C = TypeVar("C", bound=Check)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str
    reference: str
    remedy: str
    check: Check = field(compare=False, repr=False)

    def run(self, ctx: Any) -> list[Finding]:
        return [
            Finding(
                self.id, self.severity, h.unit, h.resource, h.message, h.remedy or self.remedy, h.blocked_by
            )
            for h in self.check(ctx)
        ]


CATALOGUE_FILE = Path(__file__).with_name("catalogue.toml")
FIELDS = ("id", "severity", "title", "reference", "remedy")
_ID = re.compile(r"^C2A-[0-9]{3}$")


def parse_catalogue(text: str) -> list[dict[str, str]]:
    """The catalogue's entries in file order, checked so that a bad edit fails at import with the
    entry and field named: only `[[rule]]` tables, each with exactly `FIELDS`, all non-empty
    strings, a well-formed unique id and a severity from `SEVERITIES`."""
    data = tomllib.loads(text)
    if set(data) != {"rule"} or not isinstance(data["rule"], list):
        raise ValueError(f"{CATALOGUE_FILE.name}: expected only [[rule]] tables, found {sorted(data)}")
    entries: list[dict[str, str]] = []
    for i, entry in enumerate(data["rule"]):
        where = f"{CATALOGUE_FILE.name} rule[{i}]"
        if set(entry) != set(FIELDS):
            extra, missing = sorted(set(entry) - set(FIELDS)), [f for f in FIELDS if f not in entry]
            raise ValueError(f"{where}: unknown fields {extra}, missing fields {missing}")
        for name in FIELDS:
            if not isinstance(entry[name], str) or not entry[name].strip():
                raise ValueError(f"{where}.{name}: must be a non-empty string, not {entry[name]!r}")
        if not _ID.match(entry["id"]):
            raise ValueError(f"{where}.id: {entry['id']!r} is not C2A-NNN")
        if any(e["id"] == entry["id"] for e in entries):
            raise ValueError(f"{where}.id: duplicate rule id {entry['id']}")
        if entry["severity"] not in SEVERITIES:
            raise ValueError(f"{where}.severity: unknown severity {entry['severity']!r}")
        entries.append(entry)
    return entries


CATALOGUE = parse_catalogue(CATALOGUE_FILE.read_text(encoding="utf-8"))
CHECKS: dict[str, Check] = {}  # filled by `@check` as the rules_*.py modules are imported


def check(id: str) -> Callable[[C], C]:
    """Bind a check to its catalogue entry `id` (an entry has one check; the id must exist)."""
    if not any(e["id"] == id for e in CATALOGUE):
        raise ValueError(f"{id}: no such rule in {CATALOGUE_FILE.name}")
    if id in CHECKS:
        raise ValueError(f"{id}: already has a check")

    def bind(fn: C) -> C:
        CHECKS[id] = fn
        return fn

    return bind


def bind_rules(entries: Iterable[Mapping[str, str]], checks: Mapping[str, Check]) -> list[Rule]:
    """The rules in catalogue order, each entry with its check; an entry without one is an error."""
    entries = list(entries)
    if missing := [e["id"] for e in entries if e["id"] not in checks]:
        raise ValueError(f"rules without a check: {', '.join(missing)}")
    return [
        Rule(e["id"], e["severity"], e["title"], e["reference"], e["remedy"], checks[e["id"]])
        for e in entries
    ]
