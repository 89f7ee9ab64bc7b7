"""The classic (Service Management) API: migration calls, reads, and the XML ↔ model mapping.

Public API: `AsmClient` (`connectors.asm.client`), `AsmHttp` (`connectors.asm._http`), the answer
types in `connectors.asm.units`, and the parsers `connectors.asm.xml_*`.
"""

from connectors.asm._http import SERVICE_VERSIONS, AsmHttp
from connectors.asm.client import AsmClient, StartResult
from connectors.asm.units import OperationStatus, ValidationMessage, ValidationResult

__all__ = [
    "SERVICE_VERSIONS",
    "AsmClient",
    "AsmHttp",
    "OperationStatus",
    "StartResult",
    "ValidationMessage",
    "ValidationResult",
]
