"""Starting and stopping the local stack's processes (Azurite, emulator, devhost).

Used by `c2arm up` / `c2arm down` and by the test fixtures, so tests run exactly what operators run.
"""
