"""The operator commands' own inputs, parsed the same way everywhere (one line `c2arm: …`, exit 2).

Enumerations are case-insensitive, as in the estate format (`--kind virtualnetwork` is
`virtualNetwork`), and always sent in the API's spelling; ids are checked against the request-id
alphabet before a request is made, so a bad id is a bad input (2), not an app refusal (1).
"""

from __future__ import annotations

from typing import Any

from cli.ops_common import fail
from migration.instance_ids import is_instance_id, user_id_problem
from migration.unit_kinds import UNIT_KINDS

WINDOWS = ("any", "off-hours")
DESTINATION_HELP = "new (a new VNet) or existing:RG/VNET/SUBNET (an existing ARM subnet)"


def choice(value: str, choices: tuple[str, ...], flag: str) -> str:
    """`value` in the spelling of `choices`, compared case-insensitively; exit 2 naming the flag."""
    by_lower = {c.lower(): c for c in choices}
    if value.lower() not in by_lower:
        raise fail(f"{flag}: {value!r} is not one of {', '.join(choices)}", 2)
    return by_lower[value.lower()]


def unit_kind(value: str, flag: str = "--kind") -> str:
    return choice(value, UNIT_KINDS, flag)


def unit_address(value: str, flag: str = "--units") -> str:
    """`KIND/NAME` with the kind in the API's spelling."""
    kind, sep, name = value.partition("/")
    if not sep or not name:
        raise fail(f"{flag}: {value!r} is not KIND/NAME (e.g. virtualNetwork/vnet-prod)", 2)
    return f"{unit_kind(kind, flag)}/{name}"


def instance_id(value: str, flag: str = "ID", *, new: bool = False) -> str:
    """A migration's or plan's id: 1–100 of `A-Z a-z 0-9 - _ .`; an existing one may also be one
    c2arm derived (a plan's unit, `PLAN~KIND~NAME`), a `new` one (to submit) may not."""
    if new:
        problem = user_id_problem(value)
        if problem:
            raise fail(f"{flag}: {value!r} is not an id: {problem}", 2)
    elif not is_instance_id(value):
        raise fail(f"{flag}: {value!r} is not an id (1–100 of A-Z a-z 0-9 - _ . ~)", 2)
    return value


def window(value: str | None) -> str | None:
    return None if value is None else choice(value, WINDOWS, "--window")


def destination(value: str | None) -> dict[str, Any] | None:
    """`--destination`: `new`, or `existing:RG/VNET/SUBNET` (what `-UseExistingVirtualNetwork` does)."""
    if value is None:
        return None
    mode, _, where = value.partition(":")
    if mode.lower() == "new" and not where:
        return {"mode": "New"}
    parts = where.split("/")
    if mode.lower() == "existing" and len(parts) == 3 and all(p.strip() for p in parts):
        return {"mode": "Existing", "resourceGroup": parts[0], "virtualNetwork": parts[1], "subnet": parts[2]}
    raise fail(f"--destination: {value!r} is not {DESTINATION_HELP}", 2)
