"""The Function App's app settings in infra/ against the live registry (connectors/app_settings.py).

The registry is imported, not copied: a setting added to it fails these tests until the template
deploys it (with the registry's default as the Bicep parameter's default) or it is declared
local-only below with the reason, which docs/operations.md repeats.
"""

from __future__ import annotations

import re

import pytest

from connectors.app_settings import SETTINGS
from tests.unit.infra.bicep import BicepFile, Expr, Str

# Registry settings that must NOT be set on Azure, and why (docs/operations.md says the same).
LOCAL_ONLY: dict[str, str] = {
    "AzureWebJobsStorage": "a connection string carries the account key; the identity-based "
    "AzureWebJobsStorage__* settings replace it",
    "AZURE_ACCESS_TOKEN": "a fixed bearer token for local runs; on Azure the managed identity gets tokens",
    "ASM_CERTIFICATE_FILE": "a PEM file on the local disk; on Azure the certificate comes from Key Vault",
}

# Settings whose value comes from a deployed resource (module outputs), not from a knob.
FROM_RESOURCES = {
    "AzureWebJobsStorage__accountName": "storage.outputs.name",
    "AzureWebJobsStorage__blobServiceUri": "storage.outputs.blobEndpoint",
    "AzureWebJobsStorage__queueServiceUri": "storage.outputs.queueEndpoint",
    "AzureWebJobsStorage__tableServiceUri": "storage.outputs.tableEndpoint",
    "AzureWebJobsStorage__clientId": "identity.outputs.clientId",
    "AZURE_CLIENT_ID": "identity.outputs.clientId",
    "KEY_VAULT_URL": "keyVault.outputs.uri",
    "APPLICATIONINSIGHTS_CONNECTION_STRING": "monitoring.outputs.connectionString",
}

# Rejected by the Flex Consumption plan (runtime lives in functionAppConfig) or key-based.
FORBIDDEN_SETTINGS = {
    "FUNCTIONS_WORKER_RUNTIME",
    "FUNCTIONS_EXTENSION_VERSION",
    "FUNCTIONS_WORKER_RUNTIME_VERSION",
    "WEBSITE_RUN_FROM_PACKAGE",
    "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
    "WEBSITE_CONTENTSHARE",
    "SCM_DO_BUILD_DURING_DEPLOYMENT",
    "ENABLE_ORYX_BUILD",
    "APPINSIGHTS_INSTRUMENTATIONKEY",
    "AzureWebJobsStorage",
}


def _compact(expr: Expr) -> str:
    return "".join(t.text for t in expr.tokens)


def _param_behind(value: object) -> str | None:
    """`knob` or `string(knob)` → `knob`."""
    if isinstance(value, Expr):
        return value.ident or value.call_of("string")
    return None


def test_every_registry_setting_is_deployed_unless_local_only(app_settings: dict) -> None:
    names = {s.name for s in SETTINGS}
    stale = set(LOCAL_ONLY) - names
    assert not stale, f"LOCAL_ONLY names no longer in the registry: {sorted(stale)}"
    missing = sorted(names - set(LOCAL_ONLY) - set(app_settings))
    assert not missing, (
        f"registry settings the Function App does not get (add them to infra/main.bicep): {missing}"
    )
    leaked = sorted(set(LOCAL_ONLY) & set(app_settings))
    assert not leaked, f"local-only settings must not be set on Azure: {leaked}"


def test_knobs_are_parameters_whose_defaults_are_the_registry_defaults(
    main: BicepFile, app_settings: dict
) -> None:
    problems = []
    for setting in SETTINGS:
        if setting.name in LOCAL_ONLY or setting.secret or setting.name in FROM_RESOURCES:
            continue
        value = app_settings.get(setting.name)
        param_name = _param_behind(value)
        if param_name is None or param_name not in main.params:
            problems.append(f"{setting.name}: not a main.bicep parameter ({value!r})")
            continue
        param = main.params[param_name]
        default = param.default
        if isinstance(default, Str) and not default.interpolated:
            default_text = default.value
        elif isinstance(default, bool):
            default_text = str(default).lower()
        elif isinstance(default, int):
            default_text = str(default)
        else:
            problems.append(f"{setting.name}: parameter {param_name} has no literal default")
            continue
        if default_text != setting.default:
            problems.append(
                f"{setting.name}: default {default_text!r} in Bicep, {setting.default!r} in the registry"
            )
        if setting.name not in param.decorators.get("description", ""):
            problems.append(
                f"{setting.name}: parameter {param_name} must name the setting in its @description"
            )
    assert not problems, "\n".join(problems)


def test_settings_from_resources_come_from_module_outputs(app_settings: dict) -> None:
    for name, expected in FROM_RESOURCES.items():
        value = app_settings.get(name)
        assert isinstance(value, Expr) and _compact(value) == expected, (
            f"{name} = {value!r}, expected {expected}"
        )


def test_secrets_are_key_vault_references_only(app_settings: dict) -> None:
    secrets = [s for s in SETTINGS if s.secret and s.name not in LOCAL_ONLY]
    assert secrets, "the registry has a deployed secret (REVIEW_TOKEN_SECRET); the check must see it"
    for setting in secrets:
        value = app_settings[setting.name]
        assert isinstance(value, Str), f"{setting.name} must be a Key Vault reference string"
        assert re.fullmatch(
            r"@Microsoft\.KeyVault\(VaultName=\$\{keyVault\.outputs\.name\};SecretName=\$\{\w+\}\)",
            value.value,
        ), f"{setting.name} is not a Key Vault reference to c2arm's vault: {value.value!r}"


def test_identity_based_host_storage_and_no_platform_settings_flex_rejects(app_settings: dict) -> None:
    assert app_settings["AzureWebJobsStorage__credential"] == Str("managedidentity", False)
    present = sorted(FORBIDDEN_SETTINGS & set(app_settings))
    assert not present, f"settings Flex Consumption rejects or that need a key: {present}"


def test_no_literal_secret_in_any_setting(app_settings: dict) -> None:
    for name, value in app_settings.items():
        if isinstance(value, Str):
            assert not re.search(
                r"AccountKey=|SharedAccessSignature=|InstrumentationKey=|sig=", value.value
            ), name


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.name not in LOCAL_ONLY], ids=lambda s: s.name)
def test_each_deployed_value_has_a_known_source(setting, main: BicepFile, app_settings: dict) -> None:
    """Every registry setting on Azure is a knob parameter, a resource output or a Key Vault
    reference — never a literal buried in the template where an operator cannot change it."""
    value = app_settings[setting.name]
    if setting.name in FROM_RESOURCES:
        return
    if setting.secret:
        assert isinstance(value, Str) and value.value.startswith("@Microsoft.KeyVault(")
        return
    assert _param_behind(value) in main.params


def _allowed(main: BicepFile, param: str) -> set[str]:
    text = main.params[param].decorators["allowed"]
    return set(re.findall(r"'([^']*)'", text))


def test_allowed_values_are_the_ones_the_connectors_accept(main: BicepFile) -> None:
    from connectors.cloud import ASM_AUTH_MODES, CLOUDS

    assert _allowed(main, "azureCloud") == set(CLOUDS)
    assert _allowed(main, "asmAuth") == set(ASM_AUTH_MODES)
    assert _allowed(main, "twoPersonApproval") == {"true", "false"}
