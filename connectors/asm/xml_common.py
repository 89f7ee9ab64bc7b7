"""Reading the platform's XML safely, and the few bodies c2arm sends.

Every byte of XML from outside goes through `parse_xml`: defusedxml with DTDs, entity
declarations and external references all forbidden (the platform never sends any, so a document
that has one is hostile or broken), a size limit and a nesting-depth limit (`MAX_XML_DEPTH`: the
deepest answer c2arm reads, a deployment with endpoint ACLs under `embed-detail=true`, nests 13
levels; a document nested far deeper is hostile, and is refused while it is parsed, before its
tree is built). Element names are compared without their
namespace: the classic API mixes `http://schemas.microsoft.com/windowsazure` and the network
configuration namespace, and tolerating either (or none) costs nothing. Unknown elements are
ignored, so a newer platform answer still parses.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element, SubElement, TreeBuilder, tostring

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from connectors.errors import PermanentError, Reason

NS = "http://schemas.microsoft.com/windowsazure"
NETCFG_NS = "http://schemas.microsoft.com/ServiceHosting/2011/07/NetworkConfiguration"
MAX_XML_BYTES = 16 * 1024 * 1024
#: Element nesting refused beyond this depth (real answers: 13 at most, measured on the
#: emulator's realistic estate; see docs/connectors.md).
MAX_XML_DEPTH = 100


class _TooDeep(Exception):
    """Raised from inside the parser the moment an element opens beyond `MAX_XML_DEPTH`."""


class _DepthLimitedBuilder(TreeBuilder):
    """A tree builder that stops the parse as soon as the nesting goes past the limit."""

    def __init__(self, max_depth: int) -> None:
        super().__init__()
        self._depth = 0
        self._max_depth = max_depth

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        self._depth += 1
        if self._depth > self._max_depth:
            raise _TooDeep
        return super().start(tag, attrs)

    def end(self, tag: str) -> Element:
        self._depth -= 1
        return super().end(tag)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_xml(data: bytes | str, what: str = "answer") -> Element:
    """The document's root with namespaces stripped; `PermanentError` for hostile or bad XML."""
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > MAX_XML_BYTES:
        raise PermanentError(
            f"{what}: XML of {len(raw)} bytes exceeds the {MAX_XML_BYTES}-byte limit",
            code="XmlTooLarge",
            reason=Reason.PROTOCOL,
        )
    parser = SafeET.DefusedXMLParser(
        target=_DepthLimitedBuilder(MAX_XML_DEPTH),
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
    )
    try:
        parser.feed(raw)
        root = parser.close()
    except _TooDeep:
        raise PermanentError(
            f"{what}: XML nested deeper than {MAX_XML_DEPTH} elements refused",
            code="XmlTooDeep",
            reason=Reason.PROTOCOL,
        ) from None
    except DefusedXmlException as exc:
        raise PermanentError(
            f"{what}: hostile XML refused ({type(exc).__name__})", code="XmlRefused", reason=Reason.PROTOCOL
        ) from None
    except SafeET.ParseError as exc:
        raise PermanentError(
            f"{what}: malformed XML ({exc})", code="XmlMalformed", reason=Reason.PROTOCOL
        ) from None
    for element in root.iter():
        element.tag = _local(element.tag)
        if element.attrib:
            element.attrib = {_local(k): v for k, v in element.attrib.items()}
    return root


def child(element: Element | None, *path: str) -> Element | None:
    """The first element along `path` of local names, or None."""
    current = element
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if c.tag == name), None)
    return current


def children(element: Element | None, *path: str) -> Iterator[Element]:
    """All elements named by the last step of `path` under the first match of the others."""
    if element is None or not path:
        return iter(())
    parent = child(element, *path[:-1]) if len(path) > 1 else element
    if parent is None:
        return iter(())
    return (c for c in parent if c.tag == path[-1])


def one_or_list(root: Element, tag: str) -> list[Element]:
    """The `<tag>` elements of an answer that is one of them (a GET of one) or their list."""
    return [root] if root.tag == tag else list(children(root, tag))


def text(element: Element | None, *path: str) -> str | None:
    """The stripped text of the element along `path`; None when absent or empty."""
    found = child(element, *path) if path else element
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None


def integer(element: Element | None, *path: str) -> int | None:
    value = text(element, *path)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise PermanentError(
            f"{'/'.join(path)}: {value!r} is not an integer", code="XmlValue", reason=Reason.PROTOCOL
        ) from None


def boolean(element: Element | None, *path: str) -> bool | None:
    value = text(element, *path)
    return None if value is None else value.lower() == "true"


def parse_error_body(data: bytes) -> tuple[str, str]:
    """`(code, message)` of an `<Error><Code/><Message/></Error>` body ('' when absent/empty)."""
    if not data.strip():
        return "", ""
    root = parse_xml(data, "error body")
    error = root if root.tag == "Error" else child(root, "Error")
    return text(error, "Code") or "", text(error, "Message") or ""


def deployment_network_resource(
    destination: str, resource_group: str = "", virtual_network: str = "", subnet: str = ""
) -> bytes:
    """The body of a cloud service's validate and prepare (`DeploymentNetworkResource`).

    `New`: the platform creates the VNet (the three names empty). `Existing`: the ARM VNet,
    its resource group and subnet. `Default` is not offered: the platform rejects it.
    """
    canonical = {"new": "New", "existing": "Existing"}.get(destination.lower())
    if canonical is None:
        raise ValueError(f"destination.mode {destination!r}: must be New or Existing")
    if canonical == "Existing" and not (resource_group and virtual_network and subnet):
        raise ValueError("destination Existing needs resourceGroup, virtualNetwork and subnet")
    if canonical == "New" and (resource_group or virtual_network or subnet):
        raise ValueError("destination New takes no resourceGroup, virtualNetwork or subnet")
    root = Element("DeploymentNetworkResource", xmlns=NS)
    for name, value in (
        ("ResourceGroupName", resource_group),
        ("VirtualNetworkName", virtual_network),
        ("SubNetName", subnet),
        ("DestinationVirtualNetwork", canonical),
    ):
        SubElement(root, name).text = value
    body: bytes = tostring(root, encoding="utf-8", xml_declaration=True)  # typeshed: Any for an encoding
    return body
