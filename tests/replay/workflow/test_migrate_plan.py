"""Replay tests: `migrate_plan` runs waves of real `migrate_unit` sub-orchestrations."""

from __future__ import annotations

import json
from typing import Any

import pytest

from migration.instance_ids import is_instance_id, user_id_problem
from migration.requests import WorkflowConfig
from orchestrators.migrate_plan import PLAN_FORMS, fit_plan, migrate_plan, unit_instance_id
from orchestrators.migrate_unit import migrate_unit
from tests.replay.workflow.harness import Harness, handle_of
from tests.replay.workflow.stand_ins import SUB, Platform, signed


def commit(unit_id: str) -> dict:
    return signed(unit_id, "commit", "commit", comment="wave")


def unit(kind: str, name: str, deps: list[str] | None = None) -> dict[str, Any]:
    return {"key": f"{kind}/{name}", "unit": {"kind": kind, "name": name}, "dependsOn": deps or []}


WAVES = [
    [unit("virtualNetwork", "vnet1"), unit("virtualNetwork", "vnet2"), unit("cloudService", "cs1")],
    [
        unit("storageAccount", "sa1", ["virtualNetwork/vnet1"]),
        unit("storageAccount", "sa2", ["virtualNetwork/vnet2"]),
    ],
]


class PlanPlatform(Platform):
    """Per-unit platform state; `bad` units fail validation."""

    def __init__(self, bad: set[str], waves: list | None = None) -> None:
        super().__init__()
        self.bad = bad
        self.waves = waves or WAVES
        self.order: list[str] = []

    def activities(self) -> dict[str, Any]:
        acts = super().activities()
        acts["plan_units"] = lambda _p: {
            "waves": self.waves,
            "notMigratable": [
                {
                    "unit": {"kind": "cloudService", "name": "paas"},
                    "key": "cloudService/paas",
                    "reasons": ["PaaS"],
                }
            ],
        }
        acts["validate_unit"] = self.validate_unit
        acts["start_operation"] = self.start_op
        return acts

    def validate_unit(self, p: dict) -> dict:
        name = p["request"]["unit"]["name"]
        return {"findings": [{"severity": "error", "code": "X", "message": name}] if name in self.bad else []}

    def start_op(self, p: dict) -> dict:
        self.state = "Unprepared" if p["operation"] == "prepare" else self.state
        if p["operation"] == "commit":
            self.order.append(p["request"]["unit"]["name"])
            self.state = "Prepared"
        return self.start(p)


def run_plan(
    bad: set[str], concurrency: int = 2, dry_run: bool = False, waves: list | None = None
) -> tuple[Harness, PlanPlatform]:
    platform = PlanPlatform(bad, waves)
    inp = {
        "planId": "plan-7",
        "subscriptionId": SUB,
        "concurrency": concurrency,
        "approval": "perWave",
        "dryRun": dry_run,
        "config": WorkflowConfig().to_json(),
        "linksBase": "http://127.0.0.1:7071",
        "requestedBy": "ops@contoso.com",
    }
    h = Harness(
        handle_of(migrate_plan),
        inp,
        platform.activities(),
        instance_id="plan-7",
        sub_orchestrators={"migrate_unit": handle_of(migrate_unit)},
        child_events=lambda cid: {"Approval": [commit(cid)]},
    )
    h.run()
    return h, platform


def test_every_unit_committed_in_wave_order() -> None:
    h, platform = run_plan(set())
    out = h.state["output"]
    assert out["phase"] == "Completed" and out["summary"] == {"Committed": 5}
    assert platform.order[:3] == ["vnet1", "vnet2", "cs1"] and set(platform.order[3:]) == {"sa1", "sa2"}
    assert out["notMigratable"][0]["reasons"] == ["PaaS"]
    ids = [u["id"] for w in out["waves"] for u in w["units"]]
    assert ids[0] == "plan-7~virtualNetwork~vnet1" and len(set(ids)) == 5
    child = h.children["plan-7~storageAccount~sa1"].state["output"]
    assert child["plan"] == {"id": "plan-7", "wave": 1, "approval": "perWave"}
    assert (
        child["links"]["approve"] == "http://127.0.0.1:7071/api/migrations/plan-7~storageAccount~sa1/approve"
    )


def test_a_failed_unit_blocks_only_its_dependants() -> None:
    h, platform = run_plan({"vnet1"})
    rows = {u["unit"]["name"]: u for w in h.state["output"]["waves"] for u in w["units"]}
    assert rows["vnet1"]["phase"] == "NotMigratable"
    assert rows["sa1"]["phase"] == "Blocked" and rows["sa1"]["blockedBy"] == ["virtualNetwork/vnet1"]
    assert rows["sa2"]["phase"] == "Committed" and rows["cs1"]["phase"] == "Committed"
    assert "sa1" not in platform.order


