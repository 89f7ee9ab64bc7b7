"""Prechecks: the catalogue of rules that say what will block or hurt a unit's migration.

Public API (stable; add, don't rename):

- `run_prechecks(estate, units=None) -> PrecheckReport`: `.findings` (list of `Finding`),
  `.units` (list of `UnitVerdict`), `.has_errors`, `.verdict(unit)`, `.to_dict()` (the
  `c2arm precheck --json` shape).
- `Finding(rule, severity, unit, resource, message, remedy, blocked_by)`; `.to_dict()` gives
  `{"rule", "severity", "unit", "resource", "message", "remedy"}`. `unit` is `KIND/NAME`, or
  `subscription` for findings that concern every unit.
- `UnitVerdict(unit, verdict, blocked_by, reasons)`; verdict ∈ `VERDICTS`
  (`migratable`, `notMigratable`, `blocked`); `.to_dict()` → `{"unit", "verdict", "blockedBy"}`.
- `RULES`: the catalogue (`Rule(id, severity, title, reference, remedy)`) in id order: the
  metadata from `catalogue.toml`, each with its check; listed in docs/prechecks.md by
  `python -m migration.prechecks.docs`.
- `verdict_of(unit, findings)`: a verdict from any list of findings (e.g. ours plus the
  platform's validate messages mapped to `Finding`s).
"""

from migration.prechecks.catalogue import SEVERITIES, SUBSCRIPTION, Finding, Hit, Rule
from migration.prechecks.engine import RULES, VERDICTS, PrecheckReport, UnitVerdict, run_prechecks, verdict_of

__all__ = [
    "RULES",
    "SEVERITIES",
    "SUBSCRIPTION",
    "VERDICTS",
    "Finding",
    "Hit",
    "PrecheckReport",
    "Rule",
    "UnitVerdict",
    "run_prechecks",
    "verdict_of",
]
