"""The ASM HTTP layer against the real emulator: headers, both auth modes, TLS failures, fault
classification, bounded quick retries and `Retry-After`."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
import trustme

from cli.stack.emulator import Emulator
from cli.stack.processes import free_port
from connectors.asm import AsmClient, AsmHttp
from connectors.asm.units import NOT_REPORTED
from connectors.connection import Connection
from connectors.credentials import ManagementCertificate, StaticTokenCredential, ssl_context
from connectors.errors import ConfigurationError, PermanentError, Reason, TransientError
from connectors.ratelimit import RateLimiter
from migration.requests import Unit
from tests.fixtures.connectors import Admin, settings_for

TOKEN = "local-test-token"


class RecordingTransport(httpx.HTTPTransport):
    """A real HTTPS transport that also keeps the requests it sent (to check headers)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return super().handle_request(request)


def http_for(
    emulator: Emulator,
    *,
    sleeps: list[float] | None = None,
    budget: float = 3.0,
    limiter: RateLimiter | None = None,
    url: str | None = None,
    **kwargs,
) -> AsmHttp:
    """A token-authenticated transport to the emulator (or `url`), two quick retries within
    `budget` seconds, its own limiter; the backoff sleeps are recorded in `sleeps`; `kwargs`
    override AsmHttp's other options."""

    def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)
        import time

        time.sleep(seconds)

    options = {"quick_retries": 2, "quick_retry_max_seconds": budget, "sleep": sleep, **kwargs}
    return AsmHttp(
        url or emulator.url,
        emulator.subscription_id,
        credential=StaticTokenCredential(TOKEN),
        scope="https://management.core.windows.net//.default",
        ca_bundle=emulator.ca_file,
        limiter=limiter or RateLimiter(1000, 1000),
        **options,
    )


def management_pem(emulator: Emulator, tmp_path: Path) -> Path:
    cert, key = emulator.management_cert
    pem = tmp_path / "management.pem"
    pem.write_bytes(cert.read_bytes() + key.read_bytes())
    return pem


def test_x_ms_version_per_service_and_bearer_token(emulator: Emulator, caplog) -> None:
    transport = RecordingTransport(verify=ssl_context(emulator.ca_file))
    caplog.set_level(logging.DEBUG)
    with AsmClient(http_for(emulator, transport=transport)) as asm:
        asm.get_xml("/services/hostedservices", "compute")
        asm.get_xml("/services/networking/reservedips", "network")
        asm.get_xml("/services/storageservices", "storage")
        asm.validate(Unit(kind="storageAccount", name="stdiag"))
        asm.validate(Unit(kind="routeTable", name="rt-spare"))
    versions = [(r.url.path.split("/services/")[-1], r.headers["x-ms-version"]) for r in transport.sent]
    assert versions == [
        ("hostedservices", "2017-01-01"),
        ("networking/reservedips", "2016-07-01"),
        ("storageservices", "2016-03-01"),
        ("storageservices/stdiag/migration", "2016-03-01"),
        ("networking/routetables/rt-spare/migration", "2016-07-01"),
    ]
    assert {r.headers["authorization"] for r in transport.sent} == {f"Bearer {TOKEN}"}
    assert TOKEN not in caplog.text


def test_management_certificate_auth(emulator: Emulator, tmp_path: Path) -> None:
    settings = settings_for(
        emulator,
        ASM_AUTH="certificate",
        AZURE_ACCESS_TOKEN="",
        ASM_CERTIFICATE_FILE=str(management_pem(emulator, tmp_path)),
    )
    with AsmClient.connect(
        Connection(settings, emulator.subscription_id, limiter=RateLimiter(1000, 1000))
    ) as asm:
        assert asm.http.auth_mode == "certificate"
        assert asm.validate(Unit(kind="reservedIp", name="rip-spare")).migratable
        assert asm.migration_state(Unit(kind="networkSecurityGroup", name="nsg-spare")) == NOT_REPORTED
    cert = ManagementCertificate.from_file(Path(settings.certificate_file))
    transport = RecordingTransport(verify=ssl_context(emulator.ca_file, cert))
    with AsmClient(
        AsmHttp(
            emulator.url,
            emulator.subscription_id,
            certificate=cert,
            transport=transport,
            limiter=RateLimiter(1000, 1000),
        )
    ) as asm:
        asm.get_xml("/services/disks", "compute")
    assert "authorization" not in transport.sent[0].headers


