"""Load an estate file into plain, normalized dictionaries, reporting every problem at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

import estate_yaml
from emulator.estate.model import Estate
from emulator.estate.refs import check_references
from emulator.estate.schema import Errors, problems

#: The kinds that take the estate's location when they name none.
LOCATED = (
    "virtualNetworks",
    "networkSecurityGroups",
    "routeTables",
    "reservedIps",
    "storageAccounts",
    "cloudServices",
)


class EstateError(ValueError):
    """The estate file is unusable; `errors` holds every `path: message` line."""

    def __init__(self, source: str, errors: list[str]) -> None:
        super().__init__(f"{source}: {len(errors)} error(s)\n" + "\n".join(errors))
        self.errors = errors


def load_estate(path: Path) -> dict[str, Any]:
    """Read and validate `path` (YAML, or JSON by extension); raise EstateError with all errors.

    A file that is not an estate at all (not UTF-8, binary, too big, broken syntax, an alias
    bomb) is one `<file>: problem` line, never a traceback.
    """
    try:
        data = estate_yaml.read_file(path)
    except OSError as exc:
        raise EstateError(str(path), [f"<file>: cannot read: {exc.strerror or exc}"]) from None
    try:
        raw = estate_yaml.parse_bytes(data, json_syntax=path.suffix.lower() == ".json")
    except estate_yaml.ReadError as exc:
        raise EstateError(str(path), [f"<file>: {exc}"]) from None
    return parse_estate(raw, str(path))


def parse_estate(raw: Any, source: str = "<estate>") -> dict[str, Any]:
    """Validate an already-parsed document; return the normalized estate.

    The model's problems come first, in the document's order, then the cross-references' —
    those are checked even when the model refused a part, so one answer names everything.
    """
    with estate_yaml.collector_paused():  # an estate is a large, acyclic tree
        try:
            estate: dict[str, Any] | None = Estate.model_validate(raw).model_dump()
            errors = Errors()
        except ValidationError as exc:
            estate, errors = None, problems(exc)
        if isinstance(raw, dict):
            check_references(raw, errors)
    if errors or estate is None:
        raise EstateError(source, list(errors))
    _inherit_locations(estate)
    return estate


def _inherit_locations(estate: dict[str, Any]) -> None:
    """A part without a location is in the estate's."""
    for kind in LOCATED:
        for item in estate[kind]:
            item["location"] = item["location"] or estate["location"]
