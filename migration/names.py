"""The names the Durable host knows c2arm's functions and events by — one place for all of them.

An orchestrator schedules an activity by name and a trigger starts an orchestration or raises an
event by name; the host matches them as plain text at run time, so a typo is only found when a
unit reaches that step. These constants are the single spelling: the orchestrators, the triggers
and the activities' registrations (`tests/unit/workflow/test_contract.py` checks each is registered) use
them. Renaming one breaks the replay of in-flight instances (the name is in their history).
"""

from __future__ import annotations

from typing import Final

# Orchestrators (`orchestrators/`).
MIGRATE_UNIT: Final = "migrate_unit"
MIGRATE_PLAN: Final = "migrate_plan"
VALIDATE_MIGRATION: Final = "validate_migration"
FOLLOW_THROUGH: Final = "follow_through"  # a committed unit's VMs onto managed disks (issue #18)

# Activities (`activities/`): each is the name of the function that implements it.
SNAPSHOT: Final = "snapshot_unit"
PRECHECK: Final = "precheck_unit"
VALIDATE: Final = "validate_unit"
START_OPERATION: Final = "start_operation"
OPERATION_STATUS: Final = "operation_status"
CHECK: Final = "check_unit"
REPORT: Final = "write_report"
NOTIFY: Final = "notify"
AUDIT: Final = "audit_entry"
PLAN_UNITS: Final = "plan_units"
INDEX: Final = "index_phase"
# the follow-through's (activities/followthrough.py)
FT_SURVEY: Final = "ft_survey"
FT_READ_VM: Final = "ft_read_vm"
FT_ACCOUNTS_LOCKED: Final = "ft_accounts_locked"
FT_STEP: Final = "ft_step"
FT_OPERATION: Final = "ft_operation"
FT_REPORT: Final = "ft_report"
VERIFY_DECISION: Final = "verify_decision"

ACTIVITIES: Final = frozenset(
    {
        SNAPSHOT,
        PRECHECK,
        VALIDATE,
        START_OPERATION,
        OPERATION_STATUS,
        CHECK,
        REPORT,
        NOTIFY,
        AUDIT,
        PLAN_UNITS,
        INDEX,
        FT_SURVEY,
        FT_READ_VM,
        FT_ACCOUNTS_LOCKED,
        FT_STEP,
        FT_OPERATION,
        FT_REPORT,
        VERIFY_DECISION,
    }
)
ORCHESTRATORS: Final = frozenset({MIGRATE_UNIT, MIGRATE_PLAN, VALIDATE_MIGRATION, FOLLOW_THROUGH})

# External events: a person's decision (approve, abort, the gate before prepare).
APPROVAL_EVENT: Final = "Approval"
