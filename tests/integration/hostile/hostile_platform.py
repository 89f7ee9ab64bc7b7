"""A hostile classic platform: an HTTPS server on loopback answering every request with a chosen body.

The emulator never sends hostile XML, so the ASM client's defences are driven by this small
server instead: the client's real TLS, HTTP and parsing stack, against bytes a compromised or
broken endpoint might send. The CA is a throwaway trustme CA written to a temp folder.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import trustme


class HostilePlatform:
    """Serves `body` (with `status`) to every request; `requests` counts what arrived."""

    def __init__(self, folder: Path) -> None:
        self.body = b""
        self.status = 200
        self.headers: dict[str, str] = {"x-ms-request-id": "hostile-1"}
        self.requests = 0
        ca = trustme.CA()
        self.ca_file = folder / "hostile-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                platform.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self.send_response(platform.status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(platform.body)))
                for name, value in platform.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                # the client may hang up mid-body (it refuses huge bodies): that is what is tested
                with contextlib.suppress(ssl.SSLError, ConnectionError):
                    self.wfile.write(platform.body)

            do_GET = do_POST = _answer

            def log_message(self, format: str, *args: object) -> None:  # noqa: ARG002 - silenced
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
