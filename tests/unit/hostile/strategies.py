"""Hypothesis strategies for hostile requests: arbitrary JSON, and valid requests broken in one place.

A broken request knows the field it broke (`Broken.field`), so a test can check that the
answer names that field — not merely that something was refused.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

SUB = "00000000-0000-0000-0000-000000000001"

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)


def valid_request(request_id: str = "fuzz-1") -> dict[str, Any]:
    """A request that uses every field of the contract (docs/contract.md "Request")."""
    return {
        "requestId": request_id,
        "subscriptionId": SUB,
        "unit": {"kind": "cloudService", "name": "web-cs", "deployment": "web-dep"},
        "destination": {"mode": "New"},
        "approval": {"timeout": "PT72H", "onTimeout": "abort"},
        "window": "off-hours",
        "dryRun": False,
        "probes": [{"url": "https://127.0.0.1:9/health", "expectStatus": 200}],
        "requestedBy": "ops@contoso.com",
    }


# Each field with values of a type it never accepts (pydantic's lax mode turns "200" into 200,
# so an integer field gets containers, not numeric text).
_not_text = st.one_of(
    st.integers(),
    st.booleans(),
    st.lists(scalars, max_size=2),
    st.dictionaries(st.text(max_size=3), scalars, max_size=2),
)
_not_object = st.one_of(scalars, st.lists(scalars, max_size=3))
_WRONG: dict[tuple[str, ...], st.SearchStrategy[Any]] = {
    ("requestId",): st.one_of(
        _not_text,
        st.text(min_size=101, max_size=120),
        st.just(""),
        st.text(min_size=1, max_size=10).map(lambda t: t + " /#?"),
    ),
    ("subscriptionId",): st.one_of(_not_text, st.text(max_size=30)),
    ("unit",): _not_object,
    ("unit", "kind"): st.one_of(_not_text, st.sampled_from(["vm", "VirtualNetwork", "", "cloudservice"])),
    ("unit", "name"): st.one_of(_not_text, st.just(""), st.text(min_size=201, max_size=210)),
    ("unit", "deployment"): st.one_of(_not_text, st.just("")),
    ("destination",): _not_object,
    ("destination", "mode"): st.one_of(_not_text, st.sampled_from(["Default", "new", ""])),
    ("approval",): _not_object,
    ("approval", "timeout"): st.one_of(_not_text, st.sampled_from(["3 days", "P1Y", "PT0S", "", "PT"])),
    ("approval", "onTimeout"): st.one_of(_not_text, st.sampled_from(["ignore", "Abort", ""])),
    ("window",): st.one_of(_not_text, st.sampled_from(["night", "offhours", ""])),
    ("dryRun",): st.one_of(
        st.integers(), st.text(max_size=5), st.none(), st.lists(st.booleans(), max_size=2)
    ),
    ("probes",): st.one_of(
        st.text(max_size=5), st.integers(), st.dictionaries(st.text(max_size=3), scalars, max_size=2)
    ),
    ("probes", 0, "url"): st.one_of(_not_text, st.sampled_from(["ftp://x", "", "https://", "javascript:x"])),
    ("probes", 0, "expectStatus"): st.one_of(
        st.integers(max_value=99),
        st.integers(min_value=600),
        st.lists(st.integers(), max_size=2),
        st.booleans().map(str),
    ),
    ("requestedBy",): st.one_of(_not_text, st.just(""), st.text(min_size=257, max_size=260)),
}
_REQUIRED = [("requestId",), ("subscriptionId",), ("unit",), ("unit", "kind"), ("unit", "name")]
_CONTAINERS = [(), ("unit",), ("destination",), ("approval",), ("probes", 0)]


def field_path(path: tuple[str | int, ...]) -> str:
    """`("probes", 0, "url")` → `probes[0].url`, the API's spelling of a field."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(body)"


@dataclass
class Broken:
    """A request broken at `field` by `how`."""

    body: dict[str, Any]
    field: str
    how: str


def _set(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target: Any = body
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


@st.composite
def broken_requests(draw: st.DrawFn, request_id: str = "fuzz-1") -> Broken:
    """A valid request with exactly one thing wrong: a bad value, a missing or an unknown field."""
    body = copy.deepcopy(valid_request(request_id))
    how = draw(st.sampled_from(["wrong", "missing", "unknown"]))
    if how == "wrong":
        path = draw(st.sampled_from(sorted(_WRONG, key=str)))
        _set(body, path, draw(_WRONG[path]))
    elif how == "missing":
        path = draw(st.sampled_from(_REQUIRED))
        target: Any = body
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]
    else:
        container = draw(st.sampled_from(_CONTAINERS))
        target = body
        for part in container:
            target = target[part]
        name = draw(st.text(min_size=1, max_size=12).filter(lambda n: n not in target))
        target[name] = draw(json_values)
        path = (*container, name)
    return Broken(body, field_path(path), how)
