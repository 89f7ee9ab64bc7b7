"""Request bodies from outside: parsed with defusedxml (no DTDs, entities or external references)."""

from __future__ import annotations

from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from emulator.asm.errors import bad_request
from emulator.asm.messages import say
from emulator.xmlw import NETCFG_NS, WA_NS

MAX_BODY = 256 * 1024


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_xml(body: bytes, root: str, namespace: str = WA_NS) -> Any:
    """The root element, or a 400 that says what is wrong (nothing is changed on error)."""
    if not body.strip():
        raise bad_request(say("request.empty", root=root))
    if len(body) > MAX_BODY:
        raise bad_request(say("request.too-large", limit=MAX_BODY))
    try:
        element = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise bad_request(say("request.rejected", why=type(exc).__name__)) from exc
    except SafeET.ParseError as exc:
        raise bad_request(say("request.not-xml", why=exc)) from exc
    if local(element.tag) != root:
        raise bad_request(say("request.root", root=root, got=local(element.tag)))
    ns = element.tag[1:].split("}", 1)[0] if element.tag.startswith("{") else ""
    if ns != namespace:
        raise bad_request(say("request.namespace", root=root, namespace=namespace, got=ns or "none"))
    return element


def child_text(element: Any, name: str) -> str | None:
    for child in element:
        if local(child.tag) == name:
            return (child.text or "").strip()
    return None


def children(element: Any, name: str) -> list[Any]:
    return [c for c in element if local(c.tag) == name]


def flat(element: Any) -> dict[str, str]:
    """Direct children as {local name: text} (for flat bodies like DeploymentNetworkResource)."""
    return {local(c.tag): (c.text or "").strip() for c in element}


NETWORK_NS = NETCFG_NS