def test_certificate_the_platform_does_not_know_is_refused(emulator: Emulator, tmp_path: Path) -> None:
    # The emulator refuses an unknown client certificate in the TLS layer (Azure answers 403,
    # tested below): the client cannot tell that from a dropped connection, and says so.
    stranger = tmp_path / "stranger.pem"
    trustme.CA().issue_cert("someone-else").private_key_and_cert_chain_pem.write_to_path(str(stranger))
    settings = settings_for(
        emulator, ASM_AUTH="certificate", ASM_CERTIFICATE_FILE=str(stranger), AZURE_QUICK_RETRIES="0"
    )
    with (
        AsmClient.connect(
            Connection(settings, emulator.subscription_id, limiter=RateLimiter(1000, 1000))
        ) as asm,
        pytest.raises(TransientError, match="may not accept the management certificate"),
    ):
        asm.get_xml("/services/hostedservices", "compute")


def test_forbidden_answer_names_the_credential(emulator: Emulator) -> None:
    other_subscription = "00000000-0000-0000-0000-00000000dead"
    settings = settings_for(emulator)
    with (
        AsmClient.connect(Connection(settings, other_subscription, limiter=RateLimiter(1000, 1000))) as asm,
        pytest.raises(PermanentError, match="refused the bearer token") as caught,
    ):
        asm.get_xml("/services/hostedservices", "compute")
    assert (caught.value.status, caught.value.reason, caught.value.code) == (
        403,
        Reason.AUTH,
        "ForbiddenError",
    )


def test_wrong_ca_fails_fast_naming_the_setting(emulator: Emulator, admin: Admin, tmp_path: Path) -> None:
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    with (
        AsmClient.connect(
            Connection(
                settings_for(emulator, AZURE_CA_BUNDLE=str(other_ca)),
                emulator.subscription_id,
                limiter=RateLimiter(1000, 1000),
            )
        ) as asm,
        pytest.raises(ConfigurationError, match="AZURE_CA_BUNDLE") as caught,
    ):
        asm.get_xml("/services/hostedservices", "compute")
    assert caught.value.setting == "AZURE_CA_BUNDLE" and not caught.value.transient
    assert admin.requests() == []  # refused in the TLS handshake: nothing reached the platform


def test_missing_credential_fails_at_construction(emulator: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="no credential") as caught:
        AsmHttp(emulator.url, emulator.subscription_id, ca_bundle=emulator.ca_file)
    assert caught.value.setting == "ASM_AUTH"
    with pytest.raises(ConfigurationError, match="not https"):
        AsmHttp("http://127.0.0.1:1", "s", credential=StaticTokenCredential("t"), scope="x")


def test_transient_get_is_retried_within_the_call(emulator: Emulator, admin: Admin) -> None:
    admin.fault(
        match={"method": "GET", "path": "*/services/networking/reservedips"},
        action={"type": "error", "status": 503, "code": "ServerBusy", "message": "The server is busy."},
        count=1,
    )
    sleeps: list[float] = []
    with AsmClient(http_for(emulator, sleeps=sleeps)) as asm:
        assert asm.migration_state(Unit(kind="reservedIp", name="rip-spare")) == NOT_REPORTED
    assert [r["status"] for r in admin.requests()] == [503, 200]
    assert len(sleeps) == 1 and sleeps[0] <= 1


def test_post_that_may_have_acted_is_not_resent(emulator: Emulator, admin: Admin) -> None:
    admin.fault(
        match={"method": "POST", "operation": "prepare"},
        action={"type": "error", "status": 500, "code": "InternalError", "message": "Internal server error"},
        count=1,
    )
    with AsmClient(http_for(emulator)) as asm, pytest.raises(TransientError) as caught:
        asm.start_prepare(Unit(kind="routeTable", name="rt-spare"))
    assert (caught.value.status, caught.value.reason, caught.value.code) == (
        500,
        Reason.SERVER,
        "InternalError",
    )
    assert [r["method"] for r in admin.requests()] == ["POST"]


