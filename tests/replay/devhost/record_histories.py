"""Re-record `tests/replay/devhost/histories/*.json` from a real devhost run of the sample app.

Run `.venv/bin/python -m tests.replay.devhost.record_histories` only when a change of the replay
contract is intended (an SDK upgrade, a deliberate devhost change), then review the diff.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path

from tests.integration.devhost.helpers import client_for, run, start_sample_host, wait_status

HISTORIES = Path(__file__).resolve().parent / "histories"
RUNS = [
    ("rec-approval", "approval"),
    ("rec-retry", "retrying"),
    ("rec-fan", "fan_out"),
]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        host = start_sample_host(base, base / "side", time_scale=3600, start_time="2030-01-08T12:00:00Z")

        async def scenario() -> None:
            client = client_for(host)
            await client.start_new("approval", "rec-approval", 48)
            await wait_status(client, "rec-approval", {"Running"})
            await client.raise_event("rec-approval", "Approval", {"by": "ops"})
            await wait_status(client, "rec-approval", {"Completed"})
            await client.start_new("retrying", "rec-retry", {"key": "rec", "failures": 1, "attempts": 3})
            await wait_status(client, "rec-retry", {"Completed"})
            await client.start_new("fan_out", "rec-fan", 5)
            await wait_status(client, "rec-fan", {"Completed"})

        try:
            run(scenario)
        finally:
            host.process.stop()
        db = sqlite3.connect(base / "state.db")
        for instance_id, name in RUNS:
            input_text, output = db.execute(
                "SELECT input, output FROM instances WHERE instance_id = ?", (instance_id,)
            ).fetchone()
            rows = db.execute("SELECT event FROM history WHERE instance_id = ? ORDER BY seq", (instance_id,))
            doc = {
                "orchestrator": name,
                "instanceId": instance_id,
                "input": input_text,
                "output": json.loads(output),
                "history": [json.loads(row[0]) for row in rows],
            }
            (HISTORIES / f"{name}.json").write_text(json.dumps(doc, indent=1) + "\n")
            print(f"{name}: {len(doc['history'])} events")
        db.close()


if __name__ == "__main__":
    main()
