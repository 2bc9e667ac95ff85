"""aiaudit.aws (being built)."""
