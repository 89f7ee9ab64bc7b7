"""Operator commands that talk to a running c2arm app: submit, status, approve, abort, report, migrate.

They reach the local stack through `<state-dir>/stack.json`, or a deployed app with `--app URL`
and `C2ARM_KEY` (see `cli.api_client`). Failures: see `cli.ops_common`.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
import webbrowser
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.live import Live

from cli import ops_inputs
from cli.api_client import ApiClient, ApiError
from cli.ops_common import (
    AppUrl,
    DryRun,
    Principal,
    StateDir,
    acting_client,
    client_for,
    fail,
    flags_for,
    out,
)
from cli.ops_status import NEEDS_A_PERSON, migration_table, next_step, plan_is_final, plan_view, shown_phase
from cli.ops_submit import submit
from migration.phases import is_final
from migration.render import id_map_csv, report_html


class Approval(StrEnum):
    perUnit = "perUnit"
    perWave = "perWave"


def _plan_or_none(client: ApiClient, plan_id: str) -> dict[str, Any] | None:
    try:
        return client.plan(plan_id)
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise


def clock_label(app: str | None, state_dir: Path) -> str:
    """The elapsed column's heading, naming its clock: the local stack's may run scaled."""
    if app is None:
        try:
            scale = float(json.loads((Path(state_dir) / "devhost.json").read_text()).get("timeScale", 1))
        except (OSError, ValueError, TypeError):
            scale = 1.0
        if scale != 1:
            return f"elapsed (platform time, ×{scale:g})"
    return "elapsed (wall clock)"


@dataclass
class Snapshot:
    """One look at what `status` shows: the renderable, whether all is final, the API's JSON, and
    every unit status in it (for `--watch`: who needs a person, what changed)."""

    view: Any
    finished: bool
    raw: Any
    units: list[dict[str, Any]]


def _snapshot(client: ApiClient, instance_id: str | None, clock: str, flags: str) -> Snapshot:
    """What `status` shows for one id, a plan id, or every migration."""
    if instance_id is None:
        migrations = client.migrations()
        finished = all(is_final(str(m.get("phase"))) for m in migrations)
        return Snapshot(
            migration_table(migrations, clock=clock, flags=flags), finished, migrations, migrations
        )
    try:
        status = client.migration(instance_id)
    except ApiError as exc:
        if exc.status != 404:
            raise
        plan = _plan_or_none(client, instance_id)
        if plan is None:
            raise ApiError(f"no migration or plan with id {instance_id!r}", 404) from None
        details = {}
        rows = [u for w in plan.get("waves") or [] for u in w.get("units") or []]
        for unit in rows:
            if unit.get("id") and not is_final(str(unit.get("phase", ""))) and unit.get("phase") != "Pending":
                # a unit not started yet has no status: the plan's row is all there is
                with contextlib.suppress(ApiError):
                    details[str(unit["id"])] = client.migration(str(unit["id"]))
        units = [details.get(str(u.get("id"))) or dict(u) for u in rows]
        return Snapshot(plan_view(plan, details, clock=clock, flags=flags), plan_is_final(plan), plan, units)
    return Snapshot(
        migration_table([status], clock=clock, flags=flags),
        is_final(str(status.get("phase"))),
        status,
        [status],
    )


def _needs_a_person(units: list[dict[str, Any]], flags: str) -> list[str]:
    """One line per unit that waits for a decision: why `--watch` stops, and what to type."""
    lines = []
    for unit in units:
        phase = str(unit.get("phase", ""))
        if phase in NEEDS_A_PERSON:
            plan = unit.get("plan") if isinstance(unit.get("plan"), dict) else None
            findings = unit.get("findings")
            count = len(findings) if isinstance(findings, list) else None
            uid = str(unit.get("id"))
            lines.append(f"{uid} is {phase}: {next_step(uid, phase, count, plan=plan, flags=flags)}")
    return lines


def _progress_lines(units: list[dict[str, Any]], seen: dict[str, str]) -> list[str]:
    """`HH:MM:SS id phase` for each unit whose phase changed since the last look (stdout not a TTY)."""
    lines = []
    for unit in units:
        uid, phase = str(unit.get("id", "")), shown_phase(unit)
        if uid and seen.get(uid) != phase:
            seen[uid] = phase
            lines.append(f"{datetime.now(UTC):%H:%M:%S} {uid} {phase}")
    return lines


def status(
    instance_id: str | None = typer.Argument(None, help="A migration or plan id (default: all migrations)."),
    watch: bool = typer.Option(
        False,
        "--watch",
        "-w",
        help="Refresh until everything shown is final, or stop when a unit needs a person (approval).",
    ),
    interval: float = typer.Option(2.0, "--interval", min=0.2, max=60, help="Seconds between refreshes."),
    as_json: bool = typer.Option(False, "--json", help="Print the API's JSON instead of a table."),
    app: str | None = AppUrl,
    state_dir: Path = StateDir,
) -> None:
    """Show where migrations (or a plan) are: phase, elapsed time (its clock named), and the next step.

    With --watch on a terminal the table refreshes in place; when stdout is not a terminal (a log,
    a pipe) a line is printed each time a unit changes phase. The watch ends when everything is
    final, or, saying why, as soon as a unit waits for a person's decision.
    """
    if instance_id is not None:
        ops_inputs.instance_id(instance_id)
    clock, flags = clock_label(app, state_dir), flags_for(app, state_dir)
    with client_for(app, state_dir) as client:
        snap = _snapshot(client, instance_id, clock, flags)
        if as_json:
            out.print_json(data=snap.raw)
            return
        waiting = _needs_a_person(snap.units, flags)
        if not watch or snap.finished or waiting:
            out.print(snap.view)
            if watch and waiting and not snap.finished:
                out.print(
                    "stopped watching: a unit needs a person\n" + "\n".join(waiting),
                    highlight=False,
                    soft_wrap=True,
                )
            return
        try:
            if out.is_terminal:
                with Live(snap.view, console=out, refresh_per_second=4) as live:
                    while not (snap.finished or waiting):
                        time.sleep(interval)  # the operator's refresh rate, not a wait for a condition
                        snap = _snapshot(client, instance_id, clock, flags)
                        waiting = _needs_a_person(snap.units, flags)
                        live.update(snap.view)
            else:
                seen: dict[str, str] = {}
                for line in _progress_lines(snap.units, seen):
                    out.print(line, highlight=False, soft_wrap=True)
                while not (snap.finished or waiting):
                    time.sleep(interval)
                    snap = _snapshot(client, instance_id, clock, flags)
                    waiting = _needs_a_person(snap.units, flags)
                    for line in _progress_lines(snap.units, seen):
                        out.print(line, highlight=False, soft_wrap=True)
                out.print(snap.view)
        except KeyboardInterrupt:  # Ctrl-C ends the watch, not the migrations
            raise typer.Exit(130) from None
        if waiting and not snap.finished:
            out.print(
                "stopped watching: a unit needs a person\n" + "\n".join(waiting),
                highlight=False,
                soft_wrap=True,
            )


# -- decisions -----------------------------------------------------------------------------------
def _decide(
    decision: str,
    instance_id: str,
    comment: str | None,
    principal: str | None,
    app: str | None,
    state_dir: Path,
) -> None:
    ops_inputs.instance_id(instance_id)
    with acting_client(app, state_dir, principal) as (client, principal):
        try:
            answer = client.decide(instance_id, decision, comment, principal)
        except ApiError as exc:
            if exc.status == 404 and isinstance(exc.body, dict) and exc.body.get("kind") == "plan":
                flags = flags_for(app, state_dir)
                hint = (
                    "add --wave N (c2arm status {0}{1} shows the waves)"
                    if decision == "approve"
                    else ("abort its units one by one (c2arm status {0}{1} lists their ids)")
                )
                raise fail(f"{instance_id} is a plan: {hint.format(instance_id, flags)}", 2) from None
            raise
    out.print(f"{answer.get('id', instance_id)}: decision {answer.get('decision')} accepted", highlight=False)


def approve(
    instance_id: str = typer.Argument(
        ..., help="The migration id (its requestId), or a plan id with --wave."
    ),
    wave: int | None = typer.Option(None, "--wave", min=0, help="Approve this wave of a perWave plan."),
    comment: str | None = typer.Option(None, "--comment", help="Kept in the audit log."),
    principal: str | None = Principal,
    app: str | None = AppUrl,
    state_dir: Path = StateDir,
) -> None:
    """Approve a unit in AwaitingApproval (the app commits it), a unit in AwaitingPrepareApproval
    (the app prepares it), or with --wave every unit of a perWave plan's wave awaiting approval."""
    if wave is None:
        _decide("approve", instance_id, comment, principal, app, state_dir)
        return
    ops_inputs.instance_id(instance_id)
    with acting_client(app, state_dir, principal) as (client, principal):
        answer = client.approve_wave(instance_id, wave, comment, principal)
    approved = answer.get("approved") or answer.get("units")
    what = f" ({len(approved)} unit(s))" if isinstance(approved, list) else ""
    out.print(f"{instance_id}: wave {wave} approved{what}", highlight=False)


