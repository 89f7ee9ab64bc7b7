"""`verify_decision`: is a raised `Approval` event one that c2arm's decision routes signed?

The check needs the review-token secret, which must never enter an orchestration's input or
history (both are readable through the Durable API): so it runs here, in an activity, and only
its verdict goes back. Pure apart from reading the setting; idempotent.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities._runtime import phase
from connectors.app_settings import read_setting
from connectors.settings_check import secret_problem
from migration.policy import decision_problem
from migration.workflow import VerifyInput, VerifyResult

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload")
@phase
def verify_decision(payload: dict[str, Any]) -> VerifyResult:
    """`{"valid": true}`, or `{"valid": false, "reason"}` for an event that is not signed for this unit."""
    item = VerifyInput.from_json(payload)
    secret = read_setting("REVIEW_TOKEN_SECRET")
    if secret_problem("REVIEW_TOKEN_SECRET", secret) is not None:
        return VerifyResult(valid=False, reason="the signing secret REVIEW_TOKEN_SECRET is unusable")
    reason = decision_problem(secret, item.id, item.event)
    return VerifyResult(valid=reason is None, reason=reason or "")
