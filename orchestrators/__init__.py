"""Orchestrators: the Durable Functions blueprints registered by `function_app.py`.

`migrate_unit` carries one unit through the phases of docs/contract.md; `migrate_plan` runs waves of
units under a concurrency limit; `validate_migration` checks one unit live without changing it;
`follow_through` carries a committed unit's VMs onto managed disks.
All are deterministic generators (replayed by the host).
"""

import azure.durable_functions as df

from orchestrators.follow_through import bp as _follow_bp
from orchestrators.migrate_plan import bp as _plan_bp
from orchestrators.migrate_unit import bp as _unit_bp
from orchestrators.validate_only import bp as _validate_bp

BLUEPRINTS: list[df.Blueprint] = [_unit_bp, _plan_bp, _validate_bp, _follow_bp]
