"""A message catalogue as data: the platform's wording, one entry a line, in a TOML file.

The emulated classic platform (`emulator/asm/messages.toml`) and ARM side
(`emulator/arm/messages.toml`) each say what they say from one catalogue, under a stable key
that docs/fidelity.md gives a source (`tests/integration/fidelity/test_catalogue.py`). The
wording is data rather than code: a TOML file reads as the table it is and holds the long
verbatim sentences without a line-length exemption each. It is checked at import, so a bad
edit fails at start with the file and key named rather than on the request that says it.
"""

from __future__ import annotations

import re
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path

_NAME = re.compile(r"^[a-z]+(?:[.-][a-z]+)*$")


@dataclass(frozen=True)
class Catalogue:
    """The messages of one catalogue file by key (`TABLE.NAME`), in file order."""

    messages: dict[str, str]

    @classmethod
    def load(cls, path: Path) -> Catalogue:
        return cls(parse_messages(path.read_text(encoding="utf-8"), path.name))

    def say(self, key: str, /, **fields: object) -> str:
        """The message `key` with its fields filled in (a KeyError names an unknown key or field)."""
        return self.messages[key].format(**fields)


def parse_messages(text: str, source: str) -> dict[str, str]:
    """`[table]` / `name = "template"` entries flattened to `table.name`; a ValueError names the
    entry that is not a non-empty string, has a malformed name, or is not a valid template."""
    messages: dict[str, str] = {}
    for table, entries in tomllib.loads(text).items():
        if not isinstance(entries, dict):
            raise ValueError(f"{source}: {table!r} must be a [table] of messages")
        for name, template in entries.items():
            key = f"{table}.{name}"
            if not _NAME.match(key):
                raise ValueError(f"{source}: {key!r} is not a key of lower-case words")
            if not isinstance(template, str) or not template.strip():
                raise ValueError(f"{source}: {key} must be a non-empty string")
            try:
                list(string.Formatter().parse(template))
            except ValueError as exc:
                raise ValueError(f"{source}: {key} is not a valid template: {exc}") from exc
            messages[key] = template
    return messages
