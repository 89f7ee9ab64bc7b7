"""Text from outside, shown to people: names are names, and no character in one can act.

A control character (Unicode category Cc: ESC, BEL, CR, LF …) or a format character (Cf: the
bidirectional overrides U+202A–U+202E and isolates U+2066–U+2069, zero-width characters …) in
a unit's name could clear an operator's terminal, forge a second log line ("commit by boss@…")
or show a name reversed on the review page. So names sent to c2arm refuse them — while keeping
everything the platform allows, spaces included (classic VNets created in the portal are named
`Group rg vnet`) — and everything that prints text from outside (the CLI, the logs, the HTML
pages) shows such a character as its escape (`\\x1b`, `\\u202e`) instead of obeying it.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from typing import Any

# categories that act instead of showing: controls, formats, line and paragraph separators
_ACTING = {"Cc", "Cf", "Zl", "Zp"}


def _acts(char: str) -> bool:
    return unicodedata.category(char) in _ACTING


def name_problem(text: str) -> str | None:
    """Why `text` cannot be a name (the first acting character, named), or None when it can."""
    for char in text:
        if _acts(char):
            label = unicodedata.name(char, "a control character")
            return f"contains U+{ord(char):04X} ({label}): no control or format characters in a name"
    return None


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def escape_controls(text: str, keep: str = "") -> str:
    """`text` with every acting character (except those in `keep`) replaced by its visible escape."""
    if not any(_acts(char) for char in text):  # the common case, at no cost
        return text
    return "".join(_escaped(char) if _acts(char) and char not in keep else char for char in text)


def _safe_arg(value: Any) -> Any:
    return escape_controls(value) if isinstance(value, str) else value


class _EscapingFactory:
    """A log record factory escaping the arguments of `prefix` loggers' records; its
    `c2arm_escaping` attribute is how a second install sees that it is already there."""

    c2arm_escaping = True

    def __init__(self, wrapped: Callable[..., logging.LogRecord], prefix: str) -> None:
        self._wrapped = wrapped
        self._prefix = prefix

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self._wrapped(*args, **kwargs)
        if record.name == self._prefix or record.name.startswith(self._prefix + "."):
            if isinstance(record.args, tuple):
                record.args = tuple(_safe_arg(a) for a in record.args)
            elif isinstance(record.args, dict):
                record.args = {k: _safe_arg(v) for k, v in record.args.items()}
            if not record.args and isinstance(record.msg, str):
                record.msg = escape_controls(record.msg)
        return record


def install_log_escaping(prefix: str = "c2arm") -> None:
    """Escape acting characters in the arguments of every log record of `prefix` loggers.

    Log formats are c2arm's own constants; the arguments carry text from outside (ids, names,
    error messages). Escaping them means one record is one line, whatever a request contains.
    Idempotent: installing twice wraps the record factory once.
    """
    current = logging.getLogRecordFactory()
    if getattr(current, "c2arm_escaping", False):
        return
    logging.setLogRecordFactory(_EscapingFactory(current, prefix))
