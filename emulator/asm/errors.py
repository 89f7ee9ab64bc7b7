"""ASM errors: `<Error><Code/><Message/></Error>` with an HTTP status."""

from __future__ import annotations

from emulator.xmlw import E, document


class AsmError(Exception):
    """A synchronous ASM failure; the server turns it into an `Error` body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> str:
        return document("Error", [E("Code", self.code), E("Message", self.message)])


def not_found(what: str) -> AsmError:
    return AsmError(404, "ResourceNotFound", what)


def bad_request(message: str) -> AsmError:
    return AsmError(400, "BadRequest", message)


def conflict(message: str) -> AsmError:
    return AsmError(409, "ConflictError", message)
