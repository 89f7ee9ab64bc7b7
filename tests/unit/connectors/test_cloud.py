"""The settings object: cloud hosts and scopes, overrides, and clear errors naming the setting."""

from pathlib import Path

import pytest

from connectors.cloud import AzureSettings
from connectors.errors import ConfigurationError


def settings(**env: str) -> AzureSettings:
    return AzureSettings.from_env({"ASM_AUTH": "token", **env})


@pytest.mark.parametrize(
    ("cloud", "asm", "arm", "asm_scope"),
    [
        (
            "public",
            "https://management.core.windows.net",
            "https://management.azure.com",
            "https://management.core.windows.net//.default",
        ),
        (
            "china",
            "https://management.core.chinacloudapi.cn",
            "https://management.chinacloudapi.cn",
            "https://management.core.chinacloudapi.cn//.default",
        ),
        (
            "USGov",
            "https://management.core.usgovcloudapi.net",
            "https://management.usgovcloudapi.net",
            "https://management.core.usgovcloudapi.net//.default",
        ),
    ],
)
def test_cloud_hosts_and_scopes(cloud: str, asm: str, arm: str, asm_scope: str) -> None:
    s = settings(AZURE_CLOUD=cloud)
    assert (s.asm_endpoint, s.arm_endpoint, s.asm_scope) == (asm, arm, asm_scope)
    assert s.arm_scope == f"{arm}/.default"
    assert s.verify is True


def test_overrides_and_ca_bundle(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    s = settings(
        ASM_ENDPOINT="https://127.0.0.1:8443/",
        ARM_ENDPOINT="https://127.0.0.1:8443",
        AZURE_CA_BUNDLE=str(ca),
        AZURE_ACCESS_TOKEN="secret-token",
    )
    assert s.asm_endpoint == "https://127.0.0.1:8443"
    assert s.asm_scope == "https://management.core.windows.net//.default"  # scopes stay the cloud's
    assert s.verify == str(ca)
    assert "secret-token" not in repr(s)


@pytest.mark.parametrize(
    ("env", "setting", "text"),
    [
        ({"AZURE_CLOUD": "mars"}, "AZURE_CLOUD", "not one of"),
        ({"ASM_ENDPOINT": "http://127.0.0.1:1"}, "ASM_ENDPOINT", "not an https"),
        ({"ARM_ENDPOINT": "127.0.0.1:1"}, "ARM_ENDPOINT", "not an https"),
        ({"AZURE_CA_BUNDLE": "/nonexistent/ca.pem"}, "AZURE_CA_BUNDLE", "does not exist"),
        ({"ASM_AUTH": "password"}, "ASM_AUTH", "not one of"),
        ({"ASM_AUTH": "certificate"}, "ASM_AUTH", "no source"),
        ({"ASM_CERTIFICATE_FILE": "/nonexistent/c.pem"}, "ASM_CERTIFICATE_FILE", "does not exist"),
        ({"AZURE_HTTP_TIMEOUT_SECONDS": "soon"}, "AZURE_HTTP_TIMEOUT_SECONDS", "not a number"),
        ({"AZURE_QUICK_RETRIES": "-1"}, "AZURE_QUICK_RETRIES", "negative"),
    ],
)
def test_bad_settings_name_the_setting(env: dict[str, str], setting: str, text: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        settings(**env)
    assert caught.value.setting == setting
    assert setting in str(caught.value)
    assert text in str(caught.value)
