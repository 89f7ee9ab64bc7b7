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
        c = text[i]
        if c == "\n":
            if not tokens or tokens[-1].kind != "NL":
                tokens.append(Token("NL", "\n", line))
            line += 1
            i += 1
        elif c in " \t\r":
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise BicepSyntaxError(f"{name}:{line}: unterminated /* comment")
            line += text.count("\n", i, end)
            i = end + 2
        elif text.startswith("'''", i):
            end = text.find("'''", i + 3)
            if end < 0:
                raise BicepSyntaxError(f"{name}:{line}: unterminated ''' string")
            raw = text[i : end + 3]
            tokens.append(Token("STRING", raw, line, raw[3:-3]))
            line += raw.count("\n")
            i = end + 3
        elif c == "'":
            end = _string_end(text, i, name, line)
            raw = text[i:end]
            tokens.append(Token("STRING", raw, line, raw[1:-1]))
            i = end
        elif c.isdigit():
            j = i
            while j < n and text[j].isdigit():
                j += 1
            tokens.append(Token("NUMBER", text[i:j], line))
            i = j
        elif m := _IDENT.match(text, i):
            tokens.append(Token("IDENT", m.group(), line))
            i = m.end()
        elif text[i : i + 2] in _PUNCT2:
            tokens.append(Token("PUNCT", text[i : i + 2], line))
            i += 2
        elif c in _PUNCT1:
            tokens.append(Token("PUNCT", c, line))
            i += 1
        else:
            raise BicepSyntaxError(f"{name}:{line}: unexpected character {c!r}")
    tokens.append(Token("NL", "\n", line))
    return tokens


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
