"""The module boundaries of docs/architecture.md, checked from the import statements of every module.

`migration/` is pure; `connectors/` sees only `migration/`; the emulator and the devhost stand in
for Azure and share nothing with the app (and the app nothing with them) but `estate_yaml/`, the
byte-level estate reader, which itself imports nothing of either.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = {"function_app", "triggers", "orchestrators", "activities", "migration", "connectors", "cli"}
STAND_INS = {"emulator", "devhost"}
# shared by the app and the stand-ins: byte-level parsing only, no reading of the contract
SHARED = {"estate_yaml"}

# package -> top-level names of this repository it may import
ALLOWED: dict[str, set[str]] = {
    "estate_yaml": set(),
    "migration": {"migration", "estate_yaml"},
    "connectors": {"connectors", "migration"},
    "activities": {"activities", "connectors", "migration"},
    "orchestrators": {"orchestrators", "migration"},
    "triggers": {"triggers", "connectors", "migration"},
    "emulator": {"emulator", "estate_yaml"},
    "devhost": {"devhost"},
}
# third-party or stdlib modules that would break purity or determinism
FORBIDDEN_EXTERNAL: dict[str, set[str]] = {
    "estate_yaml": {"azure", "httpx", "aiohttp", "requests", "socket", "urllib3", "subprocess", "sqlite3"},
    "migration": {"azure", "httpx", "aiohttp", "requests", "socket", "urllib3", "subprocess", "sqlite3"},
    "orchestrators": {"httpx", "aiohttp", "requests", "socket", "random", "time", "subprocess"},
}
LOCAL_TOP = APP_PACKAGES | STAND_INS | SHARED


def imported_tops(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    tops: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            tops.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            tops.add(node.module.split(".")[0])
    return tops


def modules_of(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_its_boundary_allows(package: str) -> None:
    problems = []
    for path in modules_of(package):
        tops = imported_tops(path)
        local = (tops & LOCAL_TOP) - ALLOWED[package]
        external = tops & FORBIDDEN_EXTERNAL.get(package, set())
        if local or external:
            problems.append(f"{path.relative_to(ROOT)}: imports {sorted(local | external)}")
    assert problems == []


def test_app_never_imports_the_stand_ins() -> None:
    app_files = [ROOT / "function_app.py"] + [
        p for pkg in APP_PACKAGES - {"function_app"} for p in modules_of(pkg)
    ]
    offenders = [str(p.relative_to(ROOT)) for p in app_files if imported_tops(p) & STAND_INS]
    # the CLI starts the stand-ins as processes (`python -m emulator`), it never imports them
    assert offenders == []


def test_function_app_is_wiring_only() -> None:
    tree = ast.parse((ROOT / "function_app.py").read_text())
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
    assert defs == []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(path: Path, known: set[str]) -> set[str]:
    """The repository modules `path` imports, anywhere in it (a function-level import is still
    an edge: it only hides the cycle until the function runs)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph` (module → imported modules), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


@pytest.mark.parametrize("package", ["emulator"])
def test_no_import_cycle_within(package: str) -> None:
    """A cycle makes the import order matter (and is why a module imports inside a function)."""
    files = {_module_name(p): p for p in modules_of(package)}
    known = set(files)
    graph = {
        name: {m for m in _imported_modules(path, known) if m != name and not name.startswith(m + ".")}
        for name, path in files.items()
    }
    assert _cycle(graph) is None
