"""Security on the whole local stack (`c2arm up`'s code): the approval rules on a unit that really
awaits approval (two-person rule, no replay), no secret in logs, blobs, reports or error bodies
after a run, and every listening socket of the stack on 127.0.0.1 only."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.signin import signed_in
from tests.e2e.conftest import Stack, running_stack, wait_phase
from tests.e2e.hostile.app import APPROVER, SECOND_APPROVER
from tests.e2e.security.secrets_scan import blob_texts, log_texts, scan, stack_secrets

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("security_stack")]
SUB = "00000000-0000-0000-0000-000000000001"
# answer bodies the approval test saw (refused decisions …); scanned too when that test ran first
ANSWERS: list[tuple[str, str]] = []


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    settings = {"APPROVERS": f"{APPROVER},{SECOND_APPROVER}", "TWO_PERSON_APPROVAL": "true"}
    with running_stack(tmp_path_factory.mktemp("security-stack"), settings) as stack:
        yield stack


def _keep(where: str, response: object) -> object:
    ANSWERS.append((where, getattr(response, "text", "")))
    return response


def test_approval_rules_and_no_replay(stack: Stack) -> None:
    with stack.client(principal=APPROVER) as requester:
        submitted = requester.post(
            "/api/migrations",
            json={
                "requestId": "sec-vnet",
                "subscriptionId": SUB,
                "unit": {"kind": "virtualNetwork", "name": "vnet-small"},
            },
        )
        assert submitted.status_code == 202, submitted.text
    wait_phase(stack, "sec-vnet", {"AwaitingApproval"}, timeout=120)
    path = "/api/migrations/sec-vnet/approve"
    with stack.client() as nobody:
        assert _keep("no principal", nobody.post(path, json={})).status_code == 403
    with stack.client(principal="mallory@contoso.com") as stranger:
        assert _keep("stranger", stranger.post(path, json={})).status_code == 403
    with stack.client(principal=APPROVER) as himself:
        answer = _keep("self-approval", himself.post(path, json={}))
        assert answer.status_code == 403 and "two-person" in answer.json()["error"]
    with stack.client(principal=SECOND_APPROVER) as second:
        assert _keep("approve", second.post(path, json={"comment": "ok"})).status_code == 202
        replay = _keep("replayed approve", second.post(path, json={"comment": "again"}))
        assert replay.status_code == 409, replay.text
        assert (
            _keep("abort after approve", second.post("/api/migrations/sec-vnet/abort", json={})).status_code
            == 409
        )
    done = wait_phase(stack, "sec-vnet", {"Committed", "Failed", "NeedsSupport"}, timeout=120)
    assert done["phase"] == "Committed", done
    with stack.client() as client:
        audit = client.get("/api/migrations/sec-vnet/audit").json()["entries"]
        assert [(e["principal"], e["action"]) for e in audit] == [
            (APPROVER, "submit"),
            (SECOND_APPROVER, "approve"),
        ]
        ANSWERS.append(("report json", client.get("/api/migrations/sec-vnet/report").text))
        ANSWERS.append(
            (
                "report html",
                client.get("/api/migrations/sec-vnet/report", headers={"Accept": "text/html"}).text,
            )
        )
        ANSWERS.append(("status", client.get("/api/migrations/sec-vnet").text))
        ANSWERS.append(("review", client.get("/api/migrations/sec-vnet/review").text))
        ANSWERS.append(("404", client.get("/api/migrations/nothing").text))
        ANSWERS.append(("400", client.post("/api/migrations", json={"requestId": 1}).text))


def _finished_run(stack: Stack) -> str:
    """The id of a unit that went through the whole workflow on this stack (snapshot, report, audit).

    `sec-vnet` when the approval test ran first (its committed run); otherwise a dry run of the
    same VNet started here (prepare → check → abort leaves the VNet classic for that test). So this
    test never depends on another test's order, worker or module state.
    """
    with stack.client() as client:
        if client.get("/api/migrations/sec-vnet").status_code == 200:
            unit_id = "sec-vnet"
        else:
            unit_id = "sec-dry"
            with stack.client(principal=APPROVER) as requester:
                body = {
                    "requestId": unit_id,
                    "subscriptionId": SUB,
                    "dryRun": True,
                    "unit": {"kind": "virtualNetwork", "name": "vnet-small"},
                }
                answer = requester.post("/api/migrations", json=body)
                assert answer.status_code in (202, 409), answer.text
    done = wait_phase(stack, unit_id, {"Committed", "Aborted", "Failed", "NeedsSupport"}, timeout=120)
    assert done["phase"] in ("Committed", "Aborted"), done
    return unit_id


def test_no_secret_in_logs_blobs_reports_or_answers(stack: Stack) -> None:
    unit_id = _finished_run(stack)
    answers: list[tuple[str, str]] = []
    root = f"/api/migrations/{unit_id}"
    with stack.client() as client:  # every kind of answer, errors included, from this very stack
        for where, response in (
            ("status", client.get(root)),
            ("report json", client.get(f"{root}/report")),
            ("report html", client.get(f"{root}/report", headers={"Accept": "text/html"})),
            (
                "review",
                client.get(f"{root}/review", headers=signed_in(stack.info["appUrl"], SECOND_APPROVER)),
            ),
            ("audit", client.get(f"{root}/audit")),
            ("list", client.get("/api/migrations")),
            ("404", client.get("/api/migrations/nothing")),
            ("400", client.post("/api/migrations", json={"requestId": 1})),
            ("403 no principal", client.post(f"{root}/approve", json={})),
            (
                "403 stranger",
                client.post(
                    f"{root}/approve", json={}, headers=signed_in(stack.info["appUrl"], "mallory@contoso.com")
                ),
            ),
            (
                "409 late",
                client.post(
                    f"{root}/abort", json={}, headers=signed_in(stack.info["appUrl"], SECOND_APPROVER)
                ),
            ),
        ):
            answers.append((where, response.text))
    assert "resourceMap" in dict(answers)["report json"], "the run left a report to scan"
    secrets = stack_secrets(stack.info, stack.state_dir)
    assert {
        "function key",
        "master key",
        "emulator admin token",
        "bearer token",
        "storage account key",
        "REVIEW_TOKEN_SECRET",
    } <= set(secrets)
    assert any(name.startswith("private key") for name in secrets)
    texts = log_texts(stack.state_dir) + blob_texts(stack.storage) + answers + ANSWERS
    assert any(where.startswith(f"blob snapshots/{unit_id}/") for where, _ in texts), "no snapshot to scan"
    assert scan(texts, secrets) == []


def test_this_module_runs_on_one_worker(request: pytest.FixtureRequest) -> None:
    """Under `make test` (`-n 2 --dist loadgroup`) the module's tests share one worker and one stack.

    pytest 9.2 broke pytest-xdist 3.8's groups (they were silently ignored, so this module's tests
    were spread over both workers, each starting a stack of its own); pyproject pins pytest below
    9.2 until xdist catches up. This fails if groups stop working again.
    """
    if getattr(request.config.option, "loadgroup", False):  # an xdist worker under loadgroup
        assert request.node.nodeid.endswith("@security_stack"), request.node.nodeid


def _listening_inodes() -> dict[str, tuple[str, int]]:
    """inode → (local address hex, port) of every TCP socket in LISTEN (IPv4 and IPv6)."""
    out = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                address, port = fields[1].split(":")
                out[fields[9]] = (address, int(port, 16))
    return out


def _group_pids(pgids: set[int]) -> set[int]:
    pids = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[2]) in pgids:
                pids.add(int(entry))
    return pids


def test_every_listening_socket_of_the_stack_is_loopback(stack: Stack) -> None:
    pgids = {int(p) for p in json.loads((stack.state_dir / "pids.json").read_text()).values()}
    listening = _listening_inodes()
    seen: dict[int, list[tuple[str, int]]] = {}
    for pid in _group_pids(pgids):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            inode = target[len("socket:[") : -1] if target.startswith("socket:[") else None
            if inode in listening:
                seen.setdefault(pid, []).append(listening[inode])
    ports = {port for sockets in seen.values() for _, port in sockets}
    emulator_port = int(stack.info["emulatorUrl"].rsplit(":", 1)[1])
    app_port = int(stack.info["appUrl"].rsplit(":", 1)[1])
    assert {emulator_port, app_port} <= ports, (ports, emulator_port, app_port)
    for sockets in seen.values():
        for address, port in sockets:
            # 127.0.0.1 in /proc/net/tcp is 0100007F; IPv6 ::1 is 000…0001000000; never 0.0.0.0 / ::
            assert address in ("0100007F", "00000000000000000000000001000000"), (address, port)
