"""azure.yaml: azd deploys the repository root as the Python Function App main.bicep tags."""

from __future__ import annotations

import os

import yaml

from tests.unit.infra.bicep import BicepFile, Str
from tests.unit.infra.conftest import INFRA, ROOT

AZURE_YAML = yaml.safe_load((ROOT / "azure.yaml").read_text())


def test_one_python_function_service_at_the_repository_root(main: BicepFile) -> None:
    services = AZURE_YAML["services"]
    assert len(services) == 1
    ((name, service),) = services.items()
    assert service["language"] == "py"
    assert service["host"] == "function"
    project = (ROOT / service["project"]).resolve()
    assert project == ROOT
    for needed in ("function_app.py", "host.json", "requirements.txt", ".funcignore"):
        assert (project / needed).is_file(), needed
    assert main.vars["azdServiceName"] == Str(name, False), (
        "the site's azd-service-name tag must name this service"
    )


def test_infra_and_hook_exist() -> None:
    infra = AZURE_YAML["infra"]
    assert (ROOT / infra["path"] / f"{infra['module']}.bicep").is_file()
    assert infra["provider"] == "bicep"
    hook = AZURE_YAML["hooks"]["postprovision"]["posix"]
    script = ROOT / hook["run"]
    assert script.is_file() and os.access(script, os.X_OK)
    assert script.parent == INFRA / "scripts"