@pytest.mark.parametrize(
    ("status", "code", "message", "kind", "reason"),
    [
        (
            400,
            "BadRequest",
            "Subscription is not registered for migration.",
            PermanentError,
            Reason.NOT_REGISTERED,
        ),
        (
            409,
            "ConflictError",
            "Route table rt-spare is in the process of being migrated and hence cannot be changed",
            PermanentError,
            Reason.CONFLICT,
        ),
        (
            400,
            "BadRequest",
            "Template rt-spare-Template deployment failed. CorrelationId=0b1c",
            TransientError,
            Reason.SERVER,
        ),
        (502, "BadGateway", "", TransientError, Reason.SERVER),
    ],
)
def test_fault_kinds_are_classified(
    emulator: Emulator, admin: Admin, status, code, message, kind, reason
) -> None:
    admin.fault(
        match={"method": "POST", "operation": "commit"},
        action={"type": "error", "status": status, "code": code, "message": message or None},
    )
    with AsmClient(http_for(emulator)) as asm, pytest.raises(kind) as caught:
        asm.start_commit(Unit(kind="routeTable", name="rt-spare"))
    assert (caught.value.status, caught.value.reason) == (status, reason)
    if message:
        assert caught.value.message == message


def test_retry_after_is_honoured(emulator: Emulator, admin: Admin) -> None:
    admin.fault(
        match={"method": "GET", "path": "*/services/networking/routetables/*"},
        action={"type": "throttle", "limit": 1, "perSeconds": 1},
    )
    sleeps: list[float] = []
    limiter = RateLimiter(1000, 1000)
    with AsmClient(http_for(emulator, sleeps=sleeps, limiter=limiter)) as asm:
        unit = Unit(kind="routeTable", name="rt-spare")
        assert asm.migration_state(unit) == NOT_REPORTED
        assert asm.migration_state(unit) == NOT_REPORTED  # throttled once, waited Retry-After, then served
    statuses = [r["status"] for r in admin.requests()]
    assert statuses[:3] == [200, 429, 200]
    assert sleeps and sleeps[0] >= 1.0  # the platform's Retry-After, not our own backoff


def test_long_retry_after_goes_back_to_the_orchestrator(emulator: Emulator, admin: Admin) -> None:
    admin.throttle(30, match={"method": "GET"})
    sleeps: list[float] = []
    limiter = RateLimiter(1000, 1000)
    http = http_for(emulator, sleeps=sleeps, limiter=limiter)
    with AsmClient(http) as asm, pytest.raises(TransientError) as caught:
        asm.get_xml("/services/disks", "compute")
    assert (caught.value.reason, caught.value.retry_after) == (Reason.THROTTLED, 30.0)
    assert sleeps == []  # 30 s is the orchestrator's to wait, with a durable timer
    assert limiter.paused_for(emulator.subscription_id) > 25  # every caller in the process now waits


def test_connection_refused_is_transient(emulator: Emulator) -> None:
    http = http_for(emulator, url=f"https://127.0.0.1:{free_port()}", quick_retries=1, budget=0.5)
    with AsmClient(http) as asm, pytest.raises(TransientError) as caught:
        asm.get_xml("/services/disks", "compute")
    assert caught.value.reason == Reason.CONNECTION


def test_oversized_answer_is_refused_before_parsing(emulator: Emulator) -> None:
    with AsmClient(http_for(emulator, max_body_bytes=256)) as asm, pytest.raises(PermanentError) as caught:
        asm.get_xml("/services/hostedservices", "compute")
    assert caught.value.reason == Reason.PROTOCOL and "limit" in caught.value.message


def test_slow_answer_times_out_as_transient(emulator: Emulator, admin: Admin) -> None:
    admin.fault(match={"method": "GET", "path": "*/services/disks"}, action={"type": "delay", "seconds": 2})
    http = http_for(emulator, timeout=0.3, quick_retries=0)
    with AsmClient(http) as asm, pytest.raises(TransientError) as caught:
        asm.get_xml("/services/disks", "compute")
    assert caught.value.reason == Reason.TIMEOUT
