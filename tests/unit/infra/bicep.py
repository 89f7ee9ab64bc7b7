"""A small Bicep reader for the infra tests: declarations and object structure, not evaluation.

No Bicep compiler can be installed here, so the tests read the templates with this parser. It
knows Bicep's lexical rules (single-quoted strings with escapes and `${…}` interpolation,
`'''` verbatim strings, `//` and `/* */` comments, newline-separated or comma-separated object
members) and its top-level declarations (`targetScope`, `param`, `var`, `resource`, `module`,
`output`, decorators, `if (…)` conditions and `[for … : …]` loops). Expressions it does not need to
understand are kept as text (`Expr`). Anything it cannot read raises `BicepSyntaxError` with the
line, so a template the tests cannot read fails the tests instead of passing them silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

from tests.unit.infra.bicep_lexer import BicepSyntaxError, Token, tokenize


@dataclass(frozen=True)
class Str:
    """A string literal; `interpolated` when it contains `${…}`."""

    value: str
    interpolated: bool


@dataclass(frozen=True)
class Expr:
    """An expression kept as its tokens (function calls, references, operators …)."""

    tokens: tuple[Token, ...]

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)

    @property
    def ident(self) -> str | None:
        """The name when the expression is one bare identifier (a param or var reference)."""
        if len(self.tokens) == 1 and self.tokens[0].kind == "IDENT":
            return self.tokens[0].text
        return None

    def call_of(self, function: str) -> str | None:
        """`function(x)` with one identifier argument → `x`, else None."""
        kinds = [(t.kind, t.text) for t in self.tokens]
        shape = [("IDENT", function), ("PUNCT", "("), None, ("PUNCT", ")")]
        if len(kinds) == 4 and all(s is None or s == k for s, k in zip(shape, kinds, strict=True)):
            return kinds[2][1] if kinds[2][0] == "IDENT" else None
        return None


@dataclass(frozen=True)
class Loop:
    """`[for header: body]`."""

    header: str
    body: Value


@dataclass(frozen=True)
class Cond:
    """`if (condition) body`."""

    condition: str
    body: Value


Value = Union[Str, Expr, bool, int, None, dict, list, Loop, Cond]  # noqa: UP007 (runtime alias)


@dataclass
class Param:
    name: str
    type: str
    default: Value = None
    has_default: bool = False
    decorators: dict[str, str] = field(default_factory=dict)


@dataclass
class Declaration:
    """A `resource` or `module`: symbol, type (or module path), body and how it is deployed."""

    keyword: str
    symbol: str
    target: str  # resource 'Type@api' or module path
    existing: bool
    body: Value
    line: int

    @property
    def type(self) -> str:
        return self.target.split("@", 1)[0]

    @property
    def api_version(self) -> str:
        return self.target.split("@", 1)[1] if "@" in self.target else ""

    @property
    def properties(self) -> dict:
        """The declaration's object (through `if` and `for`)."""
        body = self.body
        while isinstance(body, (Loop, Cond)):
            body = body.body
        if not isinstance(body, dict):
            raise BicepSyntaxError(f"{self.keyword} {self.symbol}: body is not an object")
        return body


@dataclass
class BicepFile:
    path: Path
    target_scope: str = "resourceGroup"
    params: dict[str, Param] = field(default_factory=dict)
    vars: dict[str, Value] = field(default_factory=dict)
    resources: list[Declaration] = field(default_factory=list)
    modules: list[Declaration] = field(default_factory=list)
    outputs: dict[str, Value] = field(default_factory=dict)

    def resources_of_type(self, type_name: str) -> list[Declaration]:
        return [r for r in self.resources if r.type.lower() == type_name.lower()]


