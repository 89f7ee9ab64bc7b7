"""Pure parts of the devhost: routes, NCRONTAB, keys, settings, clock."""

from __future__ import annotations

import json
import os
import re
import stat
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devhost import ncrontab
from devhost.clock import VirtualClock, parse_start_time
from devhost.keys import KeysError, load_or_create
from devhost.routes import compile_route
from devhost.settings import AppError, apply_local_settings, load_host_json, parse_timespan, resolve_setting


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("api/items/{id}", "api/items/7", {"id": "7"}),
        ("api/items/{id:int}", "api/items/x", None),
        ("api/items/{id:int}", "api/items/-3", {"id": "-3"}),
        ("api/a/{id?}", "api/a", {}),
        ("api/a/{id?}", "api/a/5", {"id": "5"}),
        ("api/a/{name=bob}", "api/a", {"name": "bob"}),
        ("api/f/{*rest}", "api/f/x/y/z", {"rest": "x/y/z"}),
        ("api/f/{*rest}", "api/f", {}),
        ("api/files/{name}.{ext}", "api/files/report.pdf", {"name": "report", "ext": "pdf"}),
        ("api/x/{v:alpha}", "api/x/abc1", None),
        ("API/Items", "api/items", {}),
    ],
)
def test_route_templates(template: str, path: str, expected: dict[str, str] | None) -> None:
    assert compile_route(template).match(path) == expected


def test_route_template_errors_name_the_problem() -> None:
    with pytest.raises(AppError, match="appears twice"):
        compile_route("a/{id}/{id}")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        ("0 */5 * * * *", "2030-01-08T12:03:10", "2030-01-08T12:05:00"),
        ("*/10 * * * * *", "2030-01-08T12:03:10", "2030-01-08T12:03:20"),
        ("0 0 22 * * *", "2030-01-08T22:00:00", "2030-01-09T22:00:00"),
        ("0 30 9 * * Mon-Fri", "2030-01-11T10:00:00", "2030-01-14T09:30:00"),  # Fri → Mon
        ("0 0 0 1 Jan *", "2030-06-01T00:00:00", "2031-01-01T00:00:00"),
        ("15 3 * * *", "2030-01-08T12:00:00", "2030-01-09T03:15:00"),  # 5 fields: no seconds
        ("0 0 12 * * 0", "2030-01-08T00:00:00", "2030-01-13T12:00:00"),  # Sunday
    ],
)
def test_ncrontab_next_occurrence(schedule: str, after: str, expected: str) -> None:
    assert ncrontab.parse(schedule).next_after(at(after)) == at(expected)


def test_ncrontab_in_a_time_zone_across_dst() -> None:
    zone = ZoneInfo("Europe/Berlin")
    schedule = ncrontab.parse("0 0 2 * * *")  # 02:00 Berlin; on 2030-03-31 clocks jump 02:00 → 03:00
    first = schedule.next_after(at("2030-03-29T12:00:00"), zone)
    assert first == at("2030-03-30T01:00:00")  # 02:00 CET = 01:00 UTC


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("* * *", "expected 6 fields"),
        ("0 61 * * * *", "minute field"),
        ("0 0 0 * * Xyz", "day of week field"),
        ("0 */0 * * * *", "bad step"),
    ],
)
def test_ncrontab_errors_name_the_field(schedule: str, message: str) -> None:
    with pytest.raises(ncrontab.CronError, match=message):
        ncrontab.parse(schedule)


def test_keys_file_is_created_once_with_private_mode(tmp_path: Path) -> None:
    path = tmp_path / "k" / "keys.json"
    keys = load_or_create(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_or_create(path) == keys
    assert keys.allows("function", keys.functions["default"])
    assert keys.allows("function", keys.master)
    assert not keys.allows("admin", keys.functions["default"])
    assert not keys.allows("function", None)
    assert keys.allows("anonymous", None)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "cannot read JSON"),
        ('{"master": ""}', "'master'"),
        ('{"master": "m", "functions": {}}', "'functions'"),
    ],
)
def test_bad_keys_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "keys.json"
    path.write_text(content)
    with pytest.raises(KeysError, match=message):
        load_or_create(path)


def test_timespans() -> None:
    assert parse_timespan("00:00:02", "x") == 2
    assert parse_timespan("00:00:00.500", "x") == 0.5
    assert parse_timespan("1.00:00:01", "x") == 86401
    with pytest.raises(AppError, match="where"):
        parse_timespan("2s", "where")


