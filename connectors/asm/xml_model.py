"""Building the core's estate models from parsed XML, with errors that name the field.

A value the platform reports that the core's model refuses (a malformed address, a missing
name) is not silently dropped: it becomes a `PermanentError` naming the estate path
(`cloudServices[0].deployment.roles[1].osDisk.sizeGB`) and the model's complaint, so a snapshot
never holds half-understood data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar
from xml.etree.ElementTree import Element

from pydantic import BaseModel, ValidationError

from connectors.asm.xml_common import text
from connectors.errors import PermanentError, Reason

M = TypeVar("M", bound=BaseModel)

# A model's fields as the element paths that hold them: {"location": ("Properties", "Location")}.
FieldMap = Mapping[str, tuple[str, ...]]


def build(model: type[M], where: str, **fields: Any) -> M:
    """`model(**fields)` without the None values (so the model's defaults apply)."""
    values = {k: v for k, v in fields.items() if v is not None}
    try:
        return model(**values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = ".".join(str(p) for p in error.get("loc", ()))
            problems.append(
                f"{where}.{loc}: {error.get('msg', 'invalid')}" if loc else f"{where}: {error.get('msg')}"
            )
        raise PermanentError(
            "the platform's answer does not fit the estate model: " + "; ".join(problems),
            code="UnexpectedValue",
            reason=Reason.PROTOCOL,
        ) from None


def build_each(
    model: type[M],
    where: str,
    elements: Iterable[Element],
    fields: FieldMap,
    convert: Mapping[str, Callable[[str], object]] | None = None,
) -> list[M]:
    """One `model` per element, built at `where[i]`: for the platform's flat list items, where
    which element feeds which field is all there is to say. Each field is the text at its path
    in `fields`, passed through its `convert`er if it has one; an absent element leaves the
    model's default."""
    return [
        build(model, f"{where}[{i}]", **_texts(el, fields, convert or {})) for i, el in enumerate(elements)
    ]


def _texts(
    element: Element, fields: FieldMap, convert: Mapping[str, Callable[[str], object]]
) -> dict[str, object]:
    values: dict[str, object] = {}
    for name, path in fields.items():
        value = text(element, *path)
        values[name] = convert[name](value) if value is not None and name in convert else value
    return values