class _Parser:
    def __init__(self, tokens: list[Token], name: str) -> None:
        self.tokens, self.pos, self.name = tokens, 0, name

    def peek(self, skip_nl: bool = False) -> Token:
        pos = self.pos
        while skip_nl and self.tokens[pos].kind == "NL" and pos < len(self.tokens) - 1:
            pos += 1
        return self.tokens[pos]

    def next(self) -> Token:
        token = self.tokens[self.pos]
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return token

    def at_end(self) -> bool:
        return self.pos >= len(self.tokens) - 1

    def skip_nl(self) -> None:
        while self.tokens[self.pos].kind == "NL" and not self.at_end():
            self.pos += 1

    def error(self, message: str, token: Token | None = None) -> BicepSyntaxError:
        token = token or self.peek()
        return BicepSyntaxError(f"{self.name}:{token.line}: {message} (at {token.text!r})")

    def expect(self, text: str) -> Token:
        token = self.next()
        if token.text != text:
            raise self.error(f"expected {text!r}", token)
        return token

    def expect_kind(self, kind: str) -> Token:
        token = self.next()
        if token.kind != kind:
            raise self.error(f"expected {kind}", token)
        return token

    def balanced(self, open_: str, close: str) -> str:
        """The raw text between `open_` (current token) and its matching `close`."""
        self.expect(open_)
        depth, parts = 1, []
        while True:
            token = self.next()
            if self.at_end() and token.kind == "NL":
                raise self.error(f"unclosed {open_!r}")
            depth += (token.text == open_) - (token.text == close)
            if depth == 0:
                return " ".join(parts)
            if token.kind != "NL":
                parts.append(token.text)

    def value(self) -> Value:
        self.skip_nl()
        token = self.peek()
        if token.text == "{":
            return self.object()
        if token.text == "[":
            if self._peek_after_bracket() == "for":
                return self.loop()
            return self.array()
        return self.expression()

    def _peek_after_bracket(self) -> str:
        pos = self.pos + 1
        while self.tokens[pos].kind == "NL" and pos < len(self.tokens) - 1:
            pos += 1
        return self.tokens[pos].text

    def skip_separators(self, opened: str) -> None:
        """Skip newlines and commas between members; the end of the file here is an error."""
        while self.peek().kind == "NL" or self.peek().text == ",":
            if self.at_end():
                raise self.error(f"unclosed {opened!r}")
            self.next()

    def object(self) -> dict:
        self.expect("{")
        result: dict = {}
        while True:
            self.skip_separators("{")
            token = self.next()
            if token.text == "}":
                return result
            if token.kind == "IDENT" and token.text in ("resource", "module"):
                raise self.error("nested resource declarations are not supported here", token)
            if token.kind == "IDENT":
                key = token.text
            elif token.kind == "STRING":
                key = token.value
            else:
                raise self.error("expected an object key", token)
            self.expect(":")
            if key in result:
                raise self.error(f"duplicate key {key!r}", token)
            result[key] = self.value()

    def array(self) -> list:
        self.expect("[")
        items: list = []
        while True:
            self.skip_separators("[")
            if self.peek().text == "]":
                self.next()
                return items
            items.append(self.value())

    def loop(self) -> Loop:
        self.expect("[")
        self.skip_nl()
        self.expect("for")
        header: list[str] = []
        depth = 0
        while True:
            token = self.next()
            if token.text in "([{":
                depth += 1
            elif token.text in ")]}":
                depth -= 1
            if token.text == ":" and depth == 0:
                break
            if self.at_end():
                raise self.error("unterminated for expression")
            header.append(token.text)
        body = self.value()
        self.skip_nl()
        self.expect("]")
        return Loop(" ".join(header), body)

    def expression(self) -> Value:
        collected: list[Token] = []
        depth = 0
        while True:
            token = self.peek()
            if depth == 0 and (token.kind == "NL" or token.text in (",", "}", "]", ")")):
                break
            if self.at_end():
                break
            self.next()
            if token.text in ("(", "[", "{"):
                depth += 1
            elif token.text in (")", "]", "}"):
                depth -= 1
            if token.kind != "NL":
                collected.append(token)
        if not collected:
            raise self.error("expected a value")
        if len(collected) == 1 and _is_literal(collected[0]):
            return _literal(collected[0])
        return Expr(tuple(collected))

    def declaration_body(self) -> Value:
        self.skip_nl()
        if self.peek().text == "if":
            self.next()
            condition = self.balanced("(", ")")
            return Cond(condition, self.value())
        return self.value()

    def type_text(self) -> str:
        parts: list[str] = []
        while self.peek().kind != "NL" and self.peek().text != "=":
            parts.append(self.next().text)
        if not parts:
            raise self.error("expected a type")
        return " ".join(parts)


def _is_literal(token: Token) -> bool:
    return token.kind in ("STRING", "NUMBER") or token.text in ("true", "false", "null")


def _literal(token: Token) -> Value:
    """A string (interpolated unless multi-line), a number, a boolean or null."""
    if token.kind == "STRING":
        return Str(token.value, "${" in token.value and not token.text.startswith("'''"))
    if token.kind == "NUMBER":
        return int(token.text)
    return None if token.text == "null" else token.text == "true"


def _param(parser: _Parser, decorators: dict[str, str]) -> Param:
    name = parser.expect_kind("IDENT").text
    param = Param(name, parser.type_text(), decorators=decorators)
    if parser.peek().text == "=":
        parser.next()
        param.default, param.has_default = parser.value(), True
    return param


def _declaration(parser: _Parser, keyword: str, token: Token) -> Declaration:
    """A `resource` or `module` declaration (after its keyword)."""
    symbol = parser.expect_kind("IDENT").text
    target = parser.expect_kind("STRING").value
    existing = parser.peek().text == "existing"
    if existing:
        parser.next()
    parser.expect("=")
    return Declaration(keyword, symbol, target, existing, parser.declaration_body(), token.line)


def parse(text: str, path: Path | str = "<bicep>") -> BicepFile:
    """Parse Bicep source into its declarations."""
    path = Path(path)
    parser = _Parser(tokenize(text, str(path)), str(path))
    result = BicepFile(path)
    decorators: dict[str, str] = {}
    while True:
        parser.skip_nl()
        if parser.at_end():
            return result
        token = parser.next()
        if token.text == "@":
            name = parser.expect_kind("IDENT").text
            decorators[name] = parser.balanced("(", ")")
            continue
        keyword = token.text
        if keyword == "targetScope":
            parser.expect("=")
            scope = parser.value()
            if not isinstance(scope, Str):
                raise parser.error("targetScope must be a string", token)
            result.target_scope = scope.value
        elif keyword == "param":
            param = _param(parser, decorators)
            result.params[param.name] = param
        elif keyword == "var":
            name = parser.expect_kind("IDENT").text
            parser.expect("=")
            result.vars[name] = parser.value()
        elif keyword in ("resource", "module"):
            declaration = _declaration(parser, keyword, token)
            (result.resources if keyword == "resource" else result.modules).append(declaration)
        elif keyword == "output":
            name = parser.expect_kind("IDENT").text
            parser.type_text()
            parser.expect("=")
            result.outputs[name] = parser.value()
        else:
            raise parser.error("expected a declaration", token)
        decorators = {}
        if parser.peek().kind != "NL":
            raise parser.error("expected the end of the line after a declaration")


def parse_file(path: Path) -> BicepFile:
    return parse(path.read_text(encoding="utf-8"), path)
