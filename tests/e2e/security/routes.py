"""The app's HTTP routes from its own bindings (as the host reads them), for tests that check them.

`function_app.app.get_functions()` can be called once per process (a second call finds every
function "not unique"), so every test module asks here and shares the one answer.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def http_routes() -> tuple[dict[str, Any], ...]:
    """Every HTTP trigger of function_app.py: name, route, methods, auth level (raw bindings)."""
    import function_app

    routes = []
    for function in function_app.app.get_functions():
        for binding in function.get_bindings():
            raw = binding.get_dict_repr()
            if raw.get("type") == "httpTrigger":
                auth = str(getattr(raw["authLevel"], "value", raw["authLevel"])).lower()
                methods = [str(getattr(m, "value", m)).upper() for m in raw["methods"]]
                name = function.get_function_name()
                routes.append({"name": name, "route": raw["route"], "methods": methods, "auth": auth})
    return tuple(routes)
