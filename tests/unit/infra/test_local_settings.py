"""local.settings.example.json lists every registry setting (for `func start` and the devhost)."""

from __future__ import annotations

import json

from connectors.app_settings import SETTINGS
from tests.unit.infra.conftest import ROOT

EXAMPLE = json.loads((ROOT / "local.settings.example.json").read_text())
PLATFORM = {"FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsFeatureFlags"}


def test_shape() -> None:
    assert EXAMPLE["IsEncrypted"] is False
    assert all(isinstance(v, str) for v in EXAMPLE["Values"].values())
    assert EXAMPLE["Values"]["FUNCTIONS_WORKER_RUNTIME"] == "python"


def test_every_registry_setting_is_listed_and_nothing_unknown() -> None:
    names = {s.name for s in SETTINGS}
    values = EXAMPLE["Values"]
    missing = sorted(names - set(values))
    assert not missing, f"add to local.settings.example.json: {missing}"
    unknown = sorted(set(values) - names - PLATFORM)
    assert not unknown, f"not in connectors/app_settings.py: {unknown}"


def test_local_storage_is_azurite_and_no_real_secret() -> None:
    values = EXAMPLE["Values"]
    assert values["AzureWebJobsStorage"] == "UseDevelopmentStorage=true"
    for name, value in values.items():
        assert "AccountKey=" not in value, name
    for setting in SETTINGS:
        if setting.secret and values[setting.name] not in ("", "UseDevelopmentStorage=true"):
            assert "local" in values[setting.name], f"{setting.name} must be an obvious local placeholder"
