"""One list of unit kinds (`migration/unit_kinds.py`), kept apart from the estate model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import get_args

from migration import requests, unit_kinds, units
from migration.estate.model import Estate

ROOT = Path(__file__).resolve().parents[3]


def test_requests_and_units_share_the_one_list() -> None:
    assert units.UNIT_KINDS is unit_kinds.UNIT_KINDS
    assert requests.Unit.model_fields["kind"].annotation is unit_kinds.UnitKind
    assert unit_kinds.UNIT_KINDS[0] == "virtualNetwork"  # the platform's required order starts there


def test_each_unit_kind_names_the_estate_collection_that_lists_it() -> None:
    """The snapshot's unit part reads a unit from `UNIT_COLLECTIONS[kind]`: a key the estate model
    has, whose items are that kind's model (`virtualNetworks: list[VirtualNetwork]`)."""
    collections = {field.alias: field for field in Estate.model_fields.values()}
    assert list(unit_kinds.UNIT_COLLECTIONS) == list(unit_kinds.UNIT_KINDS)
    for kind, collection in unit_kinds.UNIT_COLLECTIONS.items():
        (item,) = get_args(collections[collection].annotation)
        assert item.__name__ == kind[0].upper() + kind[1:], (kind, collection)


def test_parsing_a_request_does_not_import_the_estate_model() -> None:
    """The CLI's operator commands parse requests at every start; the estate model costs ~0.2 s."""
    code = (
        "import sys, migration.requests, cli.ops_submit, cli.ops_inputs, cli.ops_validate; "
        "print(sorted(m for m in sys.modules if m.startswith('migration.estate')))"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
