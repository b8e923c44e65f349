"""`regzone levels`: per zone of a stack, its assurance level, which of the level's controls its config
meets, and what the next level would add (the upgrade path); and the levels reference in docs/."""
