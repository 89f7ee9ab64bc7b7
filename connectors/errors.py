"""Typed failures of every Azure call: `TransientError` (retry) or `PermanentError` (stop).

The orchestrator decides from the type alone whether to retry a phase with a durable timer or to
end the unit, so every failure a connector raises is one of these two, carrying the platform's
code and message (never a token, key or certificate). The classification follows the status
code first and then the platform's error catalogue (Microsoft's "Common migration errors" page of
the classic-to-ARM migration), because the platform reports some transient conditions ("Internal
server error", "Template … deployment failed") and some permanent ones with the same status codes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import StrEnum


class Reason(StrEnum):
    """Why a call failed, for reports and for the orchestrator's decision."""

    THROTTLED = "throttled"
    SERVER = "server"  # 5xx, "Internal server error", template deployment failed
    TIMEOUT = "timeout"
    CONNECTION = "connection"  # reset, refused, DNS
    UNSUPPORTED = "unsupported"  # not migratable as configured
    CONFLICT = "conflict"  # state conflicts: locked, not prepared, being committed/aborted
    NOT_REGISTERED = "notRegistered"
    NOT_FOUND = "notFound"
    QUOTA = "quota"
    AUTH = "auth"  # 401/403: credential refused
    BAD_REQUEST = "badRequest"
    CONFIGURATION = "configuration"  # our side: missing credential, CA bundle, bad setting
    PROTOCOL = "protocol"  # an answer we cannot read (hostile or malformed body)


