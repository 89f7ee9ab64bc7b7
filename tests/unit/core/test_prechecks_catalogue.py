"""The catalogue as data: `catalogue.toml` is loaded and checked at import, and each entry is
bound to exactly one check (a bad edit fails loudly, naming the entry and the field)."""

from __future__ import annotations

import pytest

from migration.prechecks import RULES
from migration.prechecks.catalogue import (
    CATALOGUE,
    CATALOGUE_FILE,
    CHECKS,
    bind_rules,
    check,
    parse_catalogue,
)

GOOD = """
[[rule]]
id = "C2A-900"
severity = "warning"
title = "t"
reference = "r"
remedy = "fix"
"""


def test_every_entry_has_its_check_in_catalogue_order() -> None:
    assert [r.id for r in RULES] == [e["id"] for e in CATALOGUE] == sorted(CHECKS)
    assert [(r.severity, r.title, r.reference, r.remedy) for r in RULES] == [
        (e["severity"], e["title"], e["reference"], e["remedy"]) for e in CATALOGUE
    ]
    assert all(r.check is CHECKS[r.id] for r in RULES)


def test_a_good_entry_parses() -> None:
    assert parse_catalogue(GOOD) == [
        {"id": "C2A-900", "severity": "warning", "title": "t", "reference": "r", "remedy": "fix"}
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            GOOD.replace('remedy = "fix"', 'remedy = "fix"\nowner = "x"'),
            r"rule\[0\]: unknown fields \['owner'\]",
        ),
        (GOOD.replace('title = "t"\n', ""), r"rule\[0\]: unknown fields \[\], missing fields \['title'\]"),
        (GOOD.replace('title = "t"', "title = 3"), r"rule\[0\]\.title: must be a non-empty string"),
        (GOOD.replace('reference = "r"', 'reference = " "'), r"rule\[0\]\.reference: must be a non-empty"),
        (GOOD.replace("C2A-900", "C2A-9"), r"rule\[0\]\.id: 'C2A-9' is not C2A-NNN"),
        (GOOD + GOOD, r"rule\[1\]\.id: duplicate rule id C2A-900"),
        (GOOD.replace('"warning"', '"fatal"'), r"rule\[0\]\.severity: unknown severity 'fatal'"),
        ('title = "loose"\n' + GOOD, r"expected only \[\[rule\]\] tables"),
    ],
)
def test_a_bad_entry_is_named(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_catalogue(text)


def test_the_committed_file_is_the_catalogue() -> None:
    assert parse_catalogue(CATALOGUE_FILE.read_text(encoding="utf-8")) == CATALOGUE


def test_a_check_binds_to_one_existing_entry() -> None:
    with pytest.raises(ValueError, match="C2A-999: no such rule"):
        check("C2A-999")
    with pytest.raises(ValueError, match="C2A-001: already has a check"):
        check("C2A-001")


def test_an_entry_without_a_check_is_an_error() -> None:
    entries = parse_catalogue(GOOD)
    with pytest.raises(ValueError, match="rules without a check: C2A-900"):
        bind_rules(entries, {})
    assert [r.id for r in bind_rules(entries, {"C2A-900": lambda _ctx: []})] == ["C2A-900"]
