"""The building blocks of the emulator's estate model: pydantic settings and field types.

The emulator validates estates with its own model (not the app's) on purpose: it stands in for
Azure and must not share the app's reading of the contract. Pydantic checks the structure —
unknown keys, required keys, mappings, lists, defaults — and collects every problem with its
location; the field types here add the estate's own rules (case-insensitive enumerations kept in
their canonical spelling, integers in a range, CIDR prefixes, IP addresses, GUIDs, ports), each
raising a message that names the problem. `problems()` turns pydantic's errors into the
`path: message` lines the loader reports.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainValidator, ValidationError, model_validator
from pydantic_core import PydanticCustomError

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class Errors(list[str]):
    """Collected `path: message` lines."""

    def add(self, path: str, message: str) -> None:
        self.append(f"{path or '<root>'}: {message}")


def type_name(value: Any) -> str:
    """How a message names the type of a value the operator wrote."""
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
    }.get(type(value), type(value).__name__)


def _error(message: str) -> PydanticCustomError:
    """A validation error whose text is exactly `message` (no braces interpreted)."""
    return PydanticCustomError("estate", "{message}", {"message": message})


class Part(BaseModel):
    """Every mapping of the estate: unknown keys refused; a key given as null counts as absent
    (its default applies, or it is reported missing), as in a hand-written YAML file `key:`
    with nothing after it means "not given"."""

    model_config = ConfigDict(extra="forbid", validate_default=False)

    @model_validator(mode="before")
    @classmethod
    def _nulls_absent(cls, data: Any) -> Any:
        if not isinstance(data, dict) or None not in data.values():
            return data
        fields = cls.__pydantic_fields__
        return {k: v for k, v in data.items() if v is not None or k not in fields}


# --- field types: each a validator that normalizes the value or raises a named problem ---------


def _string(check: Callable[[str], str | None] | None) -> Callable[[Any], str]:
    def validate(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _error(f"expected a string, got {type_name(value)}")
        text = str(value)  # YAML reads `version: 1.5` as a number; the estate means the text
        problem = check(text) if check else None
        if problem:
            raise _error(problem)
        return text

    return validate


def text(check: Callable[[str], str | None] | None = None) -> PlainValidator:
    """For `Annotated[str, …]`: text (numbers accepted as their text), optionally checked by
    `check` (which answers a message naming the problem, or None)."""
    return PlainValidator(_string(check))


def _integer(low: int | None, high: int | None) -> Callable[[Any], int]:
    def validate(value: Any) -> int:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _error(f"expected an integer, got {value!r}")
        if high is not None and (value > high or (low is not None and value < low)):
            raise _error(f"{value} is out of range {low}–{high}")
        if low is not None and value < low:
            raise _error(f"{value} is below the minimum {low}")
        return value

    return validate


def integer(low: int | None = None, high: int | None = None) -> PlainValidator:
    """For `Annotated[int, …]`: an integer (digits in a string accepted), within `low`..`high`
    when given."""
    return PlainValidator(_integer(low, high))


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _error(f"expected true or false, got {value!r}")
    return value


Boolean = Annotated[bool, PlainValidator(_boolean)]


def one_of(*values: str) -> PlainValidator:
    """For `Annotated[str, …]`: one of `values`, in any casing on input, kept in its canonical
    spelling."""
    canonical = {v.lower(): v for v in values}
    listing = ", ".join(values)

    def validate(value: Any) -> str:
        if isinstance(value, str) and value.lower() in canonical:
            return canonical[value.lower()]
        raise _error(f"{value!r} is not one of {listing}")

    return PlainValidator(validate)


# --- text checks: a message naming the problem, or None ------------------------------------------


def cidr(text: str) -> str | None:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return f"{text!r} is not a CIDR prefix"
    return None if "/" in text else f"{text!r} is not a CIDR prefix"


def ip(text: str) -> str | None:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return f"{text!r} is not an IP address"
    return None


def guid(text: str) -> str | None:
    return None if GUID.match(text) else f"{text!r} is not a GUID"


def nonempty(text: str) -> str | None:
    return None if text.strip() else "must not be empty"


def prefix_or_tag(text: str) -> str | None:
    if text == "*" or ("/" not in text and not text[:1].isdigit()):
        return None  # `*` or a service tag such as Internet, VirtualNetwork
    if "/" in text:
        return cidr(text)
    return ip(text)


def port_range(text: str) -> str | None:
    if text == "*":
        return None
    parts = text.split("-")
    if len(parts) in (1, 2) and all(p.isdigit() and 0 <= int(p) <= 65535 for p in parts):
        return None
    return f"{text!r} is not a port, a range N-M or *"


# --- pydantic's errors → `path: message` lines ----------------------------------------------------

_STRUCTURE: dict[str, Callable[[Any], str]] = {
    "missing": lambda _: "required key is missing",
    "extra_forbidden": lambda _: "unknown key",
    "model_type": lambda value: f"expected a mapping, got {type_name(value)}",
    "model_attributes_type": lambda value: f"expected a mapping, got {type_name(value)}",
    "dict_type": lambda value: f"expected a mapping, got {type_name(value)}",
    "list_type": lambda value: f"expected a list, got {type_name(value)}",
}


def path_of(loc: tuple[Any, ...]) -> str:
    """`('cloudServices', 2, 'deployment')` → `cloudServices[2].deployment`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def problems(exc: ValidationError) -> Errors:
    """Every error of a failed validation as a `path: message` line, in the document's order."""
    errors = Errors()
    for error in exc.errors(include_url=False):
        loc, kind = error["loc"], error["type"]
        if kind == "invalid_key":  # YAML allows keys that are not text (`1: x`): unknown keys
            loc, kind = (*loc[:-1], str(loc[-1])), "extra_forbidden"
        describe = _STRUCTURE.get(kind)
        errors.add(path_of(loc), describe(error["input"]) if describe else error["msg"])
    return errors
