"""Local Azure Functions + Durable host for Python v2 apps. Imports nothing of the app."""