class AzureCallError(Exception):
    """A failed Azure call: the platform's code and message, the HTTP status, a reason."""

    transient: bool = False

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        status: int | None = None,
        reason: Reason = Reason.BAD_REQUEST,
        retry_after: float | None = None,
        request_id: str | None = None,
        operation: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.reason = reason
        self.retry_after = retry_after
        self.request_id = request_id
        self.operation = operation

    def __str__(self) -> str:
        head = f"{self.operation}: " if self.operation else ""
        code = f"{self.code}: " if self.code else ""
        status = f" (HTTP {self.status})" if self.status else ""
        return f"{head}{code}{self.message}{status}"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready description for statuses and reports (no secrets are ever held here)."""
        return {
            "transient": self.transient,
            "reason": str(self.reason),
            "code": self.code,
            "message": self.message,
            "status": self.status,
            "retryAfter": self.retry_after,
            "requestId": self.request_id,
            "operation": self.operation,
        }


class TransientError(AzureCallError):
    """Worth retrying: throttling, server errors, timeouts, dropped connections."""

    transient = True


class PermanentError(AzureCallError):
    """Retrying will not help: the platform refused, or our configuration is wrong."""


class ConfigurationError(PermanentError):
    """Our side is misconfigured (a setting, the credential, the CA bundle); names the setting."""

    def __init__(self, message: str, *, setting: str = "") -> None:
        super().__init__(message, code="Configuration", reason=Reason.CONFIGURATION)
        self.setting = setting


# Message patterns of the platform's error catalogue, checked in order. Transient ones first:
# the platform reports them with 4xx or inside a Failed operation as well as with 5xx.
_TRANSIENT_PATTERNS: tuple[tuple[re.Pattern[str], Reason], ...] = (
    (re.compile(r"internal server error", re.I), Reason.SERVER),
    (re.compile(r"template .* deployment failed", re.I), Reason.SERVER),
    (re.compile(r"(server|service) (is )?(busy|unavailable)", re.I), Reason.SERVER),
    (re.compile(r"too many requests|throttl", re.I), Reason.THROTTLED),
    (re.compile(r"\b(operation|request) (has )?timed out\b", re.I), Reason.TIMEOUT),
)
_PERMANENT_PATTERNS: tuple[tuple[re.Pattern[str], Reason], ...] = (
    (re.compile(r"not registered", re.I), Reason.NOT_REGISTERED),
    (re.compile(r"current quota is|quota", re.I), Reason.QUOTA),
    (re.compile(r"in the process of being (migrated|committed|aborted)", re.I), Reason.CONFLICT),
    (
        re.compile(r"has not been prepared|already (been )?(prepared|committed|aborted)", re.I),
        Reason.CONFLICT,
    ),
    (re.compile(r"migration is in progress|cannot be changed|abort is not allowed", re.I), Reason.CONFLICT),
    (re.compile(r"doesn't exist|does not exist|not found|could not be found", re.I), Reason.NOT_FOUND),
    (
        re.compile(r"isn't supported|is not supported|not supported|isn't allowed|not allowed", re.I),
        Reason.UNSUPPORTED,
    ),
    (re.compile(r"not implemented|belongs to virtual network", re.I), Reason.UNSUPPORTED),
)
_CODE_REASONS: dict[str, Reason] = {
    "resourcenotfound": Reason.NOT_FOUND,
    "notfound": Reason.NOT_FOUND,
    "conflicterror": Reason.CONFLICT,
    "conflict": Reason.CONFLICT,
    "forbiddenerror": Reason.AUTH,
    "forbidden": Reason.AUTH,
    "authenticationfailed": Reason.AUTH,
    "unauthorized": Reason.AUTH,
    "toomanyrequests": Reason.THROTTLED,
    "internalerror": Reason.SERVER,
    "serverbusy": Reason.SERVER,
    "operationtimedout": Reason.TIMEOUT,
}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import UTC, datetime

        when = parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError, IndexError):
        return None


_TRANSIENT_STATUS = {
    429: Reason.THROTTLED,
    408: Reason.TIMEOUT,
    504: Reason.TIMEOUT,
    500: Reason.SERVER,
    502: Reason.SERVER,
    503: Reason.SERVER,
}
_PERMANENT_STATUS = {401: Reason.AUTH, 403: Reason.AUTH, 404: Reason.NOT_FOUND, 409: Reason.CONFLICT}


def _first_match(patterns: tuple[tuple[re.Pattern[str], Reason], ...], text: str) -> Reason | None:
    return next((reason for pattern, reason in patterns if pattern.search(text)), None)


def _kind_and_reason(status: int | None, code: str, text: str) -> tuple[type[AzureCallError], Reason]:
    """In this order: the platform's transient wording, no answer, a transient status, its
    permanent wording, its code, any other 5xx (transient), else permanent by status."""
    reason = _first_match(_TRANSIENT_PATTERNS, text)
    if reason is not None:
        return TransientError, reason
    if status is None:
        return TransientError, Reason.CONNECTION
    if status in _TRANSIENT_STATUS:
        return TransientError, _TRANSIENT_STATUS[status]
    reason = _first_match(_PERMANENT_PATTERNS, text)
    if reason is not None:
        return PermanentError, reason
    by_code = _CODE_REASONS.get(code.lower())
    if by_code in (Reason.THROTTLED, Reason.SERVER, Reason.TIMEOUT):
        return TransientError, by_code
    if by_code is not None:
        return PermanentError, by_code
    if status >= 500:
        return TransientError, Reason.SERVER
    return PermanentError, _PERMANENT_STATUS.get(status, Reason.BAD_REQUEST)


def classify(
    status: int | None,
    code: str = "",
    message: str = "",
    *,
    retry_after: float | None = None,
    request_id: str | None = None,
    operation: str = "",
) -> AzureCallError:
    """The typed error for a failed call, from its HTTP status, the platform's code and message.

    `status` is the HTTP status of the response, or the `HttpStatusCode` of a failed
    asynchronous operation; None when there was no answer at all (then it is transient).
    """
    text = message or code or (f"HTTP {status}" if status else "no answer")
    kind, reason = _kind_and_reason(status, code, text)
    return kind(
        text,
        code=code,
        status=status,
        reason=reason,
        retry_after=retry_after,
        request_id=request_id,
        operation=operation,
    )


def answer_error(
    status: int | None, code: str, message: str, headers: Mapping[str, str], *, operation: str
) -> AzureCallError:
    """The typed error for a failed answer of ASM or ARM: `classify` with the answer's
    `Retry-After` and `x-ms-request-id` headers (`headers` looked up in lower case)."""
    return classify(
        status,
        code,
        message,
        retry_after=parse_retry_after(headers.get("retry-after")),
        request_id=headers.get("x-ms-request-id"),
        operation=operation,
    )


def untrusted_certificate(operation: str, base_url: str) -> ConfigurationError:
    """The platform's TLS certificate is not one the CA bundle trusts: a setting to fix, not retried."""
    return ConfigurationError(
        f"{operation}: the TLS certificate of {base_url} is not trusted; set AZURE_CA_BUNDLE to "
        "the CA that issued it (the emulator's ca.pem locally, empty on Azure)",
        setting="AZURE_CA_BUNDLE",
    )


def quick_retry_wait(error: AzureCallError, attempt: int) -> float:
    """Seconds before quick retry `attempt` (from 1): the platform's `Retry-After`, else a backoff
    of 0.25 s doubling up to 4 s. The connectors' loops bound the retries by count and seconds."""
    return error.retry_after if error.retry_after is not None else min(4.0, 0.25 * 2 ** (attempt - 1))


@dataclass(frozen=True)
class ErrorBody:
    """The platform's `<Error><Code/><Message/></Error>` (or ARM's JSON error), parsed."""

    code: str
    message: str
