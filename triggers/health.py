"""`GET /api/health`: is the app configured to run? (anonymous: it shows no secret, only names).

200 `{"status": "ok"}`, or 503 `{"problems": [{"setting", "message"}]}` naming every app setting
whose value c2arm cannot use. The same problems are logged once when the app starts, and
starting a migration refuses while there are any, so a bad setting is seen before anything runs
on it. `c2arm up` waits on this route and prints the problems.
"""

from __future__ import annotations

import logging

import azure.durable_functions as df
import azure.functions as func

from connectors.settings_check import setting_problems
from triggers._runtime import respond

bp = df.Blueprint()
log = logging.getLogger("c2arm.triggers.health")

for _problem in setting_problems():  # at start-up: the host's log names every bad setting
    log.error("app setting %s: %s", _problem.setting, _problem.message)


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:  # noqa: ARG001 - the host binds `req` by name
    """200 when every setting is usable, else 503 with every problem (setting name + message)."""
    problems = setting_problems()
    if problems:
        return respond({"status": "misconfigured", "problems": [p.to_dict() for p in problems]}, 503)
    return respond({"status": "ok"})