def test_host_json_errors_name_the_field(tmp_path: Path) -> None:
    (tmp_path / "host.json").write_text(json.dumps({"extensions": {"queues": {"batchSize": 64}}}))
    with pytest.raises(AppError, match=r"extensions.queues.batchSize"):
        load_host_json(tmp_path)
    (tmp_path / "host.json").write_text(json.dumps({"extensions": {"queues": {"messageEncoding": "hex"}}}))
    with pytest.raises(AppError, match="messageEncoding"):
        load_host_json(tmp_path)


def test_local_settings_never_override_the_environment(tmp_path: Path) -> None:
    (tmp_path / "local.settings.json").write_text(json.dumps({"Values": {"A": "local", "B": "local"}}))
    env = {"A": "env"}
    assert apply_local_settings(tmp_path, env) == ["B"]
    assert env == {"A": "env", "B": "local"}
    assert resolve_setting("%A%-%B%", env, "w") == "env-local"
    with pytest.raises(AppError, match="'C'"):
        resolve_setting("%C%", env, "w")


def test_clock_scales_and_never_goes_backwards() -> None:
    start = parse_start_time("2030-01-08T12:00:00Z")
    clock = VirtualClock.resume(None, 3600, start)
    assert abs(clock.now_ts() - start.timestamp()) < 60
    later = VirtualClock.resume((clock.anchor_real - 10, start.timestamp(), 3600), 1, start)
    assert later.now_ts() >= start.timestamp() + 10 * 3600 - 1  # 10 real s at ×3600 passed while "down"
    with pytest.raises(ValueError, match="--start-time"):
        parse_start_time("noon")


def test_queue_connection_resolution_and_decoding() -> None:
    from devhost.app_loader import FunctionSpec
    from devhost.queues import QueueListener, connection_string
    from devhost.settings import QueueOptions

    env = {
        "AzureWebJobsStorage": "default",
        "MyConn": "plain",
        "AzureWebJobsOther": "prefixed",
        "ConnectionStrings:Cs": "from-cs",
    }
    assert connection_string(None, env) == ("AzureWebJobsStorage", "default")
    assert connection_string("MyConn", env) == ("MyConn", "plain")
    assert connection_string("Other", env) == ("AzureWebJobsOther", "prefixed")
    assert connection_string("Cs", env) == ("ConnectionStrings:Cs", "from-cs")
    assert connection_string("Missing", env)[1] is None

    spec = FunctionSpec(
        "q", "queueTrigger", {"queueName": "Jobs", "connection": ""}, "msg", lambda _msg: None
    )
    b64 = QueueListener(spec, None, QueueOptions())
    assert b64.queue_name == "jobs"
    assert b64.decode("aGVsbG8=") == b"hello"
    assert b64.decode("not base64!") is None
    assert b64.threshold >= 0
    plain = QueueListener(spec, None, QueueOptions(message_encoding="none", new_batch_threshold=3))
    assert plain.decode("not base64!") == b"not base64!"
    assert plain.threshold == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[]", "expected a JSON object, got list"),
        ('{"extensions": "x"}', "host.json.extensions: expected a JSON object, got str"),
        ('{"extensions": {"durableTask": []}}', "host.json extensions.durableTask: expected a JSON object"),
        ('{"extensions": {"http": 1}}', "host.json extensions.http: expected a JSON object, got int"),
        (
            '{"extensions": {"durableTask": {"overridableExistingInstanceStates": "Never"}}}',
            "overridableExistingInstanceStates: expected 'AnyState' or 'NonRunningStates'",
        ),
    ],
)
def test_a_host_json_of_the_wrong_shape_names_the_field(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "host.json").write_text(content)
    with pytest.raises(AppError, match=re.escape(message)):
        load_host_json(tmp_path)


def test_overridable_states_and_http_poll_interval_are_read(tmp_path: Path) -> None:
    durable = {
        "overridableExistingInstanceStates": "nonRunningStates",
        "httpSettings": {"defaultAsyncRequestSleepTimeMilliseconds": 500},
    }
    (tmp_path / "host.json").write_text(json.dumps({"extensions": {"durableTask": durable}}))
    config = load_host_json(tmp_path)
    assert config.overridable_states == "NonRunningStates" and config.http_poll_ms == 500
    (tmp_path / "host.json").write_text("{}")
    assert load_host_json(tmp_path).overridable_states == "AnyState"
