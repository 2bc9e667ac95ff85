"""aiaudit.frames (being built)."""
