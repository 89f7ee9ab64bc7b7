"""One settings object for reaching Azure: the cloud's hosts and scopes, overrides, CA, auth.

Against Azure and against the local emulator the connectors run the same code; only what this
object holds differs (endpoints, credentials, CA bundle). It is built once from the app settings
(`connectors/app_settings.py`) and checked up front, so a wrong setting fails at start with the
setting's name rather than as a TLS or 401 error deep inside a migration.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from connectors.app_settings import read_setting
from connectors.errors import ConfigurationError


@dataclass(frozen=True)
class Cloud:
    """The public hosts and token scopes of one Azure cloud."""

    name: str
    asm_endpoint: str
    arm_endpoint: str
    authority_host: str
    storage_suffix: str = "core.windows.net"

    @property
    def asm_scope(self) -> str:
        # The classic API's resource is the ASM host with a trailing slash; MSAL scopes append
        # `/.default`, hence the double slash (documented by the platform, and required).
        return f"{self.asm_endpoint}//.default"

    @property
    def arm_scope(self) -> str:
        return f"{self.arm_endpoint}/.default"


CLOUDS: dict[str, Cloud] = {
    "public": Cloud(
        "public",
        "https://management.core.windows.net",
        "https://management.azure.com",
        "login.microsoftonline.com",
    ),
    "china": Cloud(
        "china",
        "https://management.core.chinacloudapi.cn",
        "https://management.chinacloudapi.cn",
        "login.chinacloudapi.cn",
        "core.chinacloudapi.cn",
    ),
    "usgov": Cloud(
        "usgov",
        "https://management.core.usgovcloudapi.net",
        "https://management.usgovcloudapi.net",
        "login.microsoftonline.us",
        "core.usgovcloudapi.net",
    ),
}

ASM_AUTH_MODES = ("certificate", "token")


def _https_url(value: str, setting: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigurationError(
            f"{setting}: {value!r} is not an https:// URL (tokens and certificates are only sent over TLS)",
            setting=setting,
        )
    return value.rstrip("/")


def _number(env: Mapping[str, str], setting: str, kind: type[int] | type[float] = float) -> float:
    value = read_setting(setting, env)
    try:
        number = kind(value)
    except ValueError:
        raise ConfigurationError(f"{setting}: {value!r} is not a number", setting=setting) from None
    if number < 0:
        raise ConfigurationError(f"{setting}: must not be negative (got {value})", setting=setting)
    return float(number)


@dataclass(frozen=True)
class AzureSettings:
    """Everything the ASM client and the ARM reader need to reach one cloud (or the emulator)."""

    cloud: Cloud
    asm_endpoint: str
    arm_endpoint: str
    ca_bundle: Path | None = None
    asm_auth: str = "certificate"
    certificate_file: Path | None = None
    key_vault_url: str = ""
    certificate_name: str = "asm-management"
    client_id: str = ""
    access_token: str = field(default="", repr=False)  # never in a repr or a log
    timeout: float = 30.0
    quick_retries: int = 3
    quick_retry_max_seconds: float = 10.0
    requests_per_second: float = 5.0
    requests_burst: int = 10

    @property
    def asm_scope(self) -> str:
        return self.cloud.asm_scope

    @property
    def arm_scope(self) -> str:
        return self.cloud.arm_scope

    @property
    def verify(self) -> str | bool:
        """What to pass as `connection_verify` / to build an SSL context: the CA file or True."""
        return str(self.ca_bundle) if self.ca_bundle else True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AzureSettings:
        """Read and check the settings; a `ConfigurationError` names the first bad setting."""
        env = os.environ if environ is None else environ
        cloud_name = read_setting("AZURE_CLOUD", env).strip().lower()
        cloud = CLOUDS.get(cloud_name)
        if cloud is None:
            raise ConfigurationError(
                f"AZURE_CLOUD: {cloud_name!r} is not one of {', '.join(CLOUDS)}", setting="AZURE_CLOUD"
            )
        asm = _https_url(read_setting("ASM_ENDPOINT", env) or cloud.asm_endpoint, "ASM_ENDPOINT")
        arm = _https_url(read_setting("ARM_ENDPOINT", env) or cloud.arm_endpoint, "ARM_ENDPOINT")
        ca_value = read_setting("AZURE_CA_BUNDLE", env)
        ca_bundle = Path(ca_value) if ca_value else None
        if ca_bundle is not None and not ca_bundle.is_file():
            raise ConfigurationError(
                f"AZURE_CA_BUNDLE: {ca_bundle} does not exist or is not a file", setting="AZURE_CA_BUNDLE"
            )
        mode = read_setting("ASM_AUTH", env).strip().lower()
        if mode not in ASM_AUTH_MODES:
            raise ConfigurationError(
                f"ASM_AUTH: {mode!r} is not one of {', '.join(ASM_AUTH_MODES)}", setting="ASM_AUTH"
            )
        cert_value = read_setting("ASM_CERTIFICATE_FILE", env)
        cert_file = Path(cert_value) if cert_value else None
        if cert_file is not None and not cert_file.is_file():
            raise ConfigurationError(
                f"ASM_CERTIFICATE_FILE: {cert_file} does not exist or is not a file",
                setting="ASM_CERTIFICATE_FILE",
            )
        key_vault_url = read_setting("KEY_VAULT_URL", env)
        if key_vault_url:
            key_vault_url = _https_url(key_vault_url, "KEY_VAULT_URL")
        if mode == "certificate" and cert_file is None and not key_vault_url:
            raise ConfigurationError(
                "ASM_AUTH is 'certificate' but neither ASM_CERTIFICATE_FILE nor KEY_VAULT_URL is set: "
                "the management certificate has no source",
                setting="ASM_AUTH",
            )
        return cls(
            cloud=cloud,
            asm_endpoint=asm,
            arm_endpoint=arm,
            ca_bundle=ca_bundle,
            asm_auth=mode,
            certificate_file=cert_file,
            key_vault_url=key_vault_url,
            certificate_name=read_setting("ASM_CERTIFICATE_NAME", env),
            client_id=read_setting("AZURE_CLIENT_ID", env),
            access_token=read_setting("AZURE_ACCESS_TOKEN", env),
            timeout=_number(env, "AZURE_HTTP_TIMEOUT_SECONDS"),
            quick_retries=int(_number(env, "AZURE_QUICK_RETRIES", int)),
            quick_retry_max_seconds=_number(env, "AZURE_QUICK_RETRY_MAX_SECONDS"),
            requests_per_second=_number(env, "AZURE_REQUESTS_PER_SECOND") or 5.0,
            requests_burst=max(1, int(_number(env, "AZURE_REQUESTS_BURST", int))),
        )
