"""Re-record the devhost's committed history: `python -m tests.replay.record_devhost`.

Runs the small estate's VNet through the same transient faults and 429s as
`tests/e2e/test_migrate_small.py` (submit, approve, Committed) on a fresh local stack, then
copies the instance's history out of the devhost's store: the history the real host wrote,
with its own numbering, retries and timers. Only after a deliberate change of `migrate_unit`
(say so in the changelog: instances in flight would not replay).
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path

from devhost.replay import context_json
from tests.e2e.conftest import APPROVER, OTHER_APPROVER, request, running_stack, wait_phase
from tests.e2e.test_migrate_small import TRANSIENT_FAULTS

OUT = Path(__file__).parent / "histories" / "devhost_vnet_committed_through_faults.json"
SETTINGS = {
    "APPROVERS": f"{APPROVER},{OTHER_APPROVER}",
    "AZURE_QUICK_RETRIES": "1",
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "stack"
        with running_stack(base, SETTINGS) as stack:
            with stack.emulator() as admin:
                admin.put("/admin/faults", json={"faults": TRANSIENT_FAULTS}).raise_for_status()
            with stack.client(principal="ops@contoso.com") as client:
                client.post("/api/migrations", json=request("vnet-1")).raise_for_status()
            doc = wait_phase(stack, "vnet-1", {"AwaitingApproval", "Failed", "NotMigratable"}, timeout=90)
            assert doc["phase"] == "AwaitingApproval", doc
            with stack.client(principal=APPROVER) as approver:
                approver.post("/api/migrations/vnet-1/approve", json={"comment": "go"}).raise_for_status()
            wait_phase(stack, "vnet-1", {"Committed"}, timeout=90)
            with stack.client() as client:
                wait = client.get("/api/migrations/vnet-1/report")  # waits for the orchestration's end
                assert wait.status_code == 200, wait.text
        db = sqlite3.connect(base / "devhost" / "state.db")
        history = [
            json.loads(r[0])
            for r in db.execute("SELECT event FROM history WHERE instance_id = 'vnet-1' ORDER BY seq")
        ]
        for event in history:
            event["IsPlayed"] = True
        input_text, output = db.execute(
            "SELECT input, output FROM instances WHERE instance_id = 'vnet-1'"
        ).fetchone()
        db.close()
    context = json.loads(context_json("vnet-1", history, input_text, None))
    recorded = {
        "context": context,
        "expectedOutput": json.loads(output),
        "recordedBy": "the devhost (tests/e2e/test_migrate_small.py, VNet committed through "
        "transient faults and 429s; tests/replay/record_devhost.py)",
    }
    OUT.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT.name} ({len(history)} events)")


if __name__ == "__main__":
    main()
