"""A tiny, fast XML writer shared by the ASM serializers (strings, not trees: ≥ 500 GET/s)."""

from __future__ import annotations

from collections.abc import Iterable
from xml.sax.saxutils import escape

WA_NS = "http://schemas.microsoft.com/windowsazure"
NETCFG_NS = "http://schemas.microsoft.com/ServiceHosting/2011/07/NetworkConfiguration"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
DECL = '<?xml version="1.0" encoding="utf-8"?>'

Child = str | int | bool | float | list[str] | None


def text(value: object) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    raw = value if isinstance(value, str) else str(value)
    if "&" in raw or "<" in raw or ">" in raw:
        return escape(raw)
    return raw


def E(tag: str, content: Child = None, **attrs: object) -> str:
    """`<tag attr="…">content</tag>`; None content → omitted; "" → empty element; list → children."""
    if content is None:
        return ""
    if not attrs:
        inner = "".join(content) if isinstance(content, list) else text(content)
        return f"<{tag}>{inner}</{tag}>"
    attr = "".join(f' {k}="{escape(str(v), {chr(34): "&quot;"})}"' for k, v in attrs.items() if v is not None)
    inner = "".join(content) if isinstance(content, list) else text(content)
    return f"<{tag}{attr}>{inner}</{tag}>"


def L(tag: str, items: Iterable[str]) -> str:
    """A wrapper element around already-built children (always present, possibly empty)."""
    return f"<{tag}>{''.join(items)}</{tag}>"


def document(root: str, body: list[str], ns: str = WA_NS) -> str:
    return f'{DECL}<{root} xmlns="{ns}" xmlns:i="{XSI_NS}">{"".join(body)}</{root}>'
