"""The verified principal (migration.identity): what App Service authentication vouches for, and
nothing a caller can write itself; names in one normal form; look-alikes refused."""

from __future__ import annotations

import base64
import json

import pytest

from connectors.settings_check import setting_problems
from migration.identity import (
    Approvers,
    IdentityError,
    Principal,
    normal_name,
    same_person,
    verified_principal,
)

OID = "5b0c1a52-61a4-4a8e-9a3e-0d2f6f5b7c11"
OID_CLAIM = "http://schemas.microsoft.com/identity/claims/objectidentifier"
UPN_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
ROLE = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"


def _headers(
    name: str = "alice@contoso.com", oid: str = OID, idp: str = "aad", **over: str
) -> dict[str, str]:
    claims = {
        "auth_typ": "aad",
        "role_typ": ROLE,
        "name_typ": "name",
        "claims": [
            {"typ": OID_CLAIM, "val": oid},
            {"typ": UPN_CLAIM, "val": name},
            {"typ": ROLE, "val": "Approver"},
        ],
    }
    headers = {
        "x-ms-client-principal": base64.b64encode(json.dumps(claims).encode()).decode(),
        "x-ms-client-principal-id": oid,
        "x-ms-client-principal-name": name,
        "x-ms-client-principal-idp": idp,
    }
    headers.update(over)
    return headers


def test_the_platform_principal_is_read_from_the_claims() -> None:
    principal = verified_principal(_headers(oid=OID.upper(), **{"x-ms-client-principal-id": OID}), "True")
    assert principal == Principal(OID, "alice@contoso.com", ("Approver",))
    assert principal.display == "alice@contoso.com"


@pytest.mark.parametrize(
    ("headers", "auth", "why"),
    [
        (_headers(), None, "not enabled"),  # authentication off: every header is the caller's own
        (_headers(), "false", "not enabled"),
        ({"x-ms-client-principal-name": "boss@contoso.com"}, "True", "not signed in"),  # the old header alone
        (_headers(idp="github"), "True", "Entra"),
        (_headers(idp=""), "True", "Entra"),
        (
            _headers(**{"x-ms-client-principal-id": "00000000-0000-0000-0000-000000000000"}),
            "True",
            "object id",
        ),
        (_headers(oid="not-a-guid", **{"x-ms-client-principal-id": "not-a-guid"}), "True", "object id"),
        (_headers(**{"x-ms-client-principal": "%%%"}), "True", "base64"),
        (_headers(**{"x-ms-client-principal": base64.b64encode(b"[]").decode()}), "True", "claims"),
        (_headers(name="\u212aate@contoso.com"), "True", "NFKC"),  # KELVIN SIGN, not K
    ],
)
def test_untrusted_or_broken_principals_are_refused(
    headers: dict[str, str], auth: str | None, why: str
) -> None:
    with pytest.raises(IdentityError, match=why):
        verified_principal(headers, auth)


def test_one_normal_form_and_look_alikes_refused() -> None:
    assert normal_name(" Approver@Contoso.COM. ") == "approver@contoso.com"
    assert normal_name("STRASSE@contoso.com") == normal_name("straße@contoso.com")  # casefold, not lower
    for look_alike in ("\u212aate@contoso.com", "ａpprover@contoso.com", "ﬁnance@contoso.com"):
        with pytest.raises(IdentityError, match="NFKC"):
            normal_name(look_alike)


def test_approvers_are_object_ids_or_names() -> None:
    approvers = Approvers.parse(f"{OID.upper()}, Kate@contoso.com. ,,")
    assert approvers.object_ids == {OID} and approvers.names == {"kate@contoso.com"}
    assert approvers.includes(Principal(OID, "anyone@contoso.com"))
    assert approvers.includes(Principal("11111111-1111-4111-8111-111111111111", "KATE@contoso.com"))
    assert not approvers.includes(Principal("11111111-1111-4111-8111-111111111111", "kate@contoso.co"))
    with pytest.raises(IdentityError, match="NFKC"):
        Approvers.parse("\u212aate@contoso.com")
    problems = setting_problems({"APPROVERS": "\u212aate@contoso.com", "REVIEW_TOKEN_SECRET": "s" * 32})
    assert [p.setting for p in problems] == ["APPROVERS"]


def test_same_person_by_object_id_or_folded_name() -> None:
    alice = Principal(OID, "alice@contoso.com")
    assert same_person(alice, "someone-else@contoso.com", OID.upper())
    assert same_person(alice, "ALICE@contoso.com.", None)
    assert same_person(alice, "ａlice@contoso.com", None)  # a look-alike requester counts as the same person
    assert not same_person(alice, "bob@contoso.com", "11111111-1111-4111-8111-111111111111")
    assert not same_person(alice, None, None)


def test_secret_settings_unresolved_key_vault_reference_or_short() -> None:
    for value, why in (
        ("@Microsoft.KeyVault(VaultName=kv;SecretName=review-token-secret)", "Key Vault"),
        ("short-secret", "12 bytes"),
    ):
        problems = setting_problems({"REVIEW_TOKEN_SECRET": value})
        assert [p.setting for p in problems] == ["REVIEW_TOKEN_SECRET"], problems
        assert why in problems[0].message and value not in problems[0].message
    assert setting_problems({"REVIEW_TOKEN_SECRET": "é" * 16}) == []  # 32 bytes in UTF-8
