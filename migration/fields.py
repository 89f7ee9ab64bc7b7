"""The JSON objects the app sends are its dataclasses' fields, named in camelCase.

Several result types (validate messages, precheck findings, ARM comparison findings, VM facts)
put some of their fields into a JSON object under the field's camelCase name. One function does
that so the naming rule lives in one place; each type still lists the fields it shows, in the
order the JSON has always had them (a field left out of the list is not part of the JSON).
"""

from __future__ import annotations

from typing import Any


def camel(name: str) -> str:
    """`resource_type` → `resourceType` (a name without `_` is itself)."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def camel_fields(obj: object, *names: str) -> dict[str, Any]:
    """`{camel(name): obj.name}` for each name, in the order given (values as they are, no copy)."""
    return {camel(name): getattr(obj, name) for name in names}
