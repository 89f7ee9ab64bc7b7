"""Triggers: the Durable Functions blueprints registered by `function_app.py`.

Queue intake and the backlog schedule (`intake`), the HTTP API (`migrations`, `decisions`,
`plans`, `validations`), the settings' health (`health`). Each trigger parses, calls, answers; the workflow
lives in the orchestrators.
"""

import azure.durable_functions as df

from triggers.decisions import bp as _decisions
from triggers.health import bp as _health
from triggers.intake import bp as _intake
from triggers.migrations import bp as _migrations
from triggers.plans import bp as _plans
from triggers.validations import bp as _validations

BLUEPRINTS: list[df.Blueprint] = [_migrations, _decisions, _plans, _intake, _health, _validations]
