"""aiaudit.sources.aws (being built)."""
