"""The XML the ASM client parses, from a hostile platform over real TLS: entity expansion, external
entities and DTDs, malformed and huge bodies are refused with a clear error naming the call;
nothing hangs, nothing expands, nothing is fetched."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.asm._http import MAX_BODY_BYTES, AsmHttp
from connectors.asm.client import AsmClient
from connectors.asm.xml_common import MAX_XML_DEPTH, parse_xml
from connectors.credentials import StaticTokenCredential
from connectors.errors import AzureCallError, PermanentError
from migration.requests import Unit
from tests.integration.hostile.hostile_platform import HostilePlatform

SUB = "00000000-0000-0000-0000-000000000001"
NS = 'xmlns="http://schemas.microsoft.com/windowsazure"'
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]><Deployment><Name>&lol9;</Name></Deployment>"
)
HOSTILE = {
    "billion laughs": (LAUGHS, "XmlRefused"),
    "quadratic blow-up": (
        b'<!DOCTYPE d [<!ENTITY a "'
        + b"x" * 50_000
        + b'">]><Deployment><Name>'
        + b"&a;" * 1000
        + b"</Name></Deployment>",
        "XmlRefused",
    ),
    "external entity": (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<Deployment><Name>&xxe;</Name></Deployment>",
        "XmlRefused",
    ),
    "external DTD": (
        b'<?xml version="1.0"?><!DOCTYPE d SYSTEM "http://127.0.0.1:9/evil.dtd"><Deployment/>',
        "XmlRefused",
    ),
    "parameter entity": (
        b'<!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]><Deployment/>',
        "XmlRefused",
    ),
    "internal DTD only": (b"<!DOCTYPE Deployment [<!ELEMENT Deployment ANY>]><Deployment/>", "XmlRefused"),
    "malformed": (b"<Deployment><Name>x</Deployment>", "XmlMalformed"),
    "not XML": (b"\x00\xff{json: true}", "XmlMalformed"),
    "huge body": (b"<Deployment>" + b"<Name>x</Name>" * (17 * 1024 * 1024 // 14) + b"</Deployment>", None),
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostilePlatform]:
    server = HostilePlatform(tmp_path_factory.mktemp("hostile-platform"))
    yield server
    server.close()


def _client(platform: HostilePlatform) -> AsmClient:
    http = AsmHttp(
        platform.url,
        SUB,
        credential=StaticTokenCredential("hostile-test"),
        scope="asm/.default",
        ca_bundle=platform.ca_file,
        quick_retries=0,
    )
    return AsmClient(http)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_answers_are_refused_with_a_clear_error(platform: HostilePlatform, name: str) -> None:
    body, code = HOSTILE[name]
    platform.body, platform.status = body, 200
    with _client(platform) as client, pytest.raises(PermanentError) as info:
        client.get_deployment("web-cs", "web-dep")
    error = info.value
    if code:
        assert error.code == code, (error.code, str(error))
    else:  # the huge body: refused by its size while it is read, before any parsing
        assert f"exceeds the {MAX_BODY_BYTES}-byte limit" in str(error), str(error)
    assert "deploymentslots" not in str(error)
    assert "/services/hostedservices/web-cs/deployments/web-dep" in str(error), str(error)
    assert "root:" not in str(error) and "passwd" not in str(error)


@pytest.mark.parametrize("name", ["billion laughs", "external entity", "malformed"])
def test_hostile_operation_and_validate_answers_are_refused(platform: HostilePlatform, name: str) -> None:
    platform.body, platform.status = HOSTILE[name][0], 200
    with _client(platform) as client:
        with pytest.raises(PermanentError):
            client.operation_status("op-1")
        with pytest.raises(PermanentError):
            client.validate(Unit(kind="virtualNetwork", name="vnet1"))


def test_hostile_error_bodies_are_refused_not_expanded(platform: HostilePlatform) -> None:
    platform.body, platform.status = LAUGHS, 400
    with _client(platform) as client, pytest.raises(AzureCallError) as info:
        client.get_deployment("web-cs", "web-dep")
    assert "lollollol" not in str(info.value)


def test_deep_nesting_is_refused(platform: HostilePlatform) -> None:
    platform.body = f"<Deployment {NS}>".encode() + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</Deployment>"
    platform.status = 200
    with _client(platform) as client, pytest.raises(PermanentError) as info:
        client.get_deployment("web-cs", "web-dep")
    assert info.value.code == "XmlTooDeep"
    assert f"deeper than {MAX_XML_DEPTH}" in str(info.value)
    assert "/services/hostedservices/web-cs/deployments/web-dep" in str(info.value)


def test_depth_limit_sits_far_above_real_answers() -> None:
    # the deepest real answer (a deployment with endpoint ACLs, embed-detail) nests 13 levels
    assert MAX_XML_DEPTH >= 5 * 13
    at_limit = b"<a>" * MAX_XML_DEPTH + b"</a>" * MAX_XML_DEPTH
    assert parse_xml(at_limit).tag == "a"
    with pytest.raises(PermanentError) as info:
        parse_xml(b"<a>" + at_limit + b"</a>", "GET /x")
    assert info.value.code == "XmlTooDeep" and str(info.value).startswith("XmlTooDeep: GET /x:")


elements = st.recursive(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0-9 <>&\"'", max_size=20),
    lambda inner: st.tuples(
        st.sampled_from(
            [
                "Deployment",
                "Name",
                "RoleList",
                "Role",
                "RoleName",
                "ConfigurationSets",
                "InputEndpoints",
                "Port",
                "x",
            ]
        ),
        st.lists(inner, max_size=4),
    ),
    max_leaves=25,
)


def _xml(node: object) -> str:
    if isinstance(node, str):
        return node.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    tag, kids = node  # type: ignore[misc]
    return f"<{tag}>" + "".join(_xml(k) for k in kids) + f"</{tag}>"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(elements)
@pytest.mark.usefixtures("platform")
def test_random_deployments_parse_or_raise_a_permanent_error(tree: object) -> None:
    from connectors.asm.xml_deployment import parse_deployment

    body = f"<Deployment {NS}>{_xml(tree)}</Deployment>".encode()
    # a named refusal is fine (a model error is a ValueError naming the field); anything else is not
    with contextlib.suppress(PermanentError, ValueError):
        parse_deployment(parse_xml(body))
