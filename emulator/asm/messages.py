"""Every message the emulated classic platform says, by key: the catalogue docs/fidelity.md covers.

A rehearsal is only as good as the platform's words: c2arm classifies refusals and findings by
them, and an operator reads them. So each message lives once, under a stable key, in
`messages.toml` next to this module (loaded and checked at import by `emulator/catalogue.py`),
and `tests/integration/fidelity/test_catalogue.py` fails on any key without a row in
docs/fidelity.md (its source — recorded, Microsoft client, Microsoft docs — or that it is an
assumption) and on any message text written elsewhere in `emulator/asm/`.
"""

from __future__ import annotations

from pathlib import Path

from emulator.catalogue import Catalogue

CATALOGUE = Catalogue.load(Path(__file__).with_name("messages.toml"))
MESSAGES = CATALOGUE.messages
say = CATALOGUE.say
