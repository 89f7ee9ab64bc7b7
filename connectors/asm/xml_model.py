"""Building the core's estate models from parsed XML, with errors that name the field.

A value the platform reports that the core's model refuses (a malformed address, a missing
name) is not silently dropped: it becomes a `PermanentError` naming the estate path
(`cloudServices[0].deployment.roles[1].osDisk.sizeGB`) and the model's complaint, so a snapshot
never holds half-understood data.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from connectors.errors import PermanentError, Reason

M = TypeVar("M", bound=BaseModel)


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
