"""ARM-shaped errors: `{"error": {"code", "message"}}`."""

from __future__ import annotations

from emulator.arm.messages import say
from emulator.http import PlatformError, Reply, json_reply


class ArmError(PlatformError):
    def body(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}

    def reply(self) -> Reply:
        return json_reply(self.status, self.body())


def group_not_found(name: str) -> ArmError:
    return ArmError(404, "ResourceGroupNotFound", say("arm.group-not-found", group=name))


def resource_not_found(rtype: str, name: str, group: str) -> ArmError:
    return ArmError(
        404, "ResourceNotFound", say("arm.resource-not-found", rtype=rtype, name=name, group=group)
    )
