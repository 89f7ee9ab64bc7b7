"""Who may decide, and the review page's anti-forgery token — pure rules, no clock, no settings.

A decision (approve, abort, plan approve) needs an approver: the verified principal
(`migration.identity`), listed in `APPROVERS` (by object id, or tolerated by name), and — with
`TWO_PERSON_APPROVAL` — not the person who asked for the migration.
The review page posts its decision without a function key, so it carries a token:
HMAC-SHA256 over (instance id, principal, expiry) under an app secret. The secret and the time
are arguments, so the rules are tested without an environment or a clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from migration.identity import Approvers, Principal, same_person

TOKEN_LIFETIME = timedelta(hours=1)


class PolicyError(Exception):
    """A decision refused by the approver rules; the message says why (safe to show the caller)."""


@dataclass(frozen=True)
class ApproverPolicy:
    approvers: Approvers
    two_person: bool = False

    @classmethod
    def from_settings(cls, approvers: str, two_person: str) -> ApproverPolicy:
        """Build from the raw setting texts (`APPROVERS`, `TWO_PERSON_APPROVAL`); IdentityError
        names an `APPROVERS` entry that changes under NFKC (the settings check reports it too)."""
        return cls(approvers=Approvers.parse(approvers), two_person=parse_bool(two_person))


def parse_bool(text: str) -> bool:
    """A boolean app setting (`true`/`1`/`yes`, any case); anything else is false."""
    return (text or "").strip().lower() in {"true", "1", "yes"}


def check_approver(
    policy: ApproverPolicy, principal: Principal, requester: Mapping[str, Any] | None
) -> Principal:
    """`principal` when it may decide, else PolicyError saying why.

    `requester` is the unit's `{"name", "objectId"?}` (None: not known yet); with
    `TWO_PERSON_APPROVAL` its requester may not approve it (same object id, or same name).
    """
    if not policy.approvers.includes(principal):
        raise PolicyError(f"{principal.display} is not an approver")
    if (
        policy.two_person
        and requester
        and same_person(principal, requester.get("name"), requester.get("objectId"))
    ):
        raise PolicyError(
            f"{principal.display} requested this migration and cannot approve it (two-person approval)"
        )
    return principal


def check_wave(
    policy: ApproverPolicy, principal: Principal, requesters: Mapping[str, Mapping[str, Any] | None]
) -> Principal:
    """The approver of a whole wave, checked against every unit's requester before any is approved.

    `requesters` maps each unit awaiting approval to who asked for it (`{"name", "objectId"?}`).
    All or nothing: a refusal
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


# ---- signed decisions -------------------------------------------------------------------------
# The orchestrator acts on an `Approval` event only if c2arm's decision routes signed it: the
# Durable HTTP API can raise any event (with the host's system key), and a payload written there
# would otherwise commit with no approver check and no audit entry.
DECISION_FIELDS = ("wait", "decision", "approverId", "approver", "comment", "at")


def _decision_message(unit_id: str, fields: Mapping[str, Any]) -> bytes:
    # a JSON array: unambiguous whatever the fields contain (no separator can be smuggled in)
    return json.dumps(
        [unit_id, *(str(fields.get(k) or "") for k in DECISION_FIELDS)],
        ensure_ascii=True,
        separators=(",", ":"),
    ).encode()


def sign_decision(secret: str | bytes, unit_id: str, fields: Mapping[str, Any]) -> str:
    """HMAC-SHA256 under the review-token secret over the unit and the decision's fields
    (`wait`, `decision`, `approverId`, `approver`, `comment`, `at`)."""
    if not secret:
        raise ValueError("the signing secret is empty")
    key = secret.encode() if isinstance(secret, str) else secret
    return _b64(hmac.new(key, _decision_message(unit_id, fields), hashlib.sha256).digest())


def decision_problem(secret: str | bytes, unit_id: str, event: Mapping[str, Any]) -> str | None:
    """Why `event` is not a decision c2arm signed for `unit_id` (None: it is)."""
    signature = event.get("signature")
    if not isinstance(signature, str) or not signature:
        return "it carries no signature (not raised by c2arm's decision routes)"
    missing = [k for k in ("wait", "decision", "approverId", "at") if not event.get(k)]
    if missing:
        return f"it lacks {', '.join(missing)}"
    if not hmac.compare_digest(sign_decision(secret, unit_id, event), signature):
        return "its signature does not match (forged, altered, or for another unit)"
    return None
