"""Divergence 1 (#14): only the platform's `Error` category blocks a unit.

The categories are the platform's enum `XrpMigrationValidationMessageCategory` (classic .NET SDK):
Unspecified, Information, Warning, Error. PowerShell's `MigrationValidateContext` passes a
validate with no `Error` ("Validation Passed. Please see ValidationMessages object for a list of
resources that will be migrated"). The message shape is the recorded one (the storage account
validate of 2017-03-18), with its category changed.
"""

from __future__ import annotations

import pytest

from connectors.asm import AsmClient
from connectors.asm.units import parse_validation
from connectors.asm.xml_common import parse_xml
from migration.requests import Unit
from tests.integration.fidelity.recorded import answer

RECORDED = answer("POST", "/services/storageservices/123/migration?comp=validate")["body"]


@pytest.mark.parametrize(
    ("category", "severity"),
    [
        ("Information", "info"),
        ("Unspecified", "info"),
        ("Warning", "warning"),
    ],
)
def test_only_error_blocks(category: str, severity: str) -> None:
    body = RECORDED.replace("<Category>Error</Category>", f"<Category>{category}</Category>")
    result = parse_validation(parse_xml(body.encode(), "validate"))
    (message,) = result.messages
    assert result.migratable and result.errors == []
    assert (message.category, message.severity) == (category, severity)


def test_error_blocks() -> None:
    result = parse_validation(parse_xml(RECORDED.encode(), "validate"))
    assert not result.migratable and [m.severity for m in result.errors] == ["error"]


def test_a_passing_validate_that_lists_what_it_migrates_is_migratable(asm: AsmClient) -> None:
    """The emulator lists the deployments a passing validate will migrate as `Information`."""
    result = asm.validate(Unit(kind="virtualNetwork", name="vnet-prod"))
    info = [m for m in result.messages if m.category == "Information"]
    assert info and result.migratable  # vnet-prod also has a Warning (an XML extension): not blocking
    assert {m.category for m in result.messages} <= {"Information", "Warning"}
    assert all(m.resource_type == "Deployment" and "will be migrated" in m.message for m in info)


@pytest.mark.parametrize("category", ["", "<Category></Category>", "<Category> </Category>"])
def test_a_message_without_category_counts_as_error(category: str) -> None:
    """A named assumption (docs/fidelity.md): no source shows a message without `Category`; if one
    comes, c2arm takes it as `Error` (it blocks) rather than let an unknown problem through."""
    body = RECORDED.replace("<Category>Error</Category>", category)
    result = parse_validation(parse_xml(body.encode(), "validate"))
    (message,) = result.messages
    assert message.category == "Error" and not result.migratable
