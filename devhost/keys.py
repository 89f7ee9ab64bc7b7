"""Function and master keys: the keys file, and checking a request's key.

File shape: ``{"master": "…", "functions": {"default": "…"}}``, created with random keys when
absent (mode 0600). Keys are never logged.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path


class KeysError(ValueError):
    """The keys file is unreadable or malformed."""


@dataclass(frozen=True)
class Keys:
    master: str
    functions: dict[str, str]

    def level_of(self, key: str | None) -> str | None:
        """`admin` for the master key, `function` for a function key, None otherwise."""
        if not key:
            return None
        if hmac.compare_digest(key.encode(), self.master.encode()):
            return "admin"
        if any(hmac.compare_digest(key.encode(), k.encode()) for k in self.functions.values()):
            return "function"
        return None

    def allows(self, auth_level: str, key: str | None) -> bool:
        """Whether `key` satisfies an HTTP trigger's auth level (anonymous / function / admin)."""
        level = auth_level.lower()
        if level == "anonymous":
            return True
        granted = self.level_of(key)
        if level == "admin":
            return granted == "admin"
        return granted is not None


def _new_key() -> str:
    return secrets.token_urlsafe(32)


def load_or_create(path: Path) -> Keys:
    """Read the keys file, creating it with random keys if it does not exist."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"master": _new_key(), "functions": {"default": _new_key()}}
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=2)
        os.replace(tmp, path)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise KeysError(f"keys file {path}: cannot read JSON ({exc})") from exc
    master = data.get("master") if isinstance(data, dict) else None
    functions = data.get("functions") if isinstance(data, dict) else None
    if not isinstance(master, str) or not master:
        raise KeysError(f"keys file {path}: field 'master' must be a non-empty string")
    if (
        not isinstance(functions, dict)
        or not functions
        or not all(isinstance(v, str) and v for v in functions.values())
    ):
        raise KeysError(f"keys file {path}: field 'functions' must map names to non-empty keys")
    return Keys(master=master, functions=dict(functions))
