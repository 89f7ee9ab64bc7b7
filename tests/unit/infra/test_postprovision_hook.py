"""The azd postprovision hook, run for real by `sh` against a stand-in `az` on PATH.

Azure cannot run here, so a small fake `az` plays Key Vault: it answers `keyvault secret show`
with "exists", SecretNotFound or Forbidden (as the real CLI does while a role assignment is
still propagating), records every call, and keeps the value `secret set --file` gave it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.infra.conftest import INFRA

HOOK = INFRA / "scripts" / "postprovision.sh"

FAKE_AZ = r"""#!{python}
import json, os, sys
state = os.environ["FAKE_AZ_STATE"]
args = sys.argv[1:]
with open(os.path.join(state, "calls.jsonl"), "a") as log:
    log.write(json.dumps(args) + "\n")
script = json.load(open(os.path.join(state, "script.json")))
if args[:3] == ["keyvault", "secret", "show"]:
    answers = script["show"]
    answer = answers.pop(0) if len(answers) > 1 else answers[0]
    json.dump(script, open(os.path.join(state, "script.json"), "w"))
    if answer == "exists":
        sys.exit(0)
    sys.stderr.write({{
        "notfound": "ERROR: (SecretNotFound) A secret with (name/id) x was not found in this key vault.",
        "forbidden": "ERROR: (Forbidden) Caller is not authorized to perform action on resource.",
        "boom": "ERROR: (VaultNotFound) vault does not exist",
    }}[answer] + "\n")
    sys.exit(1)
if args[:3] == ["keyvault", "secret", "set"]:
    path = args[args.index("--file") + 1]
    with open(os.path.join(state, "value"), "w") as out:
        out.write(open(path).read())
    sys.stdout.write(json.dumps({{"mode": oct(os.stat(path).st_mode & 0o777)}}))
    sys.exit(0)
if args[:4] == ["functionapp", "config", "appsettings", "set"]:
    sys.exit(0)
sys.stderr.write("fake az: unexpected call %r\n" % (args,))
sys.exit(2)
"""


def _run(tmp_path: Path, show: list[str]) -> tuple[subprocess.CompletedProcess[str], list[list[str]], Path]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    az = bin_dir / "az"
    az.write_text(FAKE_AZ.format(python=sys.executable))
    az.chmod(0o755)
    state = tmp_path / "state"
    state.mkdir()
    (state / "script.json").write_text(json.dumps({"show": show}))
    env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "FAKE_AZ_STATE": str(state),
        "AZURE_KEY_VAULT_NAME": "kv-c2arm-test",
        "C2ARM_REVIEW_TOKEN_SECRET_NAME": "review-token-secret",
        "AZURE_FUNCTION_APP_NAME": "func-c2arm-test",
        "AZURE_RESOURCE_GROUP": "rg-test",
        "C2ARM_HOOK_RETRY_SECONDS": "0",
        "C2ARM_HOOK_RETRIES": "4",
        "TMPDIR": str(tmp_path),
    }
    result = subprocess.run(["sh", str(HOOK)], env=env, capture_output=True, text=True, timeout=30)
    log = state / "calls.jsonl"
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return result, calls, state


def test_creates_the_secret_once_without_printing_it(tmp_path: Path) -> None:
    result, calls, state = _run(tmp_path, ["notfound"])
    assert result.returncode == 0, result.stderr
    value = (state / "value").read_text()
    assert len(value) >= 64 and "\n" not in value  # 48 random bytes, base64
    assert value not in result.stdout + result.stderr
    assert all(value not in " ".join(call) for call in calls), "the secret must not be on a command line"
    assert [c[:3] for c in calls] == [
        ["keyvault", "secret", "show"],
        ["keyvault", "secret", "set"],
        ["functionapp", "config", "appsettings"],
    ]
    refresh = calls[-1]
    assert refresh[refresh.index("--name") + 1] == "func-c2arm-test"
    assert refresh[refresh.index("--settings") + 1].startswith("C2ARM_SECRETS_REFRESHED_AT=20")
    assert list(tmp_path.glob("tmp*")) == [], "temporary files must be removed"


def test_keeps_an_existing_secret(tmp_path: Path) -> None:
    result, calls, state = _run(tmp_path, ["exists"])
    assert result.returncode == 0, result.stderr
    assert "kept" in result.stdout
    # a kept secret is read again too: a reference that did not resolve before gets another chance
    expected = [["keyvault", "secret", "show"], ["functionapp", "config", "appsettings"]]
    assert [c[:3] for c in calls] == expected
    assert not (state / "value").exists()


def test_waits_for_the_role_assignment_to_apply(tmp_path: Path) -> None:
    result, _calls, state = _run(tmp_path, ["forbidden", "forbidden", "notfound"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("waiting for the Key Vault role assignment") == 2
    assert (state / "value").exists()


@pytest.mark.parametrize("show", [["boom"], ["forbidden"]])
def test_other_failures_stop_with_the_cli_message(tmp_path: Path, show: list[str]) -> None:
    result, _calls, state = _run(tmp_path, show)
    assert result.returncode == 1
    assert "cannot read review-token-secret" in result.stderr
    assert not (state / "value").exists()


def test_needs_azd_outputs() -> None:
    result = subprocess.run(["sh", str(HOOK)], env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert result.returncode != 0
    assert "AZURE_KEY_VAULT_NAME" in result.stderr
