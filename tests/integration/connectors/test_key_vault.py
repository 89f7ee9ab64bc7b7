"""The management certificate read from Key Vault with the real azure-keyvault-secrets client.

Key Vault cannot run here, so a minimal loopback stand-in answers the two requests the client
makes (the 401 bearer challenge, then the secret); everything on the client side is real, and the
certificate it returns is then used against the emulator.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from cli.stack.emulator import Emulator
from connectors.asm import AsmClient, AsmHttp
from connectors.credentials import ManagementCertificate, StaticTokenCredential
from connectors.errors import ConfigurationError
from connectors.ratelimit import RateLimiter

SECRETS: dict[str, tuple[str, str]] = {}  # name -> (value, contentType)
SEEN_TOKENS: list[str] = []


class VaultHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _json(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization")
        if not auth:
            challenge = (
                'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000",'
                ' resource="https://vault.azure.net"'
            )
            self._json(
                401,
                {"error": {"code": "Unauthorized", "message": "no token"}},
                {"WWW-Authenticate": challenge},
            )
            return
        SEEN_TOKENS.append(auth)
        name = self.path.split("?")[0].strip("/").split("/")[1]
        if name not in SECRETS:
            self._json(
                404,
                {
                    "error": {
                        "code": "SecretNotFound",
                        "message": f"A secret with (name/id) {name} was not found",
                    }
                },
            )
            return
        value, content_type = SECRETS[name]
        host = f"https://{self.headers['Host']}"
        self._json(
            200,
            {
                "value": value,
                "contentType": content_type,
                "id": f"{host}/secrets/{name}/0001",
                "attributes": {"enabled": True},
            },
        )


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    ca = trustme.CA()
    ca_file = tmp_path_factory.mktemp("vault") / "vault-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server = ThreadingHTTPServer(("127.0.0.1", 0), VaultHandler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", ca_file
    server.shutdown()
    server.server_close()


def read(vault: tuple[str, Path], name: str) -> ManagementCertificate:
    url, ca_file = vault
    return ManagementCertificate.from_key_vault(
        url,
        name,
        StaticTokenCredential("identity-token"),
        connection_verify=str(ca_file),
        verify_challenge_resource=False,
        retry_total=0,
    )


def test_pfx_certificate_from_key_vault_authenticates_to_the_emulator(vault, emulator: Emulator) -> None:
    cert_path, key_path = emulator.management_cert
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    pfx = pkcs12.serialize_key_and_certificates(b"asm", key, certificate, None, serialization.NoEncryption())
    SECRETS["asm-management"] = (base64.b64encode(pfx).decode(), "application/x-pkcs12")

    management = read(vault, "asm-management")
    assert SEEN_TOKENS[-1] == "Bearer identity-token"  # the identity's token, after the challenge
    http = AsmHttp(
        emulator.url,
        emulator.subscription_id,
        certificate=management,
        ca_bundle=emulator.ca_file,
        limiter=RateLimiter(1000, 1000),
    )
    with AsmClient(http) as asm:
        assert asm.get_xml("/services/storageservices", "storage").tag == "StorageServices"


def test_pem_secret_and_missing_secret(vault, emulator: Emulator) -> None:
    cert_path, key_path = emulator.management_cert
    SECRETS["pem"] = ((cert_path.read_bytes() + key_path.read_bytes()).decode(), "application/x-pem-file")
    assert read(vault, "pem").thumbprint
    with pytest.raises(ConfigurationError, match="cannot read secret 'absent'") as caught:
        read(vault, "absent")
    assert caught.value.setting == "KEY_VAULT_URL"
    assert "identity-token" not in str(caught.value)
