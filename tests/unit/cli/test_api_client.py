"""The API client's configuration: where the app is and how it authenticates (no request sent)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from cli.api_client import KEY_HEADER, ApiClient, ConfigError, _EntraAuth
from cli.ops_status import migration_table, next_step, plan_is_final, plan_view


def test_local_stack_from_stack_json(tmp_path: Path) -> None:
    (tmp_path / "stack.json").write_text(
        json.dumps({"appUrl": "http://127.0.0.1:7071/", "functionKey": "fk", "subscriptionId": "s"})
    )
    with ApiClient.resolve(None, tmp_path, env={}) as client:
        assert client.app_url == "http://127.0.0.1:7071"
        assert str(client._http.base_url) == "http://127.0.0.1:7071/api/"
        assert client._http.headers[KEY_HEADER] == "fk"
        assert client.stack is not None and client.stack.subscription_id == "s"


def test_deployed_app_with_key_and_entra_scope_constructs_a_credential_without_calling_it(
    tmp_path: Path,
) -> None:
    env = {"C2ARM_KEY": "fk", "C2ARM_APP_SCOPE": "api://c2arm/.default"}
    with ApiClient.resolve("https://c2arm.azurewebsites.net/api", tmp_path, env=env) as client:
        assert client.app_url == "https://c2arm.azurewebsites.net"
        assert isinstance(client._http.auth, _EntraAuth)
        assert client._http.auth.scope == "api://c2arm/.default"
        assert type(client._http.auth.credential).__name__ == "DefaultAzureCredential"


def test_deployed_app_without_key_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="C2ARM_KEY"):
        ApiClient.resolve("https://c2arm.azurewebsites.net", tmp_path, env={})


def render(renderable) -> str:
    console = Console(width=220, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


NOW = datetime(2026, 11, 25, 10, 10, tzinfo=UTC)


def test_status_table_shows_elapsed_and_the_next_step() -> None:
    statuses = [
        {
            "id": "a",
            "unit": {"kind": "cloudService", "name": "api-cs"},
            "phase": "AwaitingApproval",
            "createdAt": "2026-11-25T10:00:00Z",
            "updatedAt": "2026-11-25T10:01:00Z",
            "findings": [{}, {}],
        },
        {
            "id": "b",
            "unit": {"kind": "storageAccount", "name": "st"},
            "phase": "Committed",
            "createdAt": "2026-11-25T10:00:00Z",
            "updatedAt": "2026-11-25T10:02:30Z",
        },
    ]
    text = render(migration_table(statuses, now=NOW))
    assert "cloudService/api-cs" in text and "10 min" in text  # still running: up to now
    assert (
        "2 finding(s); review, then c2arm approve|abort a" in text
        and "review page: /api/migrations/a/review" in text
    )
    assert "2 min 30 s" in text and "c2arm report b --html" in text  # final: the clock stopped


def test_plan_view_shows_progress_per_wave() -> None:
    plan = {
        "id": "p",
        "phase": "Running",
        "waves": [
            {
                "index": 0,
                "units": [
                    {"id": "u1", "unit": "virtualNetwork/v", "phase": "Committed"},
                    {"id": "u2", "unit": "cloudService/c", "phase": "Preparing"},
                ],
            },
            {"index": 1, "units": [{"id": "u3", "unit": "storageAccount/s", "phase": "Queued"}]},
        ],
    }
    text = render(plan_view(plan, {}, now=NOW))
    assert "1/3 units final" in text and "1/2" in text and "0/1" in text
    assert not plan_is_final(plan)
    for unit in plan["waves"][0]["units"] + plan["waves"][1]["units"]:
        unit["phase"] = "Aborted"
    assert plan_is_final(plan)


def test_next_step_for_every_final_phase_points_somewhere() -> None:
    for phase in ("Committed", "Aborted", "NotMigratable", "Failed", "NeedsSupport"):
        assert next_step("x", phase) != "running: nothing to do"


def test_next_step_names_the_command_for_each_phase() -> None:
    """The hint of every phase, with the flags pasted into each command it names."""
    f = " --state-dir D"
    assert (
        next_step("u", "AwaitingApproval", 2, flags=f)
        == "2 finding(s); review, then c2arm approve|abort u --state-dir D"
    )
    wave = {"id": "p", "wave": 1, "approval": "perWave"}
    assert next_step("u", "AwaitingApproval", plan=wave, flags=f) == (
        "review, then c2arm approve p --wave 1 --state-dir D (or c2arm abort u --state-dir D)"
    )
    assert next_step("u", "AwaitingPrepareApproval", flags=f) == (
        "validated; to prepare: c2arm approve u --state-dir D (or abort u)"
    )
    assert next_step("u", "WaitingForWindow", flags=f) == "waits for the next migration window"
    assert next_step("u", "Committed", flags=f) == "c2arm report u --html --state-dir D"
    assert (
        next_step("u", "Aborted", dry_run=True)
        == "dry run done (prepared, checked, aborted): c2arm report u --html"
    )
    assert (
        next_step("u", "NotMigratable", flags=f) == "fix the findings listed by c2arm report u --state-dir D"
    )
    assert next_step("u", "Failed", flags=f) == "read the error: c2arm report u --state-dir D"
    assert next_step("u", "NeedsSupport") == "open a support case with the correlation data in the report"
    assert next_step("u", "Blocked") == "blocked: a unit it depends on did not migrate"
    assert next_step("u", "Pending", waits_for=["a", "b"]) == "waits for a, b to commit"
    assert next_step("u", "Pending") == "waits for a free slot of the plan"
    assert next_step("u", "Committing") == "committing: the platform is working"
    assert next_step("u", "Preparing", dry_run=True).startswith("dry run: prepares for real")
    assert next_step("u", "Preparing") == "running: nothing to do"


def test_a_remote_app_over_plain_http_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="must use https"):
        ApiClient.resolve("http://c2arm.example.net", tmp_path, env={"C2ARM_KEY": "fk"})
    with ApiClient.resolve("http://localhost:7071", tmp_path, env={"C2ARM_KEY": "fk"}) as client:
        assert client.app_url == "http://localhost:7071"  # loopback: the local stack


def test_plan_rows_take_the_units_own_phase_and_name_the_wave_approval_and_what_they_wait_for() -> None:
    """Items 11 and 4 of #15: the plan's row may lag its unit (never `Preparing` for a unit that awaits
    approval); a perWave unit's hint is the wave approval; a pending unit says what it waits for."""
    plan = {
        "id": "p",
        "phase": "Running",
        "approval": "perWave",
        "waves": [
            {
                "index": 0,
                "units": [
                    {"id": "u1", "unit": "virtualNetwork/v", "key": "virtualNetwork/v", "phase": "Preparing"}
                ],
            },
            {
                "index": 1,
                "units": [
                    {
                        "id": "u2",
                        "unit": "storageAccount/s",
                        "key": "storageAccount/s",
                        "dependsOn": ["virtualNetwork/v"],
                        "phase": "Pending",
                    }
                ],
            },
        ],
    }
    details = {
        "u1": {
            "id": "u1",
            "phase": "AwaitingApproval",
            "findings": [],
            "plan": {"id": "p", "wave": 0, "approval": "perWave"},
        }
    }
    text = render(
        plan_view(plan, details, now=NOW, clock="elapsed (platform time, ×10)", flags=" --state-dir s")
    )
    assert "Preparing" not in text and "AwaitingApproval" in text
    assert "c2arm approve p --wave 0 --state-dir s" in text
    assert "waits for virtualNetwork/v to commit" in text and "nothing to do" not in text
    assert "elapsed (platform time, ×10)" in text


def test_a_finished_dry_run_shows_as_aborted_dry_run() -> None:
    statuses = [
        {
            "id": "d",
            "unit": {"kind": "routeTable", "name": "rt"},
            "phase": "Aborted",
            "dryRun": True,
            "createdAt": "2026-11-25T10:00:00Z",
            "updatedAt": "2026-11-25T10:02:00Z",
        }
    ]
    text = render(migration_table(statuses, now=NOW))
    assert "Aborted (dry run)" in text and "dry run done" in text
    running = [{"id": "r", "unit": "routeTable/rt", "phase": "Preparing", "dryRun": True}]
    text = render(migration_table(running, now=NOW))
    assert "Preparing (dry run)" in text and "prepares for real" in text
