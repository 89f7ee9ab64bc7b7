"""One list of unit kinds (`migration/unit_kinds.py`), kept apart from the estate model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from migration import requests, unit_kinds, units

ROOT = Path(__file__).resolve().parents[3]


def test_requests_and_units_share_the_one_list() -> None:
    assert units.UNIT_KINDS is unit_kinds.UNIT_KINDS
    assert requests.Unit.model_fields["kind"].annotation is unit_kinds.UnitKind
    assert unit_kinds.UNIT_KINDS[0] == "virtualNetwork"  # the platform's required order starts there


def test_parsing_a_request_does_not_import_the_estate_model() -> None:
    """The CLI's operator commands parse requests at every start; the estate model costs ~0.2 s."""
    code = (
        "import sys, migration.requests, cli.ops_submit, cli.ops_inputs, cli.ops_validate; "
        "print(sorted(m for m in sys.modules if m.startswith('migration.estate')))"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