def test_concurrency_limit_is_respected() -> None:
    h, _ = run_plan(set(), concurrency=1)
    # with one at a time every sub-orchestration is created in its own episode
    created = [i for i, e in enumerate(h.history) if e["EventType"] == 7]
    episodes = [sum(1 for e in h.history[:i] if e["EventType"] == 12) for i in created]
    assert len(set(episodes)) == len(episodes) == 5
    h2, _ = run_plan(set(), concurrency=3)
    created2 = [i for i, e in enumerate(h2.history) if e["EventType"] == 7]
    episodes2 = [sum(1 for e in h2.history[:i] if e["EventType"] == 12) for i in created2]
    assert max(episodes2.count(x) for x in episodes2) == 3


def test_instance_ids_are_valid_unique_and_reserved() -> None:
    taken: set[str] = set()
    a = unit_instance_id("p", {"kind": "cloudService", "name": "web cs!", "deployment": "d"}, taken)
    b = unit_instance_id("p", {"kind": "cloudService", "name": "web cs?", "deployment": "d"}, taken)
    assert a == "p~cloudService~web-cs-.d" and b == "p~cloudService~web-cs-.d~2"
    long = unit_instance_id("p" * 100, {"kind": "virtualNetwork", "name": "x"}, taken)
    other = unit_instance_id("p" * 100, {"kind": "virtualNetwork", "name": "y"}, taken)
    assert len(long) == len(other) == 100 and long != other
    for unit_id in (a, b, long, other):  # never an id a user can submit (#20 item 7)
        assert "~" in unit_id and user_id_problem(unit_id) is not None and is_instance_id(unit_id)


def test_big_plan_status_is_trimmed_below_the_limit() -> None:
    import json

    from orchestrators.migrate_plan import fit_plan

    rows = [
        {
            "id": f"p~virtualNetwork~v{i}",
            "unit": {"kind": "virtualNetwork", "name": f"v{i}"},
            "key": f"virtualNetwork/v{i}",
            "dependsOn": [f"x/{j}" for j in range(5)],
            "phase": "Pending",
        }
        for i in range(300)
    ]
    status = {
        "id": "p",
        "phase": "Running",
        "waves": [{"index": 0, "units": rows}],
        "notMigratable": [{"key": "a/b", "reasons": ["r" * 100] * 3}],
    }
    small = fit_plan(status)
    assert len(json.dumps(small)) <= 14_000 and small["truncated"] is True
    assert small["waves"][0]["counts"] == {"Pending": 300} and small["waves"][0]["units"] == []
    rows[7]["phase"] = "Running"
    assert [r["id"] for r in fit_plan(status)["waves"][0]["units"]] == ["p~virtualNetwork~v7"]
    medium = fit_plan({**status, "waves": [{"index": 0, "units": rows[:100]}]})
    assert [r["id"] for r in medium["waves"][0]["units"]] == [r["id"] for r in rows[:100]]
    assert small["notMigratable"] == [{"key": "a/b", "reasons": 3}]
    assert fit_plan({"id": "p", "waves": []}) == {"id": "p", "waves": []}


def _created_and_ended(h: Harness) -> tuple[dict[str, int], dict[str, int]]:
    """Each child's position in the plan's history: when it was created, when its end arrived."""
    import json

    created, ended = {}, {}
    for i, event in enumerate(h.history):
        if event["EventType"] == 7:  # SubOrchestrationInstanceCreated
            created[event["InstanceId"].split("~")[-1]] = i
        if event["EventType"] == 8:  # SubOrchestrationInstanceCompleted: the child's status
            ended[json.loads(event["Result"])["id"].split("~")[-1]] = i
    return created, ended


def test_a_dependant_starts_before_an_unrelated_unit_of_an_earlier_wave_ends() -> None:
    h, _ = run_plan(set(), concurrency=3)
    created, ended = _created_and_ended(h)
    # vnet1's end frees a slot: sa1 (wave 1) starts while vnet2 and cs1 (wave 0) have not ended
    assert created["sa1"] < ended["cs1"] and created["sa1"] < ended["vnet2"]
    assert created["sa1"] > ended["vnet1"]
    rows = {u["unit"]["name"]: u for w in h.state["output"]["waves"] for u in w["units"]}
    assert h.state["output"]["scheduling"] == "dependencies"
    assert all(r["startedAt"] <= r["endedAt"] for r in rows.values())
    assert h.state["output"]["summary"] == {"Committed": 5}


