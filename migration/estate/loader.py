"""Reading and writing estate files (YAML or JSON, version 1).

`load_estate(text, source)` parses, checks the structure against the model and the names and
references across the file, and raises one `EstateError` listing every problem with its path.
`dump_estate(estate)` gives the file's mapping back (defaults left out), so load → dump → load
is lossless. Only `load_estate_file` touches the file system, and only to read the text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

import estate_yaml
from migration._gc import bulk
from migration.estate.model import Estate
from migration.estate.refs import Issue, check_references

_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required",
    "model_type": "expected a mapping",
    "model_attributes_type": "expected a mapping",
    "dict_type": "expected a mapping",
    "list_type": "expected a list",
    "string_type": "expected a string",
    "int_type": "expected an integer",
    "int_parsing": "expected an integer",
    "int_from_float": "expected an integer",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
}


class EstateError(ValueError):
    """An estate that cannot be loaded. `.issues` holds every problem as `(path, message)`."""

    def __init__(self, source: str, issues: list[Issue]) -> None:
        self.source = source
        self.issues = issues
        lines = "\n".join(f"  {path or '<root>'}: {message}" for path, message in issues)
        super().__init__(f"{source}: {len(issues)} problem(s) in the estate\n{lines}")


def format_path(loc: tuple[Any, ...]) -> str:
    """`('cloudServices', 2, 'deployment')` → `cloudServices[2].deployment`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "literal_error" and error["loc"] == ("version",):
        return f"must be 1, not {error['input']!r}"
    if kind == "too_long":
        return f"at most {error['ctx']['max_length']} items"
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _parse(text: str | bytes, source: str) -> Any:
    try:
        json_syntax = source.lower().endswith(".json")
        if isinstance(text, bytes):
            return estate_yaml.parse_bytes(text, json_syntax)
        return estate_yaml.parse_text(text, json_syntax)
    except estate_yaml.ReadError as exc:
        raise EstateError(source, [("", str(exc))]) from None


@bulk
def load_estate(text: str | bytes, source: str = "<estate>") -> Estate:
    """Parse an estate file's text (YAML, or JSON when `source` ends in `.json`) into the model.

    Raises `EstateError` naming every problem at once: syntax, unknown keys, types, enumerations,
    duplicate names and unresolved references.
    """
    raw = _parse(text, source)
    if not isinstance(raw, dict):
        raise EstateError(source, [("", "expected a mapping with version and subscriptionId")])
    issues: list[Issue] = []
    estate: Estate | None = None
    try:
        estate = Estate.model_validate(raw)
    except ValidationError as exc:
        issues.extend((format_path(e["loc"]), _message(e)) for e in exc.errors())
    issues.extend(check_references(raw))
    if issues or estate is None:
        raise EstateError(source, sorted(set(issues), key=lambda i: _sort_key(i[0])))
    return estate


def _sort_key(path: str) -> tuple[Any, ...]:
    """Order paths as they appear in a file (numeric list indexes, not text order)."""
    parts: list[Any] = []
    for chunk in path.replace("[", ".[").split("."):
        if chunk.startswith("[") and chunk.endswith("]") and chunk[1:-1].isdigit():
            parts.append((1, int(chunk[1:-1]), ""))
        elif chunk:
            parts.append((0, 0, chunk))
    return tuple(parts)


def load_estate_file(path: str | Path) -> Estate:
    """Read and load an estate file (the only file access of the core)."""
    path = Path(path)
    try:
        data = estate_yaml.read_file(path)  # more than the limit is refused by `load_estate`
    except OSError as exc:
        raise EstateError(str(path), [("", f"cannot read the file: {exc.strerror or exc}")]) from None
    return load_estate(data, str(path))


def dump_estate(estate: Estate) -> dict[str, Any]:
    """The estate as the file's mapping (camelCase keys, defaults omitted): JSON- and YAML-ready."""
    return estate.model_dump(mode="json", by_alias=True, exclude_defaults=True)


def dump_estate_yaml(estate: Estate) -> str:
    """The estate as YAML text that `load_estate` reads back to an equal estate."""
    return yaml.safe_dump(dump_estate(estate), sort_keys=False, allow_unicode=True, width=110)


def dump_estate_json(estate: Estate) -> str:
    """The estate as JSON text (for `.json` estate files and snapshots)."""
    return json.dumps(dump_estate(estate), indent=2, ensure_ascii=False)
