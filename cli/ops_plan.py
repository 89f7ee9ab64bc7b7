"""Helpers of `c2arm migrate` and plan reports: the estate's units, and a plan's report.

A plan has no report of its own in the API; the CLI builds one from `GET /api/plans/{id}` and
the reports of its final units, in the shape `migration.render.report_page` documents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cli.api_client import ApiClient, ApiError
from migration.estate import load_estate_file
from migration.estate.loader import EstateError
from migration.phases import is_final
from migration.units import units_of


def load_estate_units(path: Path) -> tuple[str, set[str]]:
    """(subscription id, every `KIND/NAME` unit) of an estate file; ValueError naming the problem."""
    try:
        estate = load_estate_file(path)
    except FileNotFoundError:
        raise ValueError(f"{path} does not exist") from None
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    except EstateError as exc:
        raise ValueError(str(exc)) from None
    return estate.subscription_id, {str(u) for u in units_of(estate)}


def build_plan_report(client: ApiClient, plan: dict[str, Any]) -> dict[str, Any]:
    """The plan with each final unit's report (and timeline) attached, for `report_html`."""
    waves: list[dict[str, Any]] = []
    for wave in plan.get("waves") or []:
        units = []
        for unit in wave.get("units") or []:
            entry = dict(unit)
            unit_id = str(unit.get("id") or "")
            if unit_id and is_final(str(unit.get("phase", ""))):
                try:
                    entry["report"] = client.report(unit_id)
                    entry["timeline"] = entry["report"].get("timeline") or []
                except ApiError as exc:
                    if exc.status not in {404, 409}:
                        raise
            elif unit_id:
                try:
                    entry["timeline"] = client.migration(unit_id).get("timeline") or []
                except ApiError as exc:
                    if exc.status != 404:
                        raise
            units.append(entry)
        waves.append({"index": wave.get("index", len(waves)), "units": units})
    return {
        "id": plan.get("id"),
        "kind": "plan",
        "phase": plan.get("phase"),
        "waves": waves,
        "notMigratable": plan.get("notMigratable") or [],
    }
