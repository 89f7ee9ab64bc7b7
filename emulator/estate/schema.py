"""A small declarative schema for estate files: types, defaults, enumerations, unknown keys.

The emulator validates estates with its own code (not the app's) on purpose: it stands in for
Azure and must not share the app's reading of the contract. Every problem is collected with its
path so an operator sees them all at once.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class Errors(list[str]):
    """Collected `path: message` lines."""

    def add(self, path: str, message: str) -> None:
        self.append(f"{path or '<root>'}: {message}")


def _type_name(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
    }.get(type(value), type(value).__name__)


@dataclass
class Spec:
    """Base: check `value` at `path`, append errors, return the normalized value."""

    def check(self, value: Any, path: str, errors: Errors) -> Any:
        raise NotImplementedError

    def default(self) -> Any:
        return None


@dataclass
class Str(Spec):
    pattern: Callable[[str], str | None] | None = None  # returns an error message or None

    def check(self, value: Any, path: str, errors: Errors) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            errors.add(path, f"expected a string, got {_type_name(value)}")
            return None
        text = str(value)
        if self.pattern:
            problem = self.pattern(text)
            if problem:
                errors.add(path, problem)
        return text


@dataclass
class Int(Spec):
    low: int | None = None
    high: int | None = None

    def check(self, value: Any, path: str, errors: Errors) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value)
            else:
                errors.add(path, f"expected an integer, got {value!r}")
                return None
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            errors.add(path, f"{value} is out of range {self.low}–{self.high}")
        return value


@dataclass
class Bool(Spec):
    def check(self, value: Any, path: str, errors: Errors) -> Any:
        if not isinstance(value, bool):
            errors.add(path, f"expected true or false, got {value!r}")
            return None
        return value


@dataclass
class Enum(Spec):
    values: tuple[str, ...] = ()

    def check(self, value: Any, path: str, errors: Errors) -> Any:
        if isinstance(value, str):
            for canonical in self.values:
                if canonical.lower() == value.lower():
                    return canonical
        errors.add(path, f"{value!r} is not one of {', '.join(self.values)}")
        return None


@dataclass
class ListOf(Spec):
    item: Spec = field(default_factory=Spec)

    def check(self, value: Any, path: str, errors: Errors) -> Any:
        if value is None:
            return []
        if not isinstance(value, list):
            errors.add(path, f"expected a list, got {_type_name(value)}")
            return []
        return [self.item.check(v, f"{path}[{i}]", errors) for i, v in enumerate(value)]

    def default(self) -> Any:
        return []


@dataclass
class Map(Spec):
    """A mapping with known keys: {key: (spec, required, default)}."""

    fields: dict[str, tuple[Spec, bool, Any]] = field(default_factory=dict)

    def check(self, value: Any, path: str, errors: Errors) -> Any:
        if not isinstance(value, dict):
            errors.add(path, f"expected a mapping, got {_type_name(value)}")
            return None
        out: dict[str, Any] = {}
        for key in value:
            if key not in self.fields:
                errors.add(f"{path}.{key}" if path else str(key), "unknown key")
        for key, (spec, required, default) in self.fields.items():
            sub = f"{path}.{key}" if path else key
            if key not in value or value[key] is None:
                if required:
                    errors.add(sub, "required key is missing")
                out[key] = default() if callable(default) else default
                if out[key] is None and isinstance(spec, ListOf):
                    out[key] = []
                continue
            out[key] = spec.check(value[key], sub, errors)
        return out


@dataclass
class Free(Spec):
    """A map of known numeric keys (armQuotas)."""

    keys: tuple[str, ...] = ()
    fill: int = 1000

    def check(self, value: Any, path: str, errors: Errors) -> Any:
        out = {k: self.fill for k in self.keys}
        if not isinstance(value, dict):
            errors.add(path, f"expected a mapping, got {_type_name(value)}")
            return out
        for key, number in value.items():
            if key not in self.keys:
                errors.add(f"{path}.{key}", "unknown key")
            elif isinstance(number, bool) or not isinstance(number, int) or number < 0:
                errors.add(f"{path}.{key}", f"expected a non-negative integer, got {number!r}")
            else:
                out[key] = number
        return out


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
