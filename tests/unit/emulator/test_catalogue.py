"""The emulator's message catalogues are data (`emulator/{asm,arm}/messages.toml`), checked at
import: a bad edit fails with the file and key named, before any request says it."""

from __future__ import annotations

import pytest

from emulator.arm.messages import MESSAGES as ARM_MESSAGES
from emulator.arm.messages import say as arm_say
from emulator.asm.messages import MESSAGES as ASM_MESSAGES
from emulator.asm.messages import say
from emulator.catalogue import parse_messages


def test_tables_flatten_to_keys_in_file_order() -> None:
    text = '[validate]\nassociated = "{unit} is associated with {where}."\n"associated.vm" = "VM {vm}"\n'
    assert parse_messages(text, "t.toml") == {
        "validate.associated": "{unit} is associated with {where}.",
        "validate.associated.vm": "VM {vm}",
    }


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('loose = "not in a table"', "'loose' must be a [table]"),
        ('[refuse]\nempty = "  "', "refuse.empty must be a non-empty string"),
        ("[refuse]\nnumber = 3", "refuse.number must be a non-empty string"),
        ('[refuse]\nBad_Name = "x"', "'refuse.Bad_Name' is not a key"),
        ('[refuse]\nbrace = "The {unit has no end."', "refuse.brace is not a valid template"),
    ],
)
def test_a_bad_entry_is_named(text: str, named: str) -> None:
    with pytest.raises(ValueError, match=r"^t\.toml: ") as caught:
        parse_messages(text, "t.toml")
    assert named in str(caught.value)


def test_the_catalogues_say_their_wording() -> None:
    """Keys of both sides are disjoint (ARM's under `arm.`), and `say` fills the fields."""
    assert all(key.startswith("arm.") for key in ARM_MESSAGES)
    assert not any(key.startswith("arm.") for key in ASM_MESSAGES)
    assert say("notfound.role", role="vm-1") == "The role vm-1 does not exist."
    assert arm_say("arm.group-not-found", group="rg") == "Resource group 'rg' could not be found."
    with pytest.raises(KeyError):
        say("notfound.role")
