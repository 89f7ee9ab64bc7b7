"""The rendered review page in headless Chromium, served by a tiny loopback server.

Checks what a person sees (both sides, the findings, the marked difference) and what the
Approve button sends; the end-to-end test against the devhost is in test_review_page_devhost.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from migration.render import review_page_html
from tests.unit.render.samples import review_view

pytestmark = pytest.mark.browser
TOKEN = "1764100000.dG9rZW4"


class _Server(ThreadingHTTPServer):
    page = ""
    posts: list[tuple[str, dict[str, list[str]]]]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass

    def _send(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._send(200, self.server.page) if self.path.endswith("/review") else self._send(404, "no")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        self.server.posts.append((self.path, form))
        self._send(202, "<p id='done'>decision recorded</p>")


@pytest.fixture
def review_server() -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.posts = []
    server.page = review_page_html(review_view(), TOKEN, principal="lead@contoso.com")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_review_page_renders_both_sides_and_posts_the_decision(
    review_server, new_page, screenshot_path
) -> None:
    base = f"http://127.0.0.1:{review_server.server_address[1]}"
    page = new_page(viewport={"width": 1400, "height": 1000})
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{base}/api/migrations/change-4711/review")

    classic, arm = page.locator("section#classic"), page.locator("section#arm")
    assert classic.is_visible() and arm.is_visible()
    classic_box, arm_box = classic.bounding_box(), arm.bounding_box()
    assert classic_box["x"] + classic_box["width"] <= arm_box["x"]  # side by side, classic on the left
    assert "10.0.1.4" in classic.inner_text()
    assert page.locator("section#arm tr.diff").count() == 1
    assert page.locator("section#arm .card.missing").inner_text().startswith("web-cs-LB")
    findings = page.locator("table.findings tbody tr")
    assert findings.count() == 3 and findings.first.inner_text().startswith("error")
    assert page.locator("svg.gantt .bar").count() == 7
    page.screenshot(path=str(screenshot_path("review-page-static")), full_page=True)

    page.fill("textarea[name=comment]", "looks right")
    page.click("button.approve")
    page.wait_for_selector("#done")
    [(path, form)] = review_server.posts
    assert path == "/api/migrations/change-4711/review/decision"
    assert form == {"decision": ["commit"], "comment": ["looks right"], "token": [TOKEN]}
    assert all(url.startswith(base) for url in requested), requested
