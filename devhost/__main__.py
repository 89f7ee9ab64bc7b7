"""`python -m devhost --app DIR --port N [--state FILE] [--keys FILE] [--time-scale X] [--start-time ISO]
[--no-auth]`."""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import logging
import os
import signal
import sys
from pathlib import Path

from devhost.clock import parse_start_time
from devhost.host import DevHost, HostOptions
from devhost.keys import KeysError
from devhost.settings import AppError
from devhost.store import StateInUse


def parse_args(argv: list[str] | None = None) -> HostOptions:
    parser = argparse.ArgumentParser(
        prog="python -m devhost",
        description="Run a Python v2-model Functions app (with Durable Functions) locally on 127.0.0.1.",
    )
    parser.add_argument("--app", required=True, type=Path, help="the app folder (function_app.py, host.json)")
    parser.add_argument("--port", required=True, type=int, help="TCP port on 127.0.0.1")
    parser.add_argument("--state", type=Path, help="state db (default APP/.devhost/state.db)")
    parser.add_argument("--keys", type=Path, help="keys file (default APP/.devhost/keys.json)")
    parser.add_argument("--time-scale", type=float, default=1.0, help="virtual time runs X times faster")
    parser.add_argument("--start-time", help="virtual start time, ISO 8601 (default now)")
    parser.add_argument(
        "--no-auth",
        action="store_true",
        help="do not emulate App Service authentication (no /.auth, headers pass as sent)",
    )
    args = parser.parse_args(argv)
    app_dir = args.app.resolve()
    if not app_dir.is_dir():
        parser.error(f"--app: {app_dir} is not a folder")
    if not 0 < args.port < 65536:
        parser.error(f"--port: {args.port} is not a TCP port")
    if not args.time_scale > 0:
        parser.error(f"--time-scale: must be > 0, got {args.time_scale}")
    try:
        start = parse_start_time(args.start_time) if args.start_time else None
    except ValueError as exc:
        parser.error(str(exc))
    return HostOptions(
        app_dir=app_dir,
        port=args.port,
        state=(args.state or app_dir / ".devhost" / "state.db").resolve(),
        keys=(args.keys or app_dir / ".devhost" / "keys.json").resolve(),
        time_scale=args.time_scale,
        start_time=start,
        auth=not args.no_auth,
    )


async def serve(options: HostOptions) -> int:
    host = DevHost(options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await host.start()
    except (AppError, KeysError, StateInUse, ValueError, OSError) as exc:
        logging.getLogger("devhost").error("cannot start: %s", exc)
        await host.stop()
        return 2
    print(f"devhost ready: {host.base_url} (app {options.app_dir}, state {options.state})", flush=True)
    await stop.wait()
    await host.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("DEVHOST_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stdout,
    )
    logging.getLogger("azure").setLevel(logging.WARNING)
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1` dumps every thread's stack
    os.chdir(options.app_dir)
    code = asyncio.run(serve(options))
    logging.getLogger("devhost").info("exiting with %d", code)
    return code


if __name__ == "__main__":
    status = main()
    logging.shutdown()
    sys.stdout.flush()
    # Do not wait for activity threads still running user code: their work rows are in the state
    # db, so they run again on the next start (at least once), exactly as after a crash.
    os._exit(status)
