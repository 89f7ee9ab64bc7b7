"""ARM-shaped errors: `{"error": {"code", "message"}}`."""

from __future__ import annotations

from emulator.arm.messages import say


class ArmError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}


def group_not_found(name: str) -> ArmError:
    return ArmError(404, "ResourceGroupNotFound", say("arm.group-not-found", group=name))


def resource_not_found(rtype: str, name: str, group: str) -> ArmError:
    return ArmError(
        404, "ResourceNotFound", say("arm.resource-not-found", rtype=rtype, name=name, group=group)
    )
