"""Who may decide, and the review page's anti-forgery token — pure rules, no clock, no settings.

A decision (approve, abort, plan approve) needs an approver: the authenticated principal,
listed in `APPROVERS`, and — with `TWO_PERSON_APPROVAL` — not the person who asked for the
migration. The review page posts its decision without a function key, so it carries a token:
HMAC-SHA256 over (instance id, principal, expiry) under an app secret. The secret and the time
are arguments, so the rules are tested without an environment or a clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

TOKEN_LIFETIME = timedelta(hours=1)


class PolicyError(Exception):
    """A decision refused by the approver rules; the message says why (safe to show the caller)."""


@dataclass(frozen=True)
class ApproverPolicy:
    approvers: frozenset[str]
    two_person: bool = False

    @classmethod
    def from_settings(cls, approvers: str, two_person: str) -> ApproverPolicy:
        """Build from the raw setting texts (`APPROVERS`, `TWO_PERSON_APPROVAL`)."""
        return cls(approvers=parse_approvers(approvers), two_person=parse_bool(two_person))


def parse_approvers(text: str) -> frozenset[str]:
    """`APPROVERS`: comma-separated principals; compared case-insensitively (they are UPNs)."""
    return frozenset(p.strip().lower() for p in (text or "").split(",") if p.strip())


def parse_bool(text: str) -> bool:
    """A boolean app setting (`true`/`1`/`yes`, any case); anything else is false."""
    return (text or "").strip().lower() in {"true", "1", "yes"}


def check_approver(policy: ApproverPolicy, principal: str | None, requester: str | None) -> str:
    """The normalised approver, or PolicyError saying why this principal may not decide."""
    who = (principal or "").strip()
    if not who:
        raise PolicyError("no authenticated principal (X-MS-CLIENT-PRINCIPAL-NAME) on the request")
    if who.lower() not in policy.approvers:
        raise PolicyError(f"{who} is not an approver")
    if policy.two_person and requester and who.lower() == requester.strip().lower():
        raise PolicyError(f"{who} requested this migration and cannot approve it (two-person approval)")
    return who


def check_wave(policy: ApproverPolicy, principal: str | None, requesters: dict[str, str | None]) -> str:
    """The approver of a whole wave, checked against every unit's requester before any is approved.

    `requesters` maps each unit awaiting approval to who asked for it. All or nothing: a refusal
    for any unit (PolicyError naming it) refuses the wave, so an answer 403 never follows some
    units already approved.
    """
    who = check_approver(policy, principal, None)
    for unit_id, requester in requesters.items():
        try:
            check_approver(policy, principal, requester)
        except PolicyError as exc:
            raise PolicyError(f"{unit_id}: {exc} (no unit of the wave was approved)") from None
    return who


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signature(secret: str | bytes, instance_id: str, principal: str, expiry: int) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    # NUL separators: neither an instance id nor a principal can contain one, so fields cannot
    # be shifted into each other to forge a different (id, principal) pair with the same MAC.
    message = f"{instance_id}\0{principal.lower()}\0{expiry}".encode()
    return _b64(hmac.new(key, message, hashlib.sha256).digest())


def make_token(
    secret: str | bytes, instance_id: str, principal: str, now: datetime, lifetime: timedelta = TOKEN_LIFETIME
) -> str:
    """A review-page token for this instance and principal, valid until `now + lifetime`."""
    if not secret:
        raise ValueError("the anti-forgery secret is empty")
    expiry = int((now.astimezone(UTC) + lifetime).timestamp())
    return f"{expiry}.{_signature(secret, instance_id, principal, expiry)}"


def verify_token(secret: str | bytes, token: str, instance_id: str, principal: str, now: datetime) -> bool:
    """True when `token` was made for this instance and principal under `secret` and is unexpired."""
    if not secret or not token or "." not in token:
        return False
    expiry_text, signature = token.split(".", 1)
    if not expiry_text.isdigit():
        return False
    expiry = int(expiry_text)
    if now.astimezone(UTC).timestamp() > expiry:
        return False
    expected = _signature(secret, instance_id, principal, expiry)
    return hmac.compare_digest(expected, signature)
