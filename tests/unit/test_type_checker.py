"""The type checker covers what is deployed and run (#17 item 4): `make lint` runs mypy with the
configuration in pyproject.toml, so a package missing from its `files` would silently go
unchecked. These checks fail when a source package is added without being typed-checked, or when
the configuration stops being strict."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = [
    p for p in sorted(ROOT.iterdir()) if (p / "__init__.py").is_file() and p.name not in {"tests", "bench"}
]


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_mypy_checks_every_source_package_and_the_function_app() -> None:
    config = _config()
    checked = set(config["tool"]["mypy"]["files"])
    packaged = {
        pattern.rstrip("*") for pattern in config["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    assert packaged, "no packages found in [tool.setuptools.packages.find]"
    assert packaged | {"function_app.py"} <= checked, f"not type-checked: {sorted(packaged - checked)}"
    assert {p.name for p in SOURCE_DIRS} <= checked, (
        "a top-level package is neither packaged nor type-checked"
    )


def test_mypy_is_strict_and_every_ignore_names_its_error() -> None:
    mypy = _config()["tool"]["mypy"]
    assert mypy["strict"] is True
    assert "ignore-without-code" in mypy["enable_error_code"]
    bare = [
        f"{path.relative_to(ROOT)}:{n}"
        for directory in SOURCE_DIRS
        for path in sorted(directory.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"#\s*type:\s*ignore(?!\[)", line)
    ]
    assert not bare, f"'# type: ignore' without an error code: {bare}"


def test_the_lint_target_runs_mypy() -> None:
    lint = (ROOT / "Makefile").read_text().split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert re.search(r"^\t\$\(VENV\)/bin/mypy\s*$", lint, re.M), lint
