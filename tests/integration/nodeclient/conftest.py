"""The connectors' emulator fixtures (`asm`, `admin`, `emulator`, …), shared with these tests."""

from tests.integration.connectors.conftest import (  # noqa: F401
    Admin,
    admin,
    arm_side_probe,
    asm,
    bare_asm,
    emulator,
    module_admin,
    realistic,
    settings_for,
)
