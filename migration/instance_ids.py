"""Orchestration instance ids: the ones people choose and the ones c2arm derives never meet.

A request's `requestId` and a plan's `planId` are **user ids**: 1–100 of `A-Z a-z 0-9 - _ .`, not
made of dots only (`.` and `..` would be path segments in the Durable API's URLs). Every id c2arm
derives from another one — a plan's units, and later a unit's follow-through — contains the
**reserved separator** `~`, which no user id may contain. So a user can never pick an id that a
plan (or any later derived orchestration) will want, and a derived id can never take over a
migration someone submitted: the two namespaces are disjoint by construction, not by a check
that could race.

A derived id is `<owner>~<part>~<part>…`: the owner's id (a user id or itself a derived id), then
parts in the user alphabet (any other character becomes `-`). Each kind of derived id has its own
number of parts, so kinds cannot collide: a plan's unit is `<planId>~<kind>~<name>[.<deployment>]`
(two parts, the first a unit kind); a unit's follow-through will be `<unitId>~follow` (one part).
Instance ids are at most 100 characters: a longer derived id keeps its first 87 characters and
ends with `~` and 12 hex digits of the SHA-256 of the full text, so it is still reserved (it has a
`~`) and still unique.
"""

from __future__ import annotations

import hashlib
import re

SEPARATOR = "~"
MAX_LENGTH = 100
_DIGEST = 12
# what a user may name an instance (requestId, planId): no separator, not dots only
USER_ID_PATTERN = r"^(?!\.+$)[A-Za-z0-9_.\-]{1,100}$"
# what names any instance c2arm runs: user ids and derived ids
INSTANCE_ID_PATTERN = r"^(?!\.+$)[A-Za-z0-9_.\-~]{1,100}$"
_OUTSIDE_PART = re.compile(r"[^A-Za-z0-9_.\-]")


def is_instance_id(value: str) -> bool:
    """True when `value` can name one of c2arm's instances (safe in a URL path, a blob name, a key)."""
    return bool(re.match(INSTANCE_ID_PATTERN, value or ""))


def is_derived(value: str) -> bool:
    """True for an id c2arm derived (it holds the reserved separator); users cannot submit one."""
    return SEPARATOR in value


def user_id_problem(value: object) -> str | None:
    """Why `value` cannot be a user id (a requestId or planId), or None when it can."""
    if not isinstance(value, str):
        return "must be text"
    if SEPARATOR in value:
        return f"'{SEPARATOR}' is reserved for the ids c2arm derives (a plan's units, follow-through)"
    if value and set(value) == {"."}:
        return "cannot be made of dots only"
    if not re.match(USER_ID_PATTERN, value):
        return "must be 1-100 of A-Z a-z 0-9 - _ ."
    return None


def derived_id(owner: str, *parts: str) -> str:
    """`<owner>~<part>…` (parts reduced to the user alphabet), at most 100 characters."""
    if not is_instance_id(owner) or not parts:
        raise ValueError(f"derived id: owner {owner!r} is not an instance id, or no part given")
    text = SEPARATOR.join([owner, *(_OUTSIDE_PART.sub("-", part) or "-" for part in parts)])
    if len(text) <= MAX_LENGTH:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:_DIGEST]
    return f"{text[: MAX_LENGTH - _DIGEST - 1]}{SEPARATOR}{digest}"


def plan_unit_id(plan_id: str, kind: str, name: str, deployment: str | None = None) -> str:
    """The instance id of one unit of plan `plan_id` (before de-duplication within the plan)."""
    return derived_id(plan_id, kind, name + (f".{deployment}" if deployment else ""))
