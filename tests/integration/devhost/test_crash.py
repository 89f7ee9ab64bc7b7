"""Crash recovery: SIGKILL the devhost mid-flight, restart it on the same state db, and every
instance completes correctly (activities at least once, nothing completed runs again)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cli.stack.devhost import DevHost
from tests.integration.devhost.helpers import SAMPLE_APP, client_for, run, wait_for, wait_status

DONE = {"Completed", "Failed", "Terminated"}


def _count(side: Path, name: str) -> int:
    path = side / f"{name}.count"
    return int(path.read_text()) if path.exists() else 0


def test_kill_while_an_activity_runs_and_instances_wait_for_events(
    devhost_factory: Callable[..., DevHost], tmp_path: Path
) -> None:
    side = tmp_path / "side"
    env = {"SAMPLE_STATE_DIR": str(side)}
    host = devhost_factory(SAMPLE_APP, env=env)

    async def before_crash():
        client = client_for(host)
        done = await client.start_new("chain", "done-before", "x")
        await wait_status(client, done, DONE)
        await client.start_new("slow_activity", "slow-1", "k1")
        await client.start_new("wait_event", "waits-1")
        await client.start_new("wait_event", "waits-2")
        await wait_status(client, "waits-1", {"Running"})
        await wait_status(client, "waits-2", {"Running"})
        await client.raise_event("waits-2", "Go", "raised just before the crash")

    run(before_crash)
    wait_for(lambda: (side / "blocking-k1.started-1").exists(), what="the blocking activity to start")
    hellos_before = _count(side, "say_hello")
    host.process.kill()
    (side / "blocking-k1.release").write_text("")

    host = devhost_factory(SAMPLE_APP, env=env, state=host.state_file, keys=host.keys_file)

    async def after_restart():
        client = client_for(host)
        await client.raise_event("waits-1", "Go", "after restart")
        slow = await wait_status(client, "slow-1", DONE)
        one = await wait_status(client, "waits-1", DONE)
        two = await wait_status(client, "waits-2", DONE)
        done = await client.get_status("done-before")
        return slow, one, two, done

    slow, one, two, done = run(after_restart)
    assert slow.output == "Hello released k1 on run 2"  # the interrupted activity ran again
    assert _count(side, "blocking-k1") == 2
    assert one.output == "Hello after restart"
    assert two.output == "Hello raised just before the crash"
    assert done.runtime_status.value == "Completed"
    # one say_hello each for slow-1, waits-1 and waits-2 (waits-2 may have run it before the kill)
    assert hellos_before + 2 <= _count(side, "say_hello") <= hellos_before + 3
    assert not (side / "blocking-k1.started-3").exists()


def test_timer_that_falls_due_while_the_host_is_down_fires_on_restart(
    devhost_factory: Callable[..., DevHost], tmp_path: Path
) -> None:
    side = tmp_path / "side"
    env = {"SAMPLE_STATE_DIR": str(side)}
    # Tuesday noon; a 30-minute durable timer; the host is killed, and restarted "two hours later"
    host = devhost_factory(SAMPLE_APP, env=env, start_time="2030-01-08T12:00:00Z")

    async def start():
        client = client_for(host)
        await client.start_new("sleeper", "sleeps-1", 30)
        return await wait_status(client, "sleeps-1", {"Running"})

    status = run(start)
    assert status.runtime_status.value == "Running"
    host.process.kill()

    host = devhost_factory(
        SAMPLE_APP, env=env, state=host.state_file, keys=host.keys_file, start_time="2030-01-08T14:00:00Z"
    )

    async def finish():
        return await wait_status(client_for(host), "sleeps-1", DONE)

    status = run(finish)
    assert status.runtime_status.value == "Completed"
    assert status.output["started"].startswith("2030-01-08T12:00")
    assert status.output["woke"] >= "2030-01-08T14:00"


def test_restart_continues_virtual_time_without_going_backwards(
    devhost_factory: Callable[..., DevHost], tmp_path: Path
) -> None:
    env = {"SAMPLE_STATE_DIR": str(tmp_path / "side")}
    host = devhost_factory(SAMPLE_APP, env=env, start_time="2030-01-08T12:00:00Z", time_scale=60)

    async def first():
        client = client_for(host)
        await client.start_new("ticker", "t-1", 1)
        return await wait_status(client, "t-1", DONE)

    before = run(first)
    host.process.stop()
    # an earlier --start-time on restart does not move time backwards
    host = devhost_factory(
        SAMPLE_APP, env=env, state=host.state_file, keys=host.keys_file, start_time="2030-01-01T00:00:00Z"
    )

    async def second():
        client = client_for(host)
        await client.start_new("ticker", "t-2", 2)
        return await wait_status(client, "t-2", DONE)

    after = run(second)
    assert after.created_time >= before.created_time
    assert after.created_time.year == 2030 and after.created_time.day == 8
