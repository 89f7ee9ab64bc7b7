"""Local classic (ASM) + ARM platform emulator. Imports nothing of the app."""
