"""Credentials for ASM and ARM, and the TLS context that carries the CA and the certificate.

- ARM (and ASM in `token` mode): an `azure-identity` credential. On Azure that is
  `DefaultAzureCredential` (the Function App's managed identity); locally, or for a user who
  pasted `az account get-access-token`, a `StaticTokenCredential` holding a fixed token.
- ASM in `certificate` mode: the subscription's **management certificate**, presented as the TLS
  client certificate. A managed identity cannot be a classic co-administrator, so on Azure the
  certificate lives in Key Vault and is read with the managed identity; locally it is a PEM file.

Nothing here ever logs, prints or puts into an exception a token, a key or certificate bytes:
reprs show only a thumbprint or "<hidden>".
"""

from __future__ import annotations

import base64
import hashlib
import os
import ssl
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from azure.core.credentials import AccessToken, AccessTokenInfo, TokenCredential
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from connectors.closing import Closing
from connectors.cloud import AzureSettings
from connectors.errors import ConfigurationError


class StaticTokenCredential(Closing):
    """A fixed bearer token as an azure-core `TokenCredential` (and `SupportsTokenInfo`).

    azure-identity has no such class; the local emulator accepts any non-empty token, and a
    person may hand c2arm a token from `az account get-access-token`. The token is valid for
    `lifetime` seconds from construction as far as the SDK pipelines are concerned.
    """

    def __init__(self, token: str, lifetime: int = 3600) -> None:
        if not token or not token.strip():
            raise ConfigurationError(
                "static token credential: the token is empty", setting="AZURE_ACCESS_TOKEN"
            )
        self._token = token.strip()
        self._expires_on = int(time.time()) + lifetime

    def __repr__(self) -> str:
        return "StaticTokenCredential(token=<hidden>)"

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        del scopes, claims, tenant_id, enable_cae, kwargs  # the protocol's: one token answers them all
        return AccessToken(self._token, self._expires_on)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        del scopes, options  # the protocol's: one token answers them all
        return AccessTokenInfo(self._token, self._expires_on)

    def close(self) -> None:
        """Nothing to release (part of the credential protocol used by `with` blocks)."""


def token_credential(settings: AzureSettings) -> TokenCredential:
    """The credential for ARM (and ASM token mode): the static token if set, else the identity.

    Constructing `DefaultAzureCredential` touches no network; it asks the managed identity
    endpoint only when a token is first needed.
    """
    if settings.access_token:
        return StaticTokenCredential(settings.access_token)
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(
        authority=settings.cloud.authority_host,
        managed_identity_client_id=settings.client_id or None,
        exclude_interactive_browser_credential=True,
    )


@dataclass(frozen=True)
class ManagementCertificate:
    """An ASM management certificate: PEM certificate chain + private key, held in memory."""

    pem: bytes = field(repr=False)
    thumbprint: str = ""

    def __repr__(self) -> str:
        return f"ManagementCertificate(thumbprint={self.thumbprint})"

    @classmethod
    def from_pem(cls, data: bytes, source: str) -> ManagementCertificate:
        """Check that `data` holds a certificate and its unencrypted private key."""
        try:
            certificate = x509.load_pem_x509_certificate(data)
        except ValueError:
            raise ConfigurationError(f"{source}: no PEM certificate found", setting=source) from None
        try:
            serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError):
            raise ConfigurationError(
                f"{source}: no unencrypted PEM private key found next to the certificate", setting=source
            ) from None
        thumbprint = hashlib.sha1(certificate.public_bytes(serialization.Encoding.DER)).hexdigest().upper()  # noqa: S324 - Azure names certificates by SHA-1 thumbprint
        return cls(pem=data, thumbprint=thumbprint)

    @classmethod
    def from_pkcs12(cls, data: bytes, source: str) -> ManagementCertificate:
        """A PFX (how Key Vault stores a certificate's secret) converted to PEM in memory."""
        try:
            key, certificate, extra = pkcs12.load_key_and_certificates(data, password=None)
        except ValueError:
            raise ConfigurationError(
                f"{source}: not a readable PKCS#12 (PFX) bundle", setting=source
            ) from None
        if key is None or certificate is None:
            raise ConfigurationError(f"{source}: the PFX lacks a certificate or its key", setting=source)
        pem = certificate.public_bytes(serialization.Encoding.PEM)
        pem += b"".join(c.public_bytes(serialization.Encoding.PEM) for c in extra or [])
        pem += key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return cls.from_pem(pem, source)

    @classmethod
    def from_file(cls, path: Path) -> ManagementCertificate:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ConfigurationError(
                f"ASM_CERTIFICATE_FILE: cannot read {path}: {exc.strerror}", setting="ASM_CERTIFICATE_FILE"
            ) from None
        return cls.from_pem(data, "ASM_CERTIFICATE_FILE")

    @classmethod
    def from_key_vault(
        cls, vault_url: str, name: str, credential: TokenCredential, **client_kwargs: Any
    ) -> ManagementCertificate:
        """Read the certificate's secret from Key Vault with `credential` (the managed identity).

        A certificate imported into Key Vault is readable as a secret of the same name: base64
        PFX (`application/x-pkcs12`) or PEM (`application/x-pem-file`).
        """
        from azure.core.exceptions import AzureError
        from azure.keyvault.secrets import SecretClient

        try:
            with SecretClient(vault_url, credential, **client_kwargs) as client:
                secret = client.get_secret(name)
        except AzureError as exc:
            raise ConfigurationError(
                f"KEY_VAULT_URL: cannot read secret {name!r} from {vault_url}: {type(exc).__name__}",
                setting="KEY_VAULT_URL",
            ) from None
        value = secret.value or ""
        if (secret.properties.content_type or "").lower() == "application/x-pkcs12":
            return cls.from_pkcs12(base64.b64decode(value), "ASM_CERTIFICATE_NAME")
        return cls.from_pem(value.encode(), "ASM_CERTIFICATE_NAME")


def management_certificate(
    settings: AzureSettings, credential: TokenCredential | None = None
) -> ManagementCertificate:
    """The management certificate from the file if set, else from Key Vault with the identity."""
    if settings.certificate_file is not None:
        return ManagementCertificate.from_file(settings.certificate_file)
    if not settings.key_vault_url:
        raise ConfigurationError(
            "no management certificate: set ASM_CERTIFICATE_FILE or KEY_VAULT_URL", setting="ASM_AUTH"
        )
    return ManagementCertificate.from_key_vault(
        settings.key_vault_url,
        settings.certificate_name,
        credential or token_credential(settings),
        connection_verify=settings.verify,
    )


def ssl_context(ca_bundle: Path | None, certificate: ManagementCertificate | None = None) -> ssl.SSLContext:
    """A client TLS context trusting `ca_bundle` (or the system CAs) and presenting `certificate`.

    `ssl` loads client certificates only from files, so the PEM goes to a private temporary file
    (mode 0600) for the duration of the load and is removed at once.
    """
    try:
        context = ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(
            f"AZURE_CA_BUNDLE: {ca_bundle} is not a readable PEM CA bundle ({exc})", setting="AZURE_CA_BUNDLE"
        ) from None
    if certificate is not None:
        fd, name = tempfile.mkstemp(prefix="c2arm-cert-", suffix=".pem")
        try:
            os.write(fd, certificate.pem)
            os.close(fd)
            context.load_cert_chain(name)
        except ssl.SSLError:
            raise ConfigurationError(
                "the management certificate and its key do not load as a TLS client certificate",
                setting="ASM_CERTIFICATE_FILE",
            ) from None
        finally:
            Path(name).unlink(missing_ok=True)
    return context
