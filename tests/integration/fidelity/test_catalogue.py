"""docs/fidelity.md covers the emulator: every route of its ASM and ARM routers and every message of
its catalogues (emulator/asm/messages.toml, emulator/arm/messages.toml) has a row there with a source
and a test that pins it.

A row's source is one of the kinds the page defines (recorded, client, .NET SDK, docs, assumption,
unpinned); its tests are `tests/…py[::name]` references that must exist, and for a message at
least one of them must spell the message (part of its wording) or name its key. The admin API
(`/admin/…`) is the emulator's own control surface, not the platform's, and is documented in
docs/emulator.md instead.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from emulator.arm.messages import MESSAGES as ARM_MESSAGES
from emulator.arm.routes import router as arm_router
from emulator.asm.messages import MESSAGES as ASM_MESSAGES
from emulator.asm.routes import router as asm_router

MESSAGES = {**ASM_MESSAGES, **ARM_MESSAGES}  # ARM keys start with `arm.`
ROOT = Path(__file__).resolve().parents[3]
PAGE = (ROOT / "docs" / "fidelity.md").read_text()
SOURCES = ("recorded", "client", ".NET SDK", "docs", "assumption", "unpinned")
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?")
WINDOW = 24


def _rows() -> list[list[str]]:
    rows = []
    for line in PAGE.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            rows.append(cells)
    return rows


ROWS = _rows()


def _shape(method: str, regex: re.Pattern[str], api: str) -> str:
    """A route as docs/fidelity.md spells it: `ASM GET /services/…/{name}`, `ARM PUT /…`."""
    path = regex.pattern.removeprefix("^").removesuffix("/?$").removesuffix("$")
    path = re.sub(r"\(\?P<(\w+)>\[\^/\]\+\)", r"{\1}", path)
    path = re.sub(r"\(\?P<rest>.*", "{type}/{name}/…", path)
    path = path.replace("/.*", "/…")
    return f"{api} {method} {path or '/'}"


ROUTES = sorted(
    {_shape(m, rx, "ASM") for m, rx, _ in asm_router.routes}
    | {_shape(m, rx, "ARM") for m, rx, _ in arm_router.routes}
)


def _row_for(name: str) -> list[str]:
    found = [row for row in ROWS if f"`{name}`" in row[0]]
    assert found, f"{name}: no row in docs/fidelity.md"
    return found[0]


def _tests_of(row: list[str], name: str) -> list[tuple[Path, str | None]]:
    assert len(row) >= 3, f"{name}: the row needs behaviour | source | test"
    source, tests = row[1], row[2]
    assert any(kind in source for kind in SOURCES), f"{name}: source {source!r} names none of {SOURCES}"
    refs = [(ROOT / path, test) for path, test in TEST_REF.findall(tests)]
    assert refs, f"{name}: no test named in {tests!r}"
    for path, test in refs:
        assert path.is_file(), f"{name}: {path} does not exist"
        if test:
            tree = ast.parse(path.read_text())
            defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            assert test in defined, f"{name}: {path.name} has no test {test}"
    return [(path, test or None) for path, test in refs]


@pytest.mark.parametrize("route", ROUTES)
def test_every_route_has_a_row(route: str) -> None:
    _tests_of(_row_for(route), route)


def _spells(text: str, key: str, template: str) -> bool:
    """The test text names the key or spells part of the wording (a run of WINDOW characters
    of the template's fixed text, or its longest fixed part when none is that long)."""
    if f'"{key}"' in text:
        return True
    parts = [p for p in re.split(r"\{[^}]*\}", template)]
    windows = [p[i : i + WINDOW] for p in parts for i in range(len(p) - WINDOW + 1)]
    if windows:
        return any(w in text for w in windows)
    longest = max(parts, key=len).strip()
    return len(longest) >= 8 and longest in text


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_a_row_and_a_test_that_spells_it(key: str) -> None:
    refs = _tests_of(_row_for(key), key)
    texts = [path.read_text() for path, _ in refs]
    assert any(_spells(text, key, MESSAGES[key]) for text in texts), (
        f"{key}: none of {[p.name for p, _ in refs]} spells {MESSAGES[key]!r}"
    )


def test_every_behaviour_row_names_a_source_and_existing_tests() -> None:
    """The page's other rows too: a source, and tests that exist (or `—` for none)."""
    for row in ROWS[1:]:
        if row[0] in ("behaviour", "route", "message") or len(row) < 3 or row[2] in ("—", "test"):
            continue
        _tests_of(row, row[0][:60])


def _literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def test_no_message_is_worded_outside_the_catalogue() -> None:
    """A sentence (three spaces or more) in emulator/asm or emulator/arm outside their messages.py
    is a message the catalogue does not know; docstrings and XML templates are not messages."""
    stray = []
    for path in sorted(
        [*(ROOT / "emulator" / "asm").glob("*.py"), *(ROOT / "emulator" / "arm").glob("*.py")]
    ):
        if path.name == "messages.py":
            continue
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            text = None if id(node) in docstrings else _literal_text(node)
            if text and text.count(" ") >= 3 and not text.lstrip().startswith("<"):
                stray.append(f"{path.parent.name}/{path.name}:{getattr(node, 'lineno', '?')}: {text[:60]}")
    assert stray == []
