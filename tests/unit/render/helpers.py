"""Small parsers for the rendered pages: the tests read the HTML, not string fragments."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from xml.etree import ElementTree

SVG_NS = "{http://www.w3.org/2000/svg}"


class Tags(HTMLParser):
    """Every start tag with its attributes, and the page's visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in {"style", "script"}:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"style", "script"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser


def svgs(html: str) -> list[ElementTree.Element]:
    """Each inline <svg> parsed as XML (so a malformed picture fails the test)."""
    return [ElementTree.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]


def assert_self_contained(html: str) -> None:
    """No script, no external stylesheet, font, image or frame: nothing loads from elsewhere."""
    tags = parse(html).tags
    assert [t for t, _ in tags if t in {"script", "link", "iframe", "img", "object", "embed"}] == []
    for _, attrs in tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None or not re.match(r"^\s*(https?:)?//", value), (name, value)
    assert "@import" not in html and "url(" not in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
