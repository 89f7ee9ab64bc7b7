"""Comparison: expected vs actual ARM resources → findings.

Matching is by (type, parent, name), case-insensitively (ARM names and types are). For a matched
pair, every property the expectation names is compared (actual-only properties are ignored: the
platform adds provisioning state, etags, ids …); inside child collections (`subnets`,
`securityRules`, `routes`, `loadBalancingRules`, `probes`, `inboundNatRules`, `dataDisks`) extra
or missing children are findings too. Strings compare case-insensitively.

Acceptable, documented changes are reported with severity `info` instead of `deviation`:
- a property path the expectation lists in `may_change` (the new private IP of a VM outside a
  VNet);
- an extra resource whose type is in `acceptable_extra_types` (`acceptable_extras(unit)`:
  the virtual network the platform creates for a cloud service outside a VNet).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from migration.arm import model
from migration.arm.model import ArmResource
from migration.fields import camel_fields

CHILD_COLLECTIONS = frozenset(
    {"subnets", "securityRules", "routes", "loadBalancingRules", "probes", "inboundNatRules", "dataDisks"}
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One difference. `kind`: missing | extra | changed; `severity`: deviation | info.

    `resource` is the resource's address (`Microsoft.Network/loadBalancers/web-cs-LB`); `path` the
    property path (`loadBalancingRules.web-lb.frontendPort`, `location`), empty for a whole
    resource; `expected` / `actual` the two sides (None for the absent side).
    """

    kind: str
    severity: str
    resource: str
    path: str
    expected: Any
    actual: Any
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return camel_fields(self, "kind", "severity", "resource", "path", "expected", "actual", "note")


def _is_mapping(value: Any) -> bool:
    # `type(...) is dict` first: the ABC check is slow and this runs for every property
    return type(value) is dict or isinstance(value, Mapping)


def _same(a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    if ta is str and tb is str:  # the common case, without the generic checks below
        left: str = a
        right: str = b
        return left == right or left.casefold() == right.casefold()
    if ta is int and tb is int:
        left_number: int = a
        right_number: int = b
        return left_number == right_number
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if _is_mapping(a) and _is_mapping(b):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _tolerated(path: str, may_change: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p + ".") for p in may_change)


def _emit(out: list[Finding], res: ArmResource, kind: str, e: Any, a: Any, path: str) -> None:
    info = _tolerated(path, res.may_change)
    note = "documented change (the platform assigns a new value)" if info else ""
    out.append(Finding(kind, "info" if info else "deviation", res.address, path, e, a, note))


def _diff(
    exp: Any, act: Any, path: str, res: ArmResource, out: list[Finding], collection: bool = False
) -> None:
    if not _is_mapping(exp):
        if not _same(exp, act):
            _emit(out, res, "changed", exp, act, path)
        return
    if not _is_mapping(act):
        _emit(out, res, "changed", exp, act, path)
        return
    if collection:
        # children match by name, case-insensitively (the first actual child of a name wins);
        # one index per collection keeps this linear in the children
        by_name: dict[str, Any] = {}
        for key in act:
            by_name.setdefault(str(key).casefold(), key)
        for key in exp:
            sub = f"{path}.{key}" if path else str(key)
            match = by_name.get(str(key).casefold())
            if match is None:
                _emit(out, res, "missing", exp[key], None, sub)
                continue
            _diff(exp[key], act[match], sub, res, out)
        wanted = {str(k).casefold() for k in exp}
        for key in act:
            if str(key).casefold() not in wanted:
                _emit(out, res, "extra", None, act[key], f"{path}.{key}" if path else str(key))
        return
    for key in exp:
        sub = f"{path}.{key}" if path else str(key)
        _diff(exp[key], act.get(key), sub, res, out, key in CHILD_COLLECTIONS)


def compare(
    expected: Iterable[ArmResource],
    actual: Iterable[ArmResource],
    acceptable_extra_types: Iterable[str] = (),
) -> list[Finding]:
    """Findings between the expected and the actual resources, in a stable order."""
    acceptable = {t.casefold() for t in acceptable_extra_types}
    act = {r.key: r for r in actual}
    findings: list[Finding] = []
    for exp in sorted(expected, key=lambda r: r.key):
        got = act.pop(exp.key, None)
        if got is None:
            findings.append(Finding("missing", "deviation", exp.address, "", exp.to_dict(), None))
            continue
        for attr, e, a in (
            ("location", exp.location, got.location),
            ("resourceGroup", exp.resource_group, got.resource_group),
        ):
            if e is not None and not _same(e, a):
                findings.append(Finding("changed", "deviation", exp.address, attr, e, a))
        _diff(dict(exp.properties), dict(got.properties), "", exp, findings)
    for key in sorted(act):
        extra = act[key]
        ok = extra.type.casefold() in acceptable
        note = "created by the platform for a service outside a virtual network" if ok else ""
        findings.append(
            Finding("extra", "info" if ok else "deviation", extra.address, "", None, extra.to_dict(), note)
        )
    return findings


def acceptable_extras(unit: Any) -> frozenset[str]:
    """Types the platform may add to a unit's group beyond the translation table."""
    if getattr(unit, "kind", None) == "cloudService":
        return frozenset({model.VIRTUAL_NETWORK})
    return frozenset()
