"""The emulator's own estate loader (it shares nothing with the app's, on purpose)."""

from emulator.estate.loader import EstateError, load_estate, parse_estate

__all__ = ["EstateError", "load_estate", "parse_estate"]
