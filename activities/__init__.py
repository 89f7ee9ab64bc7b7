"""Activities: the Durable Functions blueprints registered by `function_app.py`.

One idempotent phase per module; each returns JSON, `{"error"}` for a permanent refusal.
"""

import azure.durable_functions as df

from activities.check import bp as _check
from activities.decisions import bp as _decisions
from activities.followthrough import bp as _followthrough
from activities.notify import bp as _notify
from activities.operations import bp as _operations
from activities.plan import bp as _plan
from activities.precheck import bp as _precheck
from activities.snapshot import bp as _snapshot
from activities.validate import bp as _validate
from activities.write_report import bp as _report

BLUEPRINTS: list[df.Blueprint] = [
    _snapshot,
    _precheck,
    _validate,
    _operations,
    _check,
    _report,
    _notify,
    _plan,
    _followthrough,
    _decisions,
]
