"""Fixtures for the infra tests: the Bicep templates parsed once, and the repository paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.infra.bicep import BicepFile, parse_file

ROOT = Path(__file__).resolve().parents[3]
INFRA = ROOT / "infra"


@pytest.fixture(scope="session")
def templates() -> dict[str, BicepFile]:
    """Every .bicep file under infra/, keyed by its path relative to infra/ (`modules/x.bicep`)."""
    return {p.relative_to(INFRA).as_posix(): parse_file(p) for p in sorted(INFRA.rglob("*.bicep"))}


@pytest.fixture(scope="session")
def main(templates: dict[str, BicepFile]) -> BicepFile:
    return templates["main.bicep"]


@pytest.fixture(scope="session")
def app_settings(main: BicepFile) -> dict:
    """The Function App's app settings object, followed from the site's `appsettings` config
    resource through the module parameter to the object main.bicep builds."""
    module = next(m for m in main.modules if m.target == "modules/functionapp.bicep")
    passed = module.properties["params"]["appSettings"]
    assert passed.ident is not None, "main.bicep must pass appSettings as a variable"
    settings = main.vars[passed.ident]
    assert isinstance(settings, dict), "the appSettings variable must be an object literal"
    return settings
