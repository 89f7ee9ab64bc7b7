"""Devhost benchmarks: prints figures, asserts nothing.

1. A 10-activity chain of no-op activities (`noop_chain` of the devhost's test app), run 30 times:
   median overhead per activity = (wall time − activity run time) / 10, with the wall time taken
   from the instance's own history (ExecutionStarted → ExecutionCompleted, time scale 1) and the
   no-op's run time measured in-process. Goal: ≤ 2 ms on 2 cores.
2. A 1,000-activity fan-out (`fan_out`): activities per second, from the history.
3. The cost of one episode (replay through the SDK + devhost.episode) as history grows: 100, 1,000 and
   5,000 events, in-process.

Run: `.venv/bin/python bench/devhost.py` (about half a minute).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devhost import episode, replay  # noqa: E402
from tests.integration.devhost.helpers import start_sample_host  # noqa: E402

APP = ROOT / "tests" / "integration" / "devhost" / "sample_app"
WEBHOOK = "/runtime/webhooks/durabletask"


def _ts(text: str) -> float:
    return replay.parse_time(text).timestamp()


_RUNS = [0]


def run_and_wait(http: httpx.Client, name: str, payload: object) -> dict:
    """Start an instance and let the host wait for it (no status polling over HTTP)."""
    _RUNS[0] += 1
    instance_id = f"bench-{_RUNS[0]}"
    done = http.post(
        f"{WEBHOOK}/orchestrators/{name}/{instance_id}",
        params={"timeout": "60", "pollingInterval": "0.005"},
        content=json.dumps(payload),
    )
    assert done.status_code == 200, done.text
    return http.get(f"{WEBHOOK}/instances/{instance_id}", params={"showHistory": "true"}).json()


def history_span(status: dict) -> float:
    events = status["historyEvents"]
    start = next(e for e in events if e["EventType"] == "ExecutionStarted")["Timestamp"]
    end = next(e for e in events if e["EventType"] == "ExecutionCompleted")["Timestamp"]
    return _ts(end) - _ts(start)


_FUNCTIONS: dict = {}


def user_function(name: str):
    """A function of the test app, imported in-process (get_functions may be called only once)."""
    if not _FUNCTIONS:
        sys.path.insert(0, str(APP))
        import function_app

        _FUNCTIONS.update(
            {f.get_function_name(): f.get_user_function() for f in function_app.app.get_functions()}
        )
    return _FUNCTIONS[name]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def noop_seconds() -> float:
    """The no-op activity's own run time, measured by calling it in-process."""
    fn = user_function("noop")
    start = time.perf_counter()
    for i in range(10_000):
        fn(value=i)
    return (time.perf_counter() - start) / 10_000


def episode_cost(events: int, repeats: int = 7) -> tuple[float, int]:
    """Median seconds of one episode of `fan_out` whose history holds about `events` events."""
    fn = user_function("fan_out")
    k = max(1, (events - 4) // 2)
    t0 = datetime(2030, 1, 8, 12, tzinfo=UTC)
    history = [
        {**replay.event(replay.ORCHESTRATOR_STARTED, t0), "IsPlayed": True},
        {**replay.event(replay.EXECUTION_STARTED, t0, Name="fan_out", Version=""), "IsPlayed": True},
        *(
            {**replay.event(replay.TASK_SCHEDULED, t0, i, Name="double", Input=str(i)), "IsPlayed": True}
            for i in range(k)
        ),
        {**replay.event(replay.ORCHESTRATOR_COMPLETED, t0), "IsPlayed": True},
        replay.event(replay.ORCHESTRATOR_STARTED, t0),
        *(replay.event(replay.TASK_COMPLETED, t0, TaskScheduledId=i, Result=str(2 * i)) for i in range(k)),
    ]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = replay.run_episode(fn, replay.context_json("bench", history, str(k), None))
        episode.decide(result, instance_id="bench", execution_id="e", actions_seen=k, next_id=k, now=t0)
        times.append(time.perf_counter() - start)
    assert result.done and json.loads(result.output or "0") == sum(2 * i for i in range(k))
    return statistics.median(times), len(history)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        host = start_sample_host(base, base / "side", env={"DEVHOST_LOG_LEVEL": "WARNING"})
        try:
            with httpx.Client(base_url=host.url, timeout=120) as http:
                run_and_wait(http, "noop_chain", 10)  # warm up
                noop = noop_seconds()
                cpu_before = cpu_seconds(host.process.pid)
                spans = [history_span(run_and_wait(http, "noop_chain", 10)) for _ in range(30)]
                cpu_after = cpu_seconds(host.process.pid)
                overheads = sorted((s - 10 * noop) / 10 for s in spans)
                print("10-activity chain of no-op activities (30 runs)")
                print(f"  no-op activity run time        {noop * 1e6:8.1f} µs")
                median = statistics.median(overheads) * 1e3
                print(f"  median overhead per activity   {median:8.2f} ms  (goal ≤ 2 ms)")
                p90 = overheads[int(len(overheads) * 0.9)] * 1e3
                print(f"  p90 overhead per activity      {p90:8.2f} ms")
                if cpu_before is not None and cpu_after is not None:
                    # less sensitive than wall time to other load on the machine
                    cpu = (cpu_after - cpu_before) / 300 * 1e3
                    print(f"  host CPU time per activity     {cpu:8.2f} ms  (whole host process)")
                span = history_span(run_and_wait(http, "fan_out", 1000))
                print("1,000-activity fan-out")
                print(f"  wall time                      {span:8.2f} s")
                print(f"  activities per second          {1000 / span:8.0f}")
        finally:
            host.process.stop()
    print("one episode as history grows (in-process: SDK replay + decisions)")
    for events in (100, 1000, 5000):
        cost, n = episode_cost(events)
        print(f"  {n:5d} events                   {cost * 1e3:8.2f} ms")
    asyncio.set_event_loop(None)


if __name__ == "__main__":
    main()
