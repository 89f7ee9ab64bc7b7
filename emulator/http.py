"""The request/response shapes shared by the ASM, ARM and admin routers (independent of aiohttp)."""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulator.state import Platform


@dataclass
class Call:
    platform: Platform
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    base: str  # https://127.0.0.1:PORT
    params: dict[str, str] = field(default_factory=dict)
    url: str = ""


@dataclass
class Reply:
    status: int
    body: str | bytes = ""
    content_type: str = "application/xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    mutated: bool = False


Handler = Callable[[Call], Reply]


class PlatformError(Exception, ABC):
    """A request the platform refuses at once: HTTP status, error code and message. ASM and ARM
    (`emulator/asm/errors.py`, `emulator/arm/errors.py`) each write the body their own way."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    @abstractmethod
    def reply(self) -> Reply:
        """The error as its API answers it."""


class Router:
    """Ordered (method, regex) → handler; paths are matched case-insensitively, as on Azure."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
        self.routes.append((method, re.compile(f"^{regex}/?$", re.I), handler))

    def route(self, method: str, path: str) -> tuple[Handler | None, dict[str, str], bool]:
        """(handler, params, path_known); path_known without a handler → 405."""
        known = False
        for m, regex, handler in self.routes:
            match = regex.match(path)
            if match:
                known = True
                if m == method or (m == "GET" and method == "HEAD"):
                    return handler, match.groupdict(), True
        return None, {}, known


def json_reply(status: int, data: Any, headers: dict[str, str] | None = None, mutated: bool = False) -> Reply:
    return Reply(status, json.dumps(data), "application/json; charset=utf-8", headers or {}, mutated)
