"""`python -m emulator --estate FILE --port N --state-dir DIR [--faults FILE] [--time-scale X]
[--start-time ISO] [--reset]`: the local classic + ARM platform on https://127.0.0.1:N."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path

import yaml
from aiohttp import web

from emulator.clock import PlatformClock, parse_iso
from emulator.estate import EstateError, load_estate
from emulator.faults import FaultError, parse_faults
from emulator.records import Fault
from emulator.server import Emulator, build_app, eprint
from emulator.state import load_or_create
from emulator.tls import admin_token, setup_tls


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("--estate", type=Path, required=True, help="estate file (YAML or JSON)")
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--state-dir", type=Path, required=True, help="state, CA, admin token")
    parser.add_argument("--faults", type=Path, help="faults file (YAML or JSON), see docs/emulator.md")
    parser.add_argument("--time-scale", type=float, default=1.0, help="platform time runs X times faster")
    parser.add_argument("--start-time", help="platform time at start (ISO 8601, default now)")
    parser.add_argument("--reset", action="store_true", help="start over from the estate file")
    return parser.parse_args(argv)


def load_faults(path: Path) -> list[Fault]:
    text = path.read_text()
    raw = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    return parse_faults(raw or [])


async def serve(args: argparse.Namespace) -> int:
    problems: list[str] = []
    try:
        estate = load_estate(args.estate)
    except EstateError as exc:
        eprint(
            f"emulator: the estate file {args.estate} is not valid ({len(exc.errors)} error(s)):", *exc.errors
        )
        return 2
    fault_list = None
    if args.faults:
        try:
            fault_list = load_faults(args.faults)
        except (OSError, ValueError, FaultError, yaml.YAMLError) as exc:
            problems.append(f"--faults {args.faults}: {exc}")
    if args.time_scale <= 0:
        problems.append(f"--time-scale: must be > 0, got {args.time_scale}")
    start = None
    if args.start_time:
        try:
            start = parse_iso(args.start_time)
        except ValueError:
            problems.append(f"--start-time: {args.start_time!r} is not an ISO 8601 time")
    if not 0 < args.port < 65536:
        problems.append(f"--port: {args.port} is not a TCP port")
    if problems:
        eprint(*(f"emulator: {p}" for p in problems))
        return 2
    args.state_dir.mkdir(parents=True, exist_ok=True)
    clock = PlatformClock(start, args.time_scale if args.time_scale > 0 else 1.0)
    platforms = load_or_create(estate, clock, args.state_dir, reset=args.reset, start_given=start is not None)
    if fault_list is not None:
        platforms.controls.faults = fault_list
        platforms.save()
    ssl_ctx = setup_tls(args.state_dir)
    token = admin_token(args.state_dir)
    url = f"https://127.0.0.1:{args.port}"
    runner = web.AppRunner(build_app(Emulator(platforms, token, url)), access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port, ssl_context=ssl_ctx)
    try:
        await site.start()
    except OSError as exc:
        eprint(f"emulator: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}")
        await runner.cleanup()
        return 2
    print(url, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    platforms.save()
    # Open keep-alive TLS connections would hold a graceful shutdown for many seconds; the state
    # is saved, so give clean-up a moment and then go.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(runner.cleanup(), 1.0)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
