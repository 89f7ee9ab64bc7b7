""".funcignore: the deployment package is the app and nothing local (checked with git's rules)."""

from __future__ import annotations

import ast
import subprocess

import pathspec
import pytest

from tests.unit.infra.conftest import ROOT

SPEC = pathspec.GitIgnoreSpec.from_lines((ROOT / ".funcignore").read_text().splitlines())
APP_PACKAGES = ("triggers", "orchestrators", "activities", "migration", "estate_yaml", "connectors")


@pytest.mark.parametrize(
    "path",
    [
        ".venv/lib/python3.11/site-packages/x.py",
        "node_modules/azurite/package.json",
        "tests/unit/test_x.py",
        "emulator/__main__.py",
        "devhost/__main__.py",
        "cli/main.py",
        ".c2arm/stack.json",
        ".devhost/keys.json",
        ".azure/prod/.env",
        ".env",
        "local.settings.json",
        "local.settings.example.json",
        "infra/main.bicep",
        "azure.yaml",
        "docs/operations.md",
        "bench/bench_x.py",
        "examples/estates/demo.yaml",
        "certs/asm-management.pfx",
        "asm.pem",
        "connectors/__pycache__/x.cpython-311.pyc",
        "pyproject.toml",
        "c2arm.egg-info/PKG-INFO",
    ],
)
def test_local_only_paths_are_left_out(path: str) -> None:
    assert SPEC.match_file(path), f"{path} would be deployed to Azure"


def _tracked_app_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *APP_PACKAGES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [p for p in listed if p.endswith((".py", ".toml"))]  # code and the data it loads


def test_the_app_itself_is_deployed() -> None:
    for path in ("function_app.py", "host.json", "requirements.txt"):
        assert not SPEC.match_file(path), f"{path} must be deployed"
    files = _tracked_app_files()
    assert any(f.startswith("connectors/") for f in files)
    excluded = [f for f in files if SPEC.match_file(f)]
    assert not excluded, f"app files left out of the package: {excluded}"


def test_everything_function_app_imports_is_deployed() -> None:
    tree = ast.parse((ROOT / "function_app.py").read_text())
    local = set()
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        local |= {n.split(".")[0] for n in names if (ROOT / n.split(".")[0]).is_dir()}
    assert local, "function_app.py imports the app packages"
    for package in local:
        assert not SPEC.match_file(f"{package}/__init__.py"), f"{package}/ is imported by function_app.py"