def test_a_blocked_unit_blocks_its_own_dependants_and_nothing_else() -> None:
    global WAVES
    saved = WAVES
    WAVES = [
        saved[0],
        saved[1],
        [unit("routeTable", "rt1", ["storageAccount/sa1"]), unit("routeTable", "rt2")],
    ]
    try:
        h, platform = run_plan({"vnet1"}, concurrency=2)
    finally:
        WAVES = saved
    rows = {u["unit"]["name"]: u for w in h.state["output"]["waves"] for u in w["units"]}
    assert rows["sa1"]["phase"] == "Blocked" and rows["rt1"]["blockedBy"] == ["storageAccount/sa1"]
    assert rows["rt1"]["phase"] == "Blocked" and "startedAt" not in rows["rt1"]
    assert {rows[n]["phase"] for n in ("vnet2", "cs1", "sa2", "rt2")} == {"Committed"}
    assert not {"sa1", "rt1"} & set(platform.order)


def _fit_each_form_in_turn(status: dict[str, Any], budget: int = 14_000) -> dict[str, Any]:
    """The plan status's forms built and serialised one after the other, the first that fits (what
    `fit_plan` must equal, however it skips the forms that cannot fit)."""
    forms = [build(status) for build in PLAN_FORMS]
    return next((form for form in forms if len(json.dumps(form)) <= budget), forms[-1])


def test_the_plan_status_forms_go_from_whole_to_counts() -> None:
    row = {
        "id": "p~vn~a",
        "unit": {"kind": "vn", "name": "a"},
        "key": "vn/a",
        "dependsOn": ["x"],
        "phase": "Running",
    }
    other = {**row, "id": "p~vn~b", "phase": "Blocked", "blockedBy": ["x"]}
    status = {
        "id": "p",
        "waves": [{"index": 0, "units": [row, other]}],
        "notMigratable": [{"key": "k", "reasons": ["r"]}],
    }
    whole, lean, brief, counted = (build(status) for build in PLAN_FORMS)
    assert whole is status and "truncated" not in whole
    assert lean["waves"][0]["units"] == [
        {k: v for k, v in r.items() if k != "dependsOn"} for r in (row, other)
    ]
    assert lean["notMigratable"] == status["notMigratable"] and lean["truncated"] is True
    assert brief["waves"][0]["units"] == [
        {"id": "p~vn~a", "phase": "Running"},
        {"id": "p~vn~b", "phase": "Blocked", "blockedBy": ["x"]},
    ]
    assert brief["notMigratable"] == [{"key": "k", "reasons": 1}] == counted["notMigratable"]
    assert counted["waves"] == [
        {"index": 0, "units": [{"id": "p~vn~a", "phase": "Running"}], "counts": {"Running": 1, "Blocked": 1}}
    ]


@pytest.mark.parametrize("units", [3, 40, 60, 120, 200, 260, 418])
def test_the_plan_status_takes_the_first_form_that_fits(units: int) -> None:
    """Every size of plan, from one that fits whole to one only counts fit: `fit_plan` (which
    skips forms too big by their units' text alone) equals trying every form in turn."""
    phases = ["Running", "Pending", "Committed", "Blocked", "NotMigratable"]
    rows = []
    for i in range(units):
        row: dict[str, Any] = {
            "id": f"plan-7~virtualNetwork~vnet-{i:03d}",
            "unit": {"kind": "virtualNetwork", "name": f"vnet-{i:03d}"},
            "key": f"virtualNetwork/vnet-{i:03d}",
            "dependsOn": [f"virtualNetwork/vnet-{j:03d}" for j in range(i % 3)],
            "phase": phases[i % 5],
            "startedAt": "2026-12-04T10:00:00.000000Z",
        }
        if row["phase"] == "Blocked":
            row["blockedBy"] = row["dependsOn"]
        rows.append(row)
    status = {
        "id": "plan-7",
        "phase": "Running",
        "waves": [{"index": 0, "units": rows[: units // 2]}, {"index": 1, "units": rows[units // 2 :]}],
        "notMigratable": [
            {"unit": {"kind": "cloudService", "name": "paas"}, "key": "k", "reasons": ["PaaS"]}
        ],
    }
    expected = _fit_each_form_in_turn(status)
    assert fit_plan(status) == expected
    assert len(json.dumps(fit_plan(status))) <= 14_000
