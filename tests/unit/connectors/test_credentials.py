"""Credentials: the static token, management certificates (PEM, PFX) and the TLS context.

Nothing here calls `get_token` on an identity credential (that would probe IMDS).
"""

from pathlib import Path

import pytest
import trustme
from azure.identity import DefaultAzureCredential
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from connectors.cloud import AzureSettings
from connectors.credentials import (
    ManagementCertificate,
    StaticTokenCredential,
    management_certificate,
    ssl_context,
    token_credential,
)
from connectors.errors import ConfigurationError


@pytest.fixture(scope="module")
def leaf() -> trustme.LeafCert:
    return trustme.CA().issue_cert("c2arm-management@contoso.com")


def test_static_token_credential_protocol() -> None:
    cred = StaticTokenCredential("tok-123")
    assert cred.get_token("https://management.azure.com/.default").token == "tok-123"
    info = cred.get_token_info("scope")
    assert info.token == "tok-123" and info.expires_on > 0
    assert "tok-123" not in repr(cred)
    with pytest.raises(ConfigurationError, match="empty"):
        StaticTokenCredential("  ")


def test_token_credential_choice() -> None:
    static = token_credential(AzureSettings.from_env({"ASM_AUTH": "token", "AZURE_ACCESS_TOKEN": "t"}))
    assert isinstance(static, StaticTokenCredential)
    identity = token_credential(AzureSettings.from_env({"ASM_AUTH": "token", "AZURE_CLIENT_ID": "abc"}))
    assert isinstance(identity, DefaultAzureCredential)  # constructed only: no network touched


def test_pem_certificate_from_file(tmp_path: Path, leaf: trustme.LeafCert) -> None:
    pem = tmp_path / "mgmt.pem"
    leaf.private_key_and_cert_chain_pem.write_to_path(str(pem))
    settings = AzureSettings.from_env({"ASM_CERTIFICATE_FILE": str(pem)})
    cert = management_certificate(settings)
    der = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes()).public_bytes(
        serialization.Encoding.DER
    )
    import hashlib

    assert cert.thumbprint == hashlib.sha1(der).hexdigest().upper()
    assert "PRIVATE KEY" not in repr(cert) and cert.thumbprint in repr(cert)
    context = ssl_context(None, cert)  # the key and certificate load into a TLS context
    assert context.verify_mode.name == "CERT_REQUIRED"


def test_pfx_certificate_is_converted(leaf: trustme.LeafCert) -> None:
    key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), password=None)
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    pfx = pkcs12.serialize_key_and_certificates(b"m", key, cert, None, serialization.NoEncryption())
    converted = ManagementCertificate.from_pkcs12(pfx, "ASM_CERTIFICATE_NAME")
    assert b"PRIVATE KEY" in converted.pem
    ssl_context(None, converted)


def test_certificate_without_key_is_refused(tmp_path: Path, leaf: trustme.LeafCert) -> None:
    pem = tmp_path / "only-cert.pem"
    pem.write_bytes(leaf.cert_chain_pems[0].bytes())
    with pytest.raises(ConfigurationError, match="private key") as caught:
        ManagementCertificate.from_file(pem)
    assert caught.value.setting == "ASM_CERTIFICATE_FILE"
    with pytest.raises(ConfigurationError, match="no PEM certificate"):
        ManagementCertificate.from_pem(b"garbage", "ASM_CERTIFICATE_FILE")
    with pytest.raises(ConfigurationError, match="PKCS#12"):
        ManagementCertificate.from_pkcs12(b"garbage", "ASM_CERTIFICATE_NAME")


def test_unreadable_ca_bundle_names_the_setting(tmp_path: Path) -> None:
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ConfigurationError, match="AZURE_CA_BUNDLE"):
        ssl_context(bad)
