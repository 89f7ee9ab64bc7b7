"""Activities: the Durable Functions blueprints registered by `function_app.py`.

One idempotent phase per module; each returns JSON, `{"error"}` for a permanent refusal.
"""

import azure.durable_functions as df

from activities.notify import bp as _notify
from activities.operations import bp as _operations
from activities.report import bp as _report
from activities.validate import bp as _validate

BLUEPRINTS: list[df.Blueprint] = [_operations, _validate, _report, _notify]
