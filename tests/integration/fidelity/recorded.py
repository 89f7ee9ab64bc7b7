"""The recorded platform answers (`recorded/xplat-cli-migration.json`), looked up by request."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

FILE = Path(__file__).parent / "recorded" / "xplat-cli-migration.json"


@cache
def answers() -> list[dict[str, Any]]:
    return json.loads(FILE.read_text(encoding="utf-8"))["answers"]


def answer(method: str, path_end: str, status: int | None = None) -> dict[str, Any]:
    """The one recorded answer to `method` on a path ending with `path_end` (query included)."""
    found = [
        a
        for a in answers()
        if a["method"] == method
        and a["path"].endswith(path_end)
        and (status is None or a["status"] == status)
    ]
    assert found, f"no recorded answer to {method} …{path_end}"
    return found[0]
