"""The emulator's own estate loader: its own model and checks, none of the app's (the bytes are
read by the shared `estate_yaml`, which reads no contract)."""

from emulator.estate.loader import EstateError, load_estate, parse_estate

__all__ = ["EstateError", "load_estate", "parse_estate"]
