"""Bicep lexical rules for the infra tests' reader: strings, comments, identifiers, punctuation.

Newlines are tokens because Bicep separates object members and declarations with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class BicepSyntaxError(ValueError):
    """The file is not Bicep this reader understands (message names file and line)."""


@dataclass(frozen=True)
class Token:
    kind: str  # IDENT, NUMBER, STRING, NL, PUNCT
    text: str
    line: int
    value: str = ""  # STRING: the content between the quotes (escapes kept as written)


_PUNCT2 = ("==", "!=", ">=", "<=", "&&", "||", "??", "=~", "!~")
_PUNCT1 = set("{}[]():,.?!@=<>+-*/%|&")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def tokenize(text: str, name: str = "<bicep>") -> list[Token]:
    """Bicep source → tokens; newlines are kept (they separate members and declarations)."""
    tokens: list[Token] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        if text[i] == "\n":
            if not tokens or tokens[-1].kind != "NL":
                tokens.append(Token("NL", "\n", line))
            line += 1
            i += 1
            continue
        skipped = _skip_blank(text, i, name, line)
        if skipped is not None:
            i, line = skipped
            continue
        token, i = _token(text, i, name, line)
        tokens.append(token)
        if token.text.startswith("'''"):
            line += token.text.count("\n")
    tokens.append(Token("NL", "\n", line))
    return tokens


def _skip_blank(text: str, i: int, name: str, line: int) -> tuple[int, int] | None:
    """(index, line) after the blank or comment at `i`; None when there is none."""
    if text[i] in " \t\r":
        return i + 1, line
    if text.startswith("//", i):
        end = text.find("\n", i)
        return (len(text) if end < 0 else end), line
    if text.startswith("/*", i):
        end = text.find("*/", i + 2)
        if end < 0:
            raise BicepSyntaxError(f"{name}:{line}: unterminated /* comment")
        return end + 2, line + text.count("\n", i, end)
    return None


def _token(text: str, i: int, name: str, line: int) -> tuple[Token, int]:
    """The token at `i` and the index after it."""
    c = text[i]
    if text.startswith("'''", i):
        end = text.find("'''", i + 3)
        if end < 0:
            raise BicepSyntaxError(f"{name}:{line}: unterminated ''' string")
        raw = text[i : end + 3]
        return Token("STRING", raw, line, raw[3:-3]), end + 3
    if c == "'":
        end = _string_end(text, i, name, line)
        raw = text[i:end]
        return Token("STRING", raw, line, raw[1:-1]), end
    if c.isdigit():
        j = i
        while j < len(text) and text[j].isdigit():
            j += 1
        return Token("NUMBER", text[i:j], line), j
    if m := _IDENT.match(text, i):
        return Token("IDENT", m.group(), line), m.end()
    if text[i : i + 2] in _PUNCT2:
        return Token("PUNCT", text[i : i + 2], line), i + 2
    if c in _PUNCT1:
        return Token("PUNCT", c, line), i + 1
    raise BicepSyntaxError(f"{name}:{line}: unexpected character {c!r}")


def _string_end(text: str, start: int, name: str, line: int) -> int:
    """Index after the closing quote of the string at `start` (escapes, `${…}` with nesting)."""
    i, n = start + 1, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
        elif c == "'":
            return i + 1
        elif c == "\n":
            break
        elif text.startswith("${", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text[i] == "'":
                    i = _string_end(text, i, name, line)
                    continue
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                i += 1
        else:
            i += 1
    raise BicepSyntaxError(f"{name}:{line}: unterminated string")
