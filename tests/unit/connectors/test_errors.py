"""Every failure is Transient or Permanent, from the status code and the platform's catalogue."""

import pytest

from connectors.errors import (
    PermanentError,
    Reason,
    TransientError,
    answer_error,
    classify,
    parse_retry_after,
    quick_retry_wait,
)

CASES = [
    # (status, code, message, transient, reason)
    (500, "InternalError", "Internal server error", True, Reason.SERVER),
    (400, "BadRequest", "Internal server error", True, Reason.SERVER),
    (
        400,
        "BadRequest",
        "Template web-cs-Template deployment failed. CorrelationId=1f2e",
        True,
        Reason.SERVER,
    ),
    (429, "TooManyRequests", "Too many requests", True, Reason.THROTTLED),
    (503, "ServiceUnavailable", "", True, Reason.SERVER),
    (502, "", "", True, Reason.SERVER),
    (504, "", "", True, Reason.TIMEOUT),
    (408, "", "", True, Reason.TIMEOUT),
    (None, "", "connection reset by peer", True, Reason.CONNECTION),
    (400, "BadRequest", "Subscription is not registered for migration.", False, Reason.NOT_REGISTERED),
    (
        400,
        "BadRequest",
        "Migration isn't supported for Deployment d in HostedService h because it's a PaaS "
        "deployment (Web/Worker).",
        False,
        Reason.UNSUPPORTED,
    ),
    (
        400,
        "BadRequest",
        "Migration isn't allowed for HostedService h because it has VM vm1 in State: ProvisioningTimedOut.",
        False,
        Reason.UNSUPPORTED,
    ),
    (
        409,
        "ConflictError",
        "Storage account st is in the process of being migrated and hence cannot be changed",
        False,
        Reason.CONFLICT,
    ),
    (400, "BadRequest", "Virtual Network v has not been prepared for Migration.", False, Reason.CONFLICT),
    (400, "BadRequest", "The virtual network v doesn't exist.", False, Reason.NOT_FOUND),
    (404, "ResourceNotFound", "The hosted service does not exist.", False, Reason.NOT_FOUND),
    (400, "BadRequest", "Current quota is 10, additional needed is 4.", False, Reason.QUOTA),
    (400, "BadRequest", "Default VNet destination option not implemented", False, Reason.UNSUPPORTED),
    (403, "ForbiddenError", "The server failed to authenticate the request.", False, Reason.AUTH),
    (401, "", "", False, Reason.AUTH),
    (400, "BadRequest", "Something we have never seen", False, Reason.BAD_REQUEST),
    (507, "", "odd server failure", True, Reason.SERVER),
]


@pytest.mark.parametrize(("status", "code", "message", "transient", "reason"), CASES)
def test_classification(status, code, message, transient, reason) -> None:
    error = classify(status, code, message, request_id="r1", operation="prepare")
    assert isinstance(error, TransientError if transient else PermanentError)
    assert error.transient is transient
    assert error.reason == reason
    assert error.code == code
    assert error.request_id == "r1"
    if message:
        assert message in str(error)


def test_throttled_error_carries_retry_after() -> None:
    error = classify(429, "TooManyRequests", "slow down", retry_after=7.0)
    assert error.retry_after == 7.0
    assert error.to_dict()["retryAfter"] == 7.0


def test_an_answer_error_takes_retry_after_and_request_id_from_the_headers() -> None:
    headers = {"retry-after": "3", "x-ms-request-id": "req-9"}
    error = answer_error(429, "TooManyRequests", "slow down", headers, operation="list")
    assert isinstance(error, TransientError)
    assert (error.retry_after, error.request_id, error.operation) == (3.0, "req-9", "list")
    assert answer_error(404, "NotFound", "gone", {}, operation="get").retry_after is None


def test_a_quick_retry_waits_as_told_else_backs_off_up_to_four_seconds() -> None:
    told = classify(503, "ServerBusy", "busy", retry_after=1.5)
    assert [quick_retry_wait(told, n) for n in (1, 5)] == [1.5, 1.5]
    untold = classify(503, "ServerBusy", "busy")
    assert [quick_retry_wait(untold, n) for n in (1, 2, 3, 5, 9)] == [0.25, 0.5, 1.0, 4.0, 4.0]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5.0),
        ("0.5", 0.5),
        ("", None),
        ("soon", None),
        ("-3", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_retry_after_parsing(header, seconds) -> None:
    assert parse_retry_after(header) == seconds
