"""The throwaway CA (trustme), the server certificate, the management certificate and the admin token.

The CA is kept in the state directory so a restart keeps trusting the same management
certificate; `ca.pem` is what clients verify the server with.
"""

from __future__ import annotations

import os
import secrets
import ssl
from pathlib import Path

import trustme


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def setup_tls(state_dir: Path) -> ssl.SSLContext:
    """Server TLS context on loopback; client certificates issued by our CA are accepted."""
    ca_pem, ca_key = state_dir / "ca.pem", state_dir / "ca-key.pem"
    if ca_pem.exists() and ca_key.exists():
        ca = trustme.CA.from_pem(ca_pem.read_bytes(), ca_key.read_bytes())
    else:
        ca = trustme.CA(organization_name="c2arm emulator")
        _write_private(ca_key, ca.private_key_pem.bytes())
        ca.cert_pem.write_to_path(str(ca_pem))
    mgmt_cert, mgmt_key = state_dir / "management-cert.pem", state_dir / "management-key.pem"
    if not (mgmt_cert.exists() and mgmt_key.exists()):
        client = ca.issue_cert("c2arm-management-certificate", common_name="c2arm management certificate")
        mgmt_cert.write_bytes(b"".join(blob.bytes() for blob in client.cert_chain_pems))
        _write_private(mgmt_key, client.private_key_pem.bytes())
    server = ca.issue_cert("127.0.0.1", "localhost")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.configure_cert(ctx)
    ca.configure_trust(ctx)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    return ctx


def admin_token(state_dir: Path) -> str:
    """The admin token (kept across restarts; never logged)."""
    path = state_dir / "admin-token"
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    token = secrets.token_urlsafe(32)
    _write_private(path, token.encode())
    return token
