"""Triggers: the Durable Functions blueprints registered by `function_app.py`."""

import azure.durable_functions as df

BLUEPRINTS: list[df.Blueprint] = []
