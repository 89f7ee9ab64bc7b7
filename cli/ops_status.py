"""What `c2arm status` shows: a table per unit (phase, elapsed, next step) and plan progress.

Kept apart from the commands so the rendering is plain data → rich renderables, and `--watch`
only re-renders what it fetched. Elapsed time comes from the status's own `createdAt` /
`updatedAt` (a final unit's clock stops), and from the local clock only while a unit runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from migration.phases import is_final
from migration.render.gantt import human_duration, parse_time
from migration.render.review import decision_path

PHASE_STYLE = {
    "Committed": "bold green",
    "Aborted": "yellow",
    "NotMigratable": "bold red",
    "Failed": "bold red",
    "NeedsSupport": "bold red",
    "AwaitingApproval": "bold magenta",
    "WaitingForWindow": "cyan",
}


def unit_text(unit: Any) -> str:
    if isinstance(unit, Mapping):
        return "/".join(str(unit[k]) for k in ("kind", "name", "deployment") if unit.get(k))
    return str(unit or "")


NEEDS_A_PERSON = frozenset({"AwaitingApproval", "AwaitingPrepareApproval"})
"""Phases in which nothing happens until someone decides (`status --watch` stops there)."""


def shown_phase(status: Mapping[str, Any]) -> str:
    """The phase as shown: a dry run says so in every phase (it prepares for real, then ends
    `Aborted` by design)."""
    phase = str(status.get("phase", ""))
    return f"{phase} (dry run)" if phase and status.get("dryRun") else phase


def next_step(
    instance_id: str,
    phase: str,
    findings: int | None = None,
    *,
    plan: Mapping[str, Any] | None = None,
    waits_for: Sequence[str] = (),
    flags: str = "",
    dry_run: bool = False,
) -> str:
    """What the operator should do next, in words (the commands to type where there is one).

    `plan` is the unit's `plan {id, wave, approval}`: a unit of a `perWave` plan is approved with
    its wave. `waits_for` are the plan units a `Pending` unit still waits for. `flags` (e.g.
    ` --state-dir DIR`) are added to every command, so a hint can be pasted as it is.
    """
    if phase == "AwaitingApproval":
        return _approval_hint(instance_id, findings, plan, flags)
    if phase in _HINTS:
        return _HINTS[phase].format(id=instance_id, flags=flags)
    if phase in {"Committed", "Aborted"}:
        done = "dry run done (prepared, checked, aborted): " if dry_run and phase == "Aborted" else ""
        return f"{done}c2arm report {instance_id} --html{flags}"
    if phase == "Pending":
        if waits_for:
            return f"waits for {', '.join(waits_for)} to commit"
        return "waits for a free slot of the plan"
    if phase in {"Committing", "Aborting"}:
        return f"{phase.lower()}: the platform is working"
    if dry_run:
        return "dry run: prepares for real (VMs outside a VNet deallocated, plane locked), then aborts"
    return "running: nothing to do"


# the hint of a phase that needs nothing but the unit's id (`{id}`) and the command flags (`{flags}`)
_HINTS = {
    "AwaitingPrepareApproval": "validated; to prepare: c2arm approve {id}{flags} (or abort {id})",
    "WaitingForWindow": "waits for the next migration window",
    "NotMigratable": "fix the findings listed by c2arm report {id}{flags}",
    "Failed": "read the error: c2arm report {id}{flags}",
    "NeedsSupport": "open a support case with the correlation data in the report",
    "Blocked": "blocked: a unit it depends on did not migrate",
}


def _approval_hint(instance_id: str, findings: int | None, plan: Mapping[str, Any] | None, flags: str) -> str:
    """A unit awaiting approval: approve or abort it (a unit of a `perWave` plan: approve its wave)."""
    seen = f"{findings} finding(s); " if findings is not None else ""
    if plan and plan.get("approval") == "perWave":
        return (
            f"{seen}review, then c2arm approve {plan.get('id')} --wave {plan.get('wave')}{flags} "
            f"(or c2arm abort {instance_id}{flags})"
        )
    return f"{seen}review, then c2arm approve|abort {instance_id}{flags}"


def _review_link(status: Mapping[str, Any]) -> str | None:
    links = status.get("links")
    link = links.get("review") if isinstance(links, Mapping) else None
    return str(link) if link else None


def elapsed(status: Mapping[str, Any], now: datetime) -> str:
    """From creation to the last update (final) or to now (still running)."""
    start = parse_time(status.get("createdAt"))
    if start is None:
        timeline = status.get("timeline") or []
        start = parse_time(timeline[0].get("at")) if timeline else None
    if start is None:
        return ""
    updated = parse_time(status.get("updatedAt")) or now
    # a final unit's clock stopped; a running one on a local stack with scaled time may run ahead
    # of this clock, so never show less than was already seen
    end = updated if is_final(str(status.get("phase", ""))) else max(now, updated)
    return human_duration((end - start).total_seconds())


def _phase(phase: str) -> Text:
    return Text(phase, style=PHASE_STYLE.get(phase.split(" ", 1)[0], ""))


def migration_table(
    statuses: Sequence[Mapping[str, Any]],
    now: datetime | None = None,
    *,
    clock: str = "elapsed",
    flags: str = "",
) -> Table:
    """One row per migration: id, unit, phase, elapsed (`clock` names its clock), next step."""
    now = now or datetime.now(UTC)
    table = Table(title="c2arm migrations", expand=False)
    for column in ("id", "unit", "phase", clock, "next step"):
        table.add_column(column, overflow="fold")
    for status in statuses:
        instance_id, phase = str(status.get("id", "")), str(status.get("phase", ""))
        findings = status.get("findings")
        count = len(findings) if isinstance(findings, list) else None
        plan = status.get("plan") if isinstance(status.get("plan"), Mapping) else None
        table.add_row(
            instance_id,
            unit_text(status.get("unit")),
            _phase(shown_phase(status)),
            elapsed(status, now),
            next_step(instance_id, phase, count, plan=plan, flags=flags, dry_run=bool(status.get("dryRun"))),
        )
    if not statuses:
        table.caption = "no migrations yet: c2arm submit or c2arm migrate"
    waiting = [
        _review_link(s) or decision_path(str(s.get("id", ""))).removesuffix("/decision")
        for s in statuses
        if s.get("phase") == "AwaitingApproval"
    ]
    if len(waiting) == 1:
        table.caption = f"review page: {waiting[0]}"
    return table


def plan_units(plan: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    return [(int(w.get("index", 0)), u) for w in plan.get("waves") or [] for u in w.get("units") or []]


def plan_view(
    plan: Mapping[str, Any],
    details: Mapping[str, Mapping[str, Any]],
    now: datetime | None = None,
    *,
    compact: bool = False,
    clock: str = "elapsed",
    flags: str = "",
) -> RenderableType:
    """A plan: a progress bar per wave and overall, then one row per unit (with its wave).

    `compact` leaves out the ids and the elapsed time (the demo's screen, where the platform's
    time is scaled and the ids are long). A unit's phase is its own status's when it was read
    (`details`): the plan's row may lag behind it (a unit awaiting approval is not `Preparing`).
    """
    now = now or datetime.now(UTC)
    units = plan_units(plan)
    done = sum(1 for _, u in units if is_final(str(u.get("phase", ""))))
    parts: list[RenderableType] = [
        Text.assemble(
            ("plan ", "bold"),
            (str(plan.get("id", "")), "bold"),
            "  ",
            _phase(str(plan.get("phase", ""))),
            f"   {done}/{len(units)} units final",
        ),
        ProgressBar(total=max(len(units), 1), completed=done, width=60),
    ]
    columns = (
        ("wave", "unit", "phase", "next step")
        if compact
        else ("wave", "id", "unit", "phase", clock, "next step")
    )
    table = Table(expand=False)
    for column in columns:
        table.add_column(column, overflow="fold")

    def row(wave: str, uid: str, unit: str, phase: RenderableType, spent: str, step: str) -> None:
        cells = {"wave": wave, "id": uid, "unit": unit, "phase": phase, clock: spent, "next step": step}
        table.add_row(*(cells[c] for c in columns))

    committed = {str(u.get("key")) for _, u in units if u.get("phase") == "Committed"}
    for wave in plan.get("waves") or []:
        wave_units = wave.get("units") or []
        finished = sum(1 for u in wave_units if is_final(str(u.get("phase", ""))))
        bar = ProgressBar(total=max(len(wave_units), 1), completed=finished, width=20)
        row(f"[bold]{wave.get('index')}[/bold]", "", f"{finished}/{len(wave_units)} final", bar, "", "")
        for unit in wave_units:
            instance_id = str(unit.get("id", ""))
            status = details.get(instance_id) or unit
            phase = str(status.get("phase") or unit.get("phase", ""))
            findings = status.get("findings")
            count = len(findings) if isinstance(findings, list) else None
            own_plan = status.get("plan") if isinstance(status.get("plan"), Mapping) else None
            own_plan = own_plan or {
                "id": plan.get("id"),
                "wave": wave.get("index"),
                "approval": plan.get("approval"),
            }
            waits = [str(k) for k in unit.get("dependsOn") or [] if str(k) not in committed]
            step = next_step(
                instance_id,
                phase,
                count,
                plan=own_plan,
                waits_for=waits,
                flags=flags,
                dry_run=bool(status.get("dryRun") or plan.get("dryRun")),
            )
            if compact and is_final(phase):
                step = ""
            shown = shown_phase({"phase": phase, "dryRun": status.get("dryRun") or plan.get("dryRun")})
            row("", instance_id, unit_text(unit.get("unit")), _phase(shown), elapsed(status, now), step)
    for item in plan.get("notMigratable") or []:
        if isinstance(item, Mapping):
            reasons = item.get("reasons") or []
            first = reasons[0] if reasons else ""
            text = first.get("message", "") if isinstance(first, Mapping) else str(first)
            row("-", "", unit_text(item.get("unit")), _phase("NotMigratable"), "", text)
    parts.append(table)
    return Group(*parts)


def plan_is_final(plan: Mapping[str, Any]) -> bool:
    """The plan is done when it says so, or when every unit in it is final."""
    if str(plan.get("phase", "")) in {"Completed", "Failed", "Terminated", "Canceled"}:
        return True
    units = plan_units(plan)
    return bool(units) and all(is_final(str(u.get("phase", ""))) for _, u in units)
