"""ASM errors: `<Error><Code/><Message/></Error>` with an HTTP status."""

from __future__ import annotations

from emulator.http import PlatformError, Reply
from emulator.xmlw import E, document


class AsmError(PlatformError):
    """A synchronous ASM failure, answered with an `Error` body."""

    def body(self) -> str:
        return document("Error", [E("Code", self.code), E("Message", self.message)])

    def reply(self) -> Reply:
        return Reply(self.status, self.body())


def not_found(what: str) -> AsmError:
    return AsmError(404, "ResourceNotFound", what)


def bad_request(message: str) -> AsmError:
    return AsmError(400, "BadRequest", message)


def conflict(message: str) -> AsmError:
    return AsmError(409, "ConflictError", message)
