"""Who is calling: the principal App Service authentication verified, in one normal form.

App Service authentication strips every `X-MS-CLIENT-PRINCIPAL*` header a caller sends and sets
its own for a signed-in request — but only when it is on. With it off (or misconfigured) the
same headers are whatever the caller wrote, so they are read only when the platform says it
authenticated the request: `WEBSITE_AUTH_ENABLED` is true and `X-MS-CLIENT-PRINCIPAL-IDP` is
`aad`. The identity is the Entra **object id** (`oid`: immutable; Microsoft's guidance is to
authorise on it, not on a UPN, which can be renamed and reassigned —
https://learn.microsoft.com/entra/identity-platform/claims-validation); the UPN is for display.

Names are compared in one normal form (casefolded, surrounding space and trailing dots removed).
A name that changes under Unicode NFKC is refused rather than folded: `\u212a` (KELVIN SIGN)
would otherwise pass for `K`. Pure: headers and settings are arguments.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CLAIMS_GUIDANCE = "https://learn.microsoft.com/entra/identity-platform/claims-validation"
OID_CLAIMS = ("http://schemas.microsoft.com/identity/claims/objectidentifier", "oid")
UPN_CLAIMS = ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn", "upn", "preferred_username")
DEFAULT_ROLE_TYPE = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class IdentityError(Exception):
    """The request carries no principal the app may trust; the message says why (safe to show)."""


@dataclass(frozen=True)
class Principal:
    """A verified caller: the Entra object id (the identity) and the UPN (for people to read)."""

    object_id: str
    name: str
    roles: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        return self.name or self.object_id

    def to_json(self) -> dict[str, Any]:
        return {"name": self.display, "objectId": self.object_id}


def is_object_id(text: str) -> bool:
    return bool(_GUID.match(text.strip().lower()))


def normal_name(text: str) -> str:
    """The one form names are compared in; IdentityError when NFKC would change the name."""
    if unicodedata.normalize("NFKC", text) != text:
        raise IdentityError(f"{text!r} changes under Unicode NFKC normalisation: refused, not folded")
    return text.strip().casefold().rstrip(".")


def auth_enabled(value: str | None) -> bool:
    """`WEBSITE_AUTH_ENABLED` as App Service sets it (`True`)."""
    return (value or "").strip().lower() == "true"


def _claims(encoded: str) -> tuple[list[dict[str, Any]], str]:
    try:
        doc = json.loads(base64.b64decode(encoded.strip(), validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise IdentityError("X-MS-CLIENT-PRINCIPAL is not base64-encoded JSON") from None
    claims = doc.get("claims") if isinstance(doc, dict) else None
    if not isinstance(claims, list):
        raise IdentityError("X-MS-CLIENT-PRINCIPAL has no claims")
    good = [
        c
        for c in claims
        if isinstance(c, dict) and isinstance(c.get("typ"), str) and isinstance(c.get("val"), str)
    ]
    role_typ = doc.get("role_typ") if isinstance(doc.get("role_typ"), str) else DEFAULT_ROLE_TYPE
    return good, role_typ


def _first(claims: list[dict[str, Any]], types: tuple[str, ...]) -> str:
    for typ in types:
        for claim in claims:
            if claim["typ"] == typ and claim["val"].strip():
                return str(claim["val"]).strip()
    return ""


def verified_principal(headers: Mapping[str, str], website_auth_enabled: str | None) -> Principal:
    """The principal App Service authentication put on this request, or IdentityError saying why not.

    `headers` must look names up case-insensitively (as `func.HttpRequest.headers` does).
    """
    if not auth_enabled(website_auth_enabled):
        raise IdentityError(
            "App Service authentication is not enabled (WEBSITE_AUTH_ENABLED is not true): "
            "principal headers cannot be trusted"
        )
    encoded = headers.get("x-ms-client-principal")
    if not encoded:
        raise IdentityError("not signed in: no authenticated principal (X-MS-CLIENT-PRINCIPAL)")
    idp = (headers.get("x-ms-client-principal-idp") or "").strip().lower()
    if idp != "aad":
        raise IdentityError(
            f"the principal was not signed in with Microsoft Entra ID "
            f"(IDP {idp or 'missing'!r}, expected 'aad')"
        )
    claims, role_typ = _claims(encoded)
    object_id = _first(claims, OID_CLAIMS).lower()
    header_id = (headers.get("x-ms-client-principal-id") or "").strip().lower()
    if not is_object_id(object_id) or header_id != object_id:
        raise IdentityError("the principal has no Entra object id matching X-MS-CLIENT-PRINCIPAL-ID")
    name = _first(claims, UPN_CLAIMS) or (headers.get("x-ms-client-principal-name") or "").strip()
    if name:
        normal_name(name)  # a look-alike name is refused even for display
    roles = tuple(c["val"] for c in claims if c["typ"] in (role_typ, "roles"))
    return Principal(object_id=object_id, name=name, roles=roles)


@dataclass(frozen=True)
class Approvers:
    """`APPROVERS`: Entra object ids (the identity) and, tolerated, names (UPNs)."""

    object_ids: frozenset[str]
    names: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> Approvers:
        """Comma-separated entries; a GUID is an object id, anything else a name (normal form).

        IdentityError names an entry that changes under NFKC (it could never match safely)."""
        ids, names = set(), set()
        for entry in (e.strip() for e in (text or "").split(",")):
            if not entry:
                continue
            if is_object_id(entry):
                ids.add(entry.lower())
            else:
                names.add(normal_name(entry))
        return cls(frozenset(ids), frozenset(names))

    def includes(self, principal: Principal) -> bool:
        if principal.object_id in self.object_ids:
            return True
        return bool(principal.name) and normal_name(principal.name) in self.names


def same_person(principal: Principal, name: str | None, object_id: str | None) -> bool:
    """Whether `principal` is the person recorded as (`name`, `object_id`) — e.g. a requester."""
    if object_id and principal.object_id == object_id.strip().lower():
        return True
    if not name or not principal.name:
        return False
    return _folded(principal.name) == _folded(name)


def _folded(text: str) -> str:
    """The widest fold (NFKC too): for "is this the same person" a look-alike counts as the same."""
    return unicodedata.normalize("NFKC", text).strip().casefold().rstrip(".")
