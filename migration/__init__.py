"""c2arm core: pure domain logic (estate model, prechecks, translation, planner, windows). No I/O."""
