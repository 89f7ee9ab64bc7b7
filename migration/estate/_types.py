"""Field types shared by the estate model: canonical enumerations, addresses, prefixes, ports.

Enumerations are case-insensitive on input (the estate contract says so, and the platform's XML
is not consistent about case) but the model stores the canonical spelling, so code compares with
`==` and a dump writes what the contract documents.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

#: Every estate model: camelCase keys, unknown keys refused, immutable, numbers accepted as text
#: (YAML writes `version: 1.5` for an extension version without quotes).
MODEL_CONFIG = ConfigDict(
    alias_generator=to_camel,
    populate_by_name=True,
    extra="forbid",
    frozen=True,
    coerce_numbers_to_str=True,
)


def _error(kind: str, message: str) -> PydanticCustomError:
    """A validation error whose text is exactly `message` (no braces interpreted)."""
    return PydanticCustomError(kind, "{message}", {"message": message})


def _enum(*values: str) -> Callable[[Any], str]:
    """A validator mapping any casing of `values` to its canonical spelling."""
    canonical = {v.casefold(): v for v in values}
    listing = ", ".join(values)

    def check(value: Any) -> str:
        if isinstance(value, str) and value.casefold() in canonical:
            return canonical[value.casefold()]
        raise _error("enum", f"{value!r} is not one of {listing}")

    return check


def one_of(*values: str) -> BeforeValidator:
    """The validator of an `Annotated[str, one_of(…)]` field: accepts `values` case-insensitively
    and stores the canonical form. (A type alias must be spelled out where it is declared for a
    type checker to see it, hence `Annotated[str, one_of(…)]` rather than a factory of types.)"""
    return BeforeValidator(_enum(*values))


def _cidr(value: Any) -> str:
    if not isinstance(value, str):
        raise _error("cidr", "expected a CIDR prefix such as 10.0.0.0/16")
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise _error("cidr", f"{value!r} is not a CIDR prefix") from None
    if "/" not in value:
        raise _error("cidr", f"{value!r} is not a CIDR prefix (missing /length)")
    return value


def _ip(value: Any) -> str:
    if not isinstance(value, str):
        raise _error("ip", "expected an IP address")
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise _error("ip", f"{value!r} is not an IP address") from None
    return value


_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")


def _address_prefix(value: Any) -> str:
    """NSG prefix: `*`, a CIDR, a single address, or a service tag (`Internet`, `VirtualNetwork` …)."""
    if isinstance(value, str):
        if value == "*" or _TAG.match(value):
            return value
        try:
            ipaddress.ip_network(value, strict=False)
            return value
        except ValueError:
            pass
    raise _error("prefix", f"{value!r} is not '*', a CIDR prefix, an address or a tag")


_PORT_RANGE = re.compile(r"^(\d{1,5})(?:-(\d{1,5}))?$")


def _port_range(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        if value == "*":
            return value
        m = _PORT_RANGE.match(value)
        if m:
            low, high = int(m.group(1)), int(m.group(2) or m.group(1))
            if 0 <= low <= high <= 65535:
                return value
    raise _error("port", f"{value!r} is not '*', a port N or a range N-M (0–65535)")


def _guid(value: Any) -> str:
    if isinstance(value, str):
        try:
            uuid.UUID(value)
            return value
        except ValueError:
            pass
    raise _error("guid", f"{value!r} is not a GUID")


def _name(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise _error("name", "expected a non-empty name")
    return value


Cidr = Annotated[str, BeforeValidator(_cidr)]
IpAddress = Annotated[str, BeforeValidator(_ip)]
AddressPrefix = Annotated[str, BeforeValidator(_address_prefix)]
PortRange = Annotated[str, BeforeValidator(_port_range)]
Guid = Annotated[str, BeforeValidator(_guid)]
Name = Annotated[str, BeforeValidator(_name)]


def _media_link(value: Any) -> str:
    if isinstance(value, str):
        from urllib.parse import urlsplit

        parts = urlsplit(value)
        if parts.scheme in ("http", "https") and parts.hostname and parts.path.strip("/"):
            return value
    raise _error("url", f"{value!r} is not a blob URL (https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB)")


MediaLink = Annotated[str, BeforeValidator(_media_link)]


class EstateModel(BaseModel):
    """Every estate model: `MODEL_CONFIG` (camelCase keys, unknown keys refused, immutable)."""

    model_config = MODEL_CONFIG


class NamedModel(EstateModel):
    """A part with a `name`, unique among its siblings (what references and lookups use)."""

    name: Name


class Resource(NamedModel):
    """A top-level classic resource: `location` is its own region, else the estate's
    (`Estate.location_of`); dumps write it second, after the name."""

    location: str | None = None
