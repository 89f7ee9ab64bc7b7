"""The Azure Functions app: wiring only.

Builds the Durable Functions app and registers the blueprints of ``triggers``,
``orchestrators`` and ``activities``. No logic lives here.
"""

import azure.durable_functions as df
import azure.functions as func

import activities
import orchestrators
import triggers

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)

for blueprint in (*triggers.BLUEPRINTS, *orchestrators.BLUEPRINTS, *activities.BLUEPRINTS):
    app.register_functions(blueprint)
