"""ARM's spelling of a classic location ("West Europe" → "westeurope")."""

from __future__ import annotations


def arm_location(classic: str) -> str:
    """The ARM location name of a classic location's display name."""
    return classic.lower().replace(" ", "")
