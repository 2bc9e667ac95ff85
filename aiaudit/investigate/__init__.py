"""aiaudit.investigate (being built)."""
