"""aiaudit.simulate (being built)."""
