"""After a crash, `c2arm up` on the same state dir starts the stack again (#20 item 14).

A stack whose devhost was SIGKILLed (the others still running) used to be refused as "already
running" until `down` + `up`. Now `up` stops the survivors and starts the whole stack on the same
state: the migration submitted before the crash is still there, under the same app URL, and
stack.json is private from its first byte (item 13) even when every chmod would fail.
"""

from __future__ import annotations

import json
import os
import signal
import stat
from pathlib import Path

import httpx
import pytest

from cli.stack.processes import group_alive
from cli.stack.up import StackOptions, down, up

pytestmark = [pytest.mark.e2e]
ESTATE = Path(__file__).resolve().parents[3] / "examples" / "estates" / "small.yaml"
SUB = "00000000-0000-0000-0000-000000000001"


def _client(info: dict) -> httpx.Client:
    return httpx.Client(
        base_url=info["appUrl"], headers={"x-functions-key": info["functionKey"]}, timeout=15, trust_env=False
    )


def test_up_after_a_crash_restarts_the_stack_on_its_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "stack"
    old_umask = os.umask(0)
    try:
        monkeypatch.setattr(
            Path, "chmod", lambda *_a, **_k: pytest.fail("a secret file was chmod-ed after writing")
        )
        info = up(StackOptions(estate=ESTATE, state_dir=state, time_scale=20))
    finally:
        os.umask(old_umask)
    try:
        for name in ("stack.json", "review-token-secret", "devhost.json"):
            assert stat.S_IMODE((state / name).stat().st_mode) == 0o600, name
        with _client(info) as client:
            body = {
                "requestId": "before-crash",
                "subscriptionId": SUB,
                "dryRun": True,
                "unit": {"kind": "virtualNetwork", "name": "vnet-small"},
            }
            assert client.post("/api/migrations", json=body).status_code == 202
        pids = json.loads((state / "pids.json").read_text())
        os.killpg(int(pids["devhost"]), signal.SIGKILL)  # the crash: the others keep running
        os.waitpid(int(pids["devhost"]), 0)
        assert group_alive(int(pids["azurite"])) and group_alive(int(pids["emulator"]))
        again = up(StackOptions(estate=ESTATE, state_dir=state, time_scale=20))
        assert again["appUrl"] == info["appUrl"]  # links handed out before the crash still work
        for name in ("azurite", "emulator"):  # the survivors were stopped, not left holding ports
            assert not group_alive(int(pids[name])), name
        with _client(again) as client:
            answer = client.get("/api/migrations/before-crash")
            assert answer.status_code == 200, answer.text
    finally:
        down(state)
    assert not (state / "pids.json").exists()
