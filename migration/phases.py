"""Phases of one migration unit (docs/contract.md: names and order) and their rules.

The orchestrator moves a unit through these phases; the HTTP API decides from them what a
decision may do (approve only while `AwaitingApproval`; abort refused once `Committing`).
Keeping the rules here makes the API and the orchestrator agree by construction.
"""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    QUEUED = "Queued"
    SNAPSHOTTING = "Snapshotting"
    PRECHECKING = "Prechecking"
    VALIDATING = "Validating"
    AWAITING_PREPARE_APPROVAL = "AwaitingPrepareApproval"
    WAITING_FOR_WINDOW = "WaitingForWindow"
    PREPARING = "Preparing"
    CHECKING = "Checking"
    AWAITING_APPROVAL = "AwaitingApproval"
    COMMITTING = "Committing"
    ABORTING = "Aborting"
    COMMITTED = "Committed"
    ABORTED = "Aborted"
    NOT_MIGRATABLE = "NotMigratable"
    FAILED = "Failed"
    NEEDS_SUPPORT = "NeedsSupport"


FINAL: frozenset[Phase] = frozenset(
    {Phase.COMMITTED, Phase.ABORTED, Phase.NOT_MIGRATABLE, Phase.FAILED, Phase.NEEDS_SUPPORT}
)

# Every move the orchestrator may make. Aborting and Failed are reachable from everywhere work
# can go wrong; NotMigratable only before anything was prepared.
TRANSITIONS: dict[Phase, frozenset[Phase]] = {
    Phase.QUEUED: frozenset({Phase.SNAPSHOTTING, Phase.FAILED}),
    Phase.SNAPSHOTTING: frozenset({Phase.PRECHECKING, Phase.NOT_MIGRATABLE, Phase.FAILED}),
    Phase.PRECHECKING: frozenset({Phase.VALIDATING, Phase.NOT_MIGRATABLE, Phase.FAILED}),
    Phase.VALIDATING: frozenset(
        {
            Phase.AWAITING_PREPARE_APPROVAL,
            Phase.WAITING_FOR_WINDOW,
            Phase.PREPARING,
            Phase.NOT_MIGRATABLE,
            Phase.FAILED,
        }
    ),
    # the optional gate before prepare: nothing is prepared yet, so an abort ends the unit at once
    Phase.AWAITING_PREPARE_APPROVAL: frozenset(
        {Phase.WAITING_FOR_WINDOW, Phase.PREPARING, Phase.ABORTED, Phase.FAILED}
    ),
    Phase.WAITING_FOR_WINDOW: frozenset({Phase.PREPARING, Phase.COMMITTING, Phase.ABORTING, Phase.FAILED}),
    Phase.PREPARING: frozenset({Phase.CHECKING, Phase.ABORTING, Phase.FAILED}),
    Phase.CHECKING: frozenset({Phase.AWAITING_APPROVAL, Phase.ABORTING, Phase.FAILED}),
    Phase.AWAITING_APPROVAL: frozenset(
        {Phase.WAITING_FOR_WINDOW, Phase.COMMITTING, Phase.ABORTING, Phase.FAILED}
    ),
    Phase.COMMITTING: frozenset({Phase.COMMITTED, Phase.NEEDS_SUPPORT, Phase.FAILED}),
    Phase.ABORTING: frozenset({Phase.ABORTED, Phase.FAILED, Phase.NEEDS_SUPPORT}),
}
for _final in FINAL:
    TRANSITIONS[_final] = frozenset()

# A unit that commits with neither the gate before prepare nor a window passes the phases in
# their declared order, leaving out the waits it does not have and the other ends (what the
# benchmarks time step by step).
COMMIT_PATH: tuple[Phase, ...] = tuple(
    p
    for p in Phase
    if p not in {Phase.AWAITING_PREPARE_APPROVAL, Phase.WAITING_FOR_WINDOW, Phase.ABORTING}
    and (p not in FINAL or p is Phase.COMMITTED)
)


# A unit's follow-through (orchestrators/follow_through.py, issue #18) ends in one of these, or in
# Aborted / Failed; it answers on the unit routes, so its final phases are final there too.
FOLLOW_THROUGH_FINAL = frozenset({"Completed", "CompletedWithFindings"})


def is_final(phase: str) -> bool:
    """True for a phase the unit (or a unit's follow-through) never leaves."""
    return phase in {p.value for p in FINAL} or phase in FOLLOW_THROUGH_FINAL


def can_move(source: str, target: str) -> bool:
    """True when the orchestrator may move a unit from `source` to `target`."""
    try:
        return Phase(target) in TRANSITIONS[Phase(source)]
    except ValueError:
        return False


def can_approve(phase: str) -> bool:
    """Approve is accepted only while the unit waits for a person: to prepare, or to commit."""
    return phase in (Phase.AWAITING_PREPARE_APPROVAL, Phase.AWAITING_APPROVAL)


def approve_decision(phase: str) -> str:
    """What an approval means in `phase`: `prepare` at the gate before prepare, else `commit`."""
    return "prepare" if phase == Phase.AWAITING_PREPARE_APPROVAL else "commit"


def decision_wait(phase: str) -> str:
    """The wait a decision taken in `phase` decides; one decision is accepted per (unit, wait).

    `prepare` (the gate before prepare), `commit` (approve or abort before commit), `window` (an
    abort while the unit waits for its window) and `abort` (an abort raised before the unit
    waits: kept and acted on at its next wait). A new wait (e.g. a follow-through approval) adds
    its phase here.
    """
    waits: dict[str, str] = {
        Phase.AWAITING_PREPARE_APPROVAL: "prepare",
        Phase.AWAITING_APPROVAL: "commit",
        Phase.WAITING_FOR_WINDOW: "window",
    }
    return waits.get(phase, "abort")


def can_abort(phase: str) -> bool:
    """Abort is refused once commit has started (the platform cannot undo it) or the unit is final.

    Before approval an abort decision is kept by the orchestration and acted on as soon as the
    unit is prepared (or dropped if the unit ends earlier); after approval it still applies while
    an off-hours unit waits for its commit window.
    """
    return phase != Phase.COMMITTING and not is_final(phase)
