"""`c2arm precheck | plan | expected`: the core's answers for an estate file, without any server.

Exit codes: 0 = done (for `precheck`: no finding is an `error`), 1 = `precheck` found an error,
2 = bad input or usage (the message on stderr). With `--json`, stdout holds only the JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer

from migration.arm import expected_resources
from migration.estate import Estate, EstateError, load_estate_file
from migration.planner import plan as make_plan
from migration.prechecks import run_prechecks
from migration.units import UnitRef, parse_unit, resolve_unit

ESTATE = typer.Option(..., "--estate", help="Estate file (YAML or JSON, version 1).")
JSON = typer.Option(False, "--json", help="Print JSON only (machine-readable).")


def _fail(message: str) -> NoReturn:
    typer.echo(f"c2arm: {message}", err=True)
    raise typer.Exit(2)


def _estate(path: Path) -> Estate:
    if not path.is_file():
        _fail(f"{path}: no such estate file")
    try:
        return load_estate_file(path)
    except EstateError as exc:
        _fail(str(exc))


def _unit(estate: Estate, text: str) -> UnitRef:
    try:
        return resolve_unit(estate, parse_unit(text))
    except ValueError as exc:
        _fail(str(exc))


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def precheck(
    estate_file: Path = ESTATE,
    unit: str | None = typer.Option(None, "--unit", help="Only this unit (KIND/NAME)."),
    as_json: bool = JSON,
) -> None:
    """Run the prechecks: every finding, and each unit's verdict."""
    estate = _estate(estate_file)
    units = [_unit(estate, unit)] if unit else None
    report = run_prechecks(estate, units)
    if as_json:
        _print_json(report.to_dict())
    else:
        for v in report.units:
            waits = f" (waits for {', '.join(v.blocked_by)})" if v.blocked_by else ""
            typer.echo(f"{v.unit}: {v.verdict}{waits}")
        if report.findings:
            typer.echo("")
        for f in report.findings:
            typer.echo(
                f"[{f.severity}] {f.rule} {f.unit} {f.resource}\n    {f.message}\n    remedy: {f.remedy}"
            )
        counts = {
            s: sum(1 for f in report.findings if f.severity == s)
            for s in ("error", "blocked", "warning", "info")
        }
        typer.echo("\n" + ", ".join(f"{n} {s}" for s, n in counts.items()))
    raise typer.Exit(1 if report.has_errors else 0)


def plan(
    estate_file: Path = ESTATE,
    concurrency: int = typer.Option(4, "--concurrency", min=1, help="Units migrated at once (per wave)."),
    as_json: bool = JSON,
) -> None:
    """Order the estate's units in waves: dependencies first, at most N units per wave."""
    estate = _estate(estate_file)
    result = make_plan(estate, concurrency=concurrency)
    if as_json:
        _print_json(result.to_dict())
        return
    for index, wave in enumerate(result.waves):
        typer.echo(f"wave {index}: {', '.join(str(u) for u in wave)}")
    for u in result.units:
        if u.depends_on:
            typer.echo(f"{u.unit} after {', '.join(str(d) for d in u.depends_on)}")
    for q in result.quota_shortfalls:
        typer.echo(f"quota: the plan needs {q.needed} {q.quota}, {q.remaining} remain")
    for u in result.units:
        if u.verdict != "migratable":
            parts = [u.verdict]
            if u.blocked_by:
                parts.append(f"waits for {', '.join(u.blocked_by)}")
            if u.reasons:
                parts.append(", ".join(sorted({r.rule for r in u.reasons})))
            typer.echo(f"not planned: {u.unit} ({'; '.join(parts)})")


def expected(
    estate_file: Path = ESTATE,
    unit: str = typer.Option(..., "--unit", help="The unit (KIND/NAME)."),
    as_json: bool = JSON,
) -> None:
    """The ARM resources the platform should create for a unit (the translation contract)."""
    estate = _estate(estate_file)
    ref = _unit(estate, unit)
    resources = expected_resources(estate, ref)
    if as_json:
        _print_json(
            {
                "unit": str(ref),
                "resourceGroup": ref.resource_group,
                "resources": [r.to_dict() for r in resources],
            }
        )
        return
    typer.echo(f"{ref} → resource group {ref.resource_group}")
    for r in resources:
        typer.echo(f"  {r.address} ({r.location})")


def register(app: typer.Typer) -> None:
    """Add `precheck`, `plan` and `expected` to the `c2arm` app (called from cli/main.py)."""
    app.command()(precheck)
    app.command()(plan)
    app.command()(expected)
