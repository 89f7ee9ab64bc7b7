"""Deviation switches: behaviours no public source settles, as named choices instead of facts.

Each switch is an assumption listed in docs/fidelity.md; its default is what the sources lean to
(or the most conservative reading), and the other position lets a rehearsal try the platform
behaving the other way. Set with `PUT /admin/settings {"switches": {name: value}}`; a reset
returns them to their defaults. The table is in docs/emulator.md ("Deviation switches").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.state import Platform


@dataclass(frozen=True)
class Switch:
    """One named assumption: its default and what the default rests on."""

    default: bool | float | None
    kind: type
    why: str


SWITCHES: dict[str, Switch] = {
    "blobSizeMismatchBlocks": Switch(
        False,
        bool,
        "Microsoft's errors page says of a data disk whose blob size differs from its logical size "
        "'Migration will proceed without specifying a size for the data disk': a Warning by "
        "default; true reports it as a blocking Error.",
    ),
    "alreadyMigratedMessage": Switch(
        False,
        bool,
        "No source says what validate/prepare of a committed unit answers. Commit deletes the "
        "classic resource (docs), so by default the unit answers as a missing one does (recorded); "
        "true answers 400 '{unit} has already been migrated.' (the emulator's old wording).",
    ),
    "repeatCommitSucceeds": Switch(
        True,
        bool,
        "The docs call every migration operation idempotent, so a repeated commit of a committed "
        "unit succeeds at once by default; false answers it as a missing unit (the classic "
        "resource is gone).",
    ),
    "operationTimeoutHours": Switch(
        None,
        float,
        "No source gives a platform-side operation time-out (the reference's 24 h is unconfirmed): "
        "none by default; a number of hours ends an operation still running after that long as "
        "Failed OperationTimedOut.",
    ),
}


class SwitchError(ValueError):
    """A switch setting is malformed; the message names the switch."""


def value(platform: Platform, name: str) -> Any:
    """The switch's current position (its default unless set)."""
    return (platform.controls.settings.switches or {}).get(name, SWITCHES[name].default)


def positions(platform: Platform) -> dict[str, Any]:
    """Every switch with its current position (what `GET /admin/state` shows)."""
    return {name: value(platform, name) for name in SWITCHES}


def apply(platform: Platform, raw: Any) -> None:
    """Set the switches in `raw` (a mapping); nothing changes when one is malformed."""
    if not isinstance(raw, dict):
        raise SwitchError("switches: expected a mapping of switch name to value")
    checked: dict[str, Any] = {}
    for name, setting in raw.items():
        switch = SWITCHES.get(name)
        if switch is None:
            raise SwitchError(f"switches.{name}: unknown switch (known: {', '.join(SWITCHES)})")
        if switch.kind is bool:
            if not isinstance(setting, bool):
                raise SwitchError(f"switches.{name}: must be true or false")
        elif setting is not None and (
            isinstance(setting, bool) or not isinstance(setting, int | float) or setting <= 0
        ):
            raise SwitchError(f"switches.{name}: must be a positive number of hours or null")
        checked[name] = setting
    settings = platform.controls.settings
    settings.switches = {**(settings.switches or {}), **checked}