def abort(
    instance_id: str = typer.Argument(..., help="The migration id (its requestId)."),
    comment: str | None = typer.Option(None, "--comment", help="Kept in the audit log."),
    principal: str | None = Principal,
    app: str | None = AppUrl,
    state_dir: Path = StateDir,
) -> None:
    """Abort a unit (refused once commit has started): the classic resources stay as they were."""
    _decide("abort", instance_id, comment, principal, app, state_dir)


# -- report --------------------------------------------------------------------------------------
def fetch_report(client: ApiClient, report_id: str) -> dict[str, Any]:
    """A unit's report, or a plan report built from the plan and its units' reports."""
    try:
        return client.report(report_id)
    except ApiError as exc:
        if exc.status not in {404, 409}:  # a plan's id may answer 409 there: it is not a unit
            raise
        plan = _plan_or_none(client, report_id)
        if plan is None:
            if exc.status == 409:
                raise
            raise ApiError(f"no migration or plan with id {report_id!r}", 404) from None
        from cli.ops_plan import build_plan_report

        return build_plan_report(client, plan)


def write_report_files(report: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    """`<folder>/<id>.html` and `<id>-ids.csv`, written whole (temp file + rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(report.get("id", "report")))
    paths = (folder / f"{safe}.html", folder / f"{safe}-ids.csv")
    for path, text in zip(paths, (report_html(report), id_map_csv(report)), strict=True):
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return paths


def report(
    report_id: str = typer.Argument(..., help="A migration id or a plan id."),
    html: bool = typer.Option(False, "--html", help="Write the self-contained HTML report (+ id-map CSV)."),
    csv_out: bool = typer.Option(False, "--csv", help="Print the classic-name → ARM-id map as CSV."),
    open_it: bool = typer.Option(False, "--open", help="Open the HTML report in a browser (implies --html)."),
    out_dir: Path | None = typer.Option(
        None, "--out", help="Folder for --html (default: <state-dir>/reports)."
    ),
    app: str | None = AppUrl,
    state_dir: Path = StateDir,
) -> None:
    """The final report of a migration or plan: JSON on stdout, or HTML/CSV files."""
    ops_inputs.instance_id(report_id)
    with client_for(app, state_dir) as client:
        try:
            data = fetch_report(client, report_id)
        except ApiError as exc:
            raise fail(str(exc)) from None
    if csv_out:
        out.file.write(id_map_csv(data))
        return
    if not (html or open_it):
        out.print_json(data=data)
        return
    html_path, csv_path = write_report_files(data, out_dir or state_dir / "reports")
    out.print(f"report: {html_path.resolve()}\nid map: {csv_path.resolve()}", highlight=False)
    if open_it:
        webbrowser.open(html_path.resolve().as_uri())


# -- migrate (start a plan) ----------------------------------------------------------------------
def migrate(
    estate: Path = typer.Option(..., "--estate", help="The estate file of the subscription (YAML/JSON)."),
    units: list[str] | None = typer.Option(None, "--units", help="KIND/NAME units (repeat; default: all)."),
    concurrency: int | None = typer.Option(None, "--concurrency", min=1, max=100, help="Units at a time."),
    approval: Approval = typer.Option(
        Approval.perUnit, "--approval", case_sensitive=False, help="perUnit or perWave approval."
    ),
    plan_id: str | None = typer.Option(None, "--plan-id", help="Default: plan-<random>."),
    window: str | None = typer.Option(None, "--window", help="any | off-hours"),
    dry_run: bool = DryRun,
    principal: str | None = Principal,
    app: str | None = AppUrl,
    state_dir: Path = StateDir,
) -> None:
    """Start a plan: the estate's units in waves (POST /api/plans); follow it with c2arm status ID -w."""
    from cli.ops_plan import load_estate_units  # the estate model is only needed here

    units = [ops_inputs.unit_address(u) for u in units or []]
    window = ops_inputs.window(window)
    if plan_id is not None:
        ops_inputs.instance_id(plan_id, "--plan-id", new=True)
    try:
        subscription, known = load_estate_units(estate)
    except ValueError as exc:
        raise fail(f"--estate: {exc}", 2) from None
    unknown = [u for u in units or [] if u not in known]
    if unknown:
        raise fail(
            f"--units: {', '.join(unknown)} not a unit of {estate} (units: {', '.join(sorted(known))})", 2
        )
    body: dict[str, Any] = {
        "planId": plan_id or f"plan-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}",
        "subscriptionId": subscription,
        "approval": approval.value,
    }
    if units:
        body["units"] = list(units)
    if concurrency:
        body["concurrency"] = concurrency
    if window:
        body["window"] = window
    if dry_run:
        body["dryRun"] = True
    with acting_client(app, state_dir, principal) as (client, principal):
        answer = client.start_plan(body, principal)
    plan = answer.get("id", body["planId"])
    what = (
        f"approve each wave with c2arm approve {plan} --wave N"
        if approval is Approval.perWave
        else "approve each unit"
    )
    out.print(
        f"{plan}: started  (follow it: c2arm status {plan} --watch{flags_for(app, state_dir)}; {what})",
        highlight=False,
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    """Add the operator commands to the `c2arm` app (called from cli/main.py)."""
    for command in (submit, status, approve, abort, report, migrate):
        app.command()(command)
