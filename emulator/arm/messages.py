"""Every message the emulated ARM side says, by key (the ASM side's are in emulator/asm/).

One catalogue, `messages.toml` next to this module (loaded and checked at import by
`emulator/catalogue.py`), so docs/fidelity.md can give each its source and the test that pins it
(`tests/integration/fidelity/test_catalogue.py` fails on a key without a row and on a sentence
written in `emulator/arm/` outside the catalogue).
"""

from __future__ import annotations

from pathlib import Path

from emulator.catalogue import Catalogue

CATALOGUE = Catalogue.load(Path(__file__).with_name("messages.toml"))
MESSAGES = CATALOGUE.messages
say = CATALOGUE.say
