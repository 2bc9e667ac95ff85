"""aiaudit.catalog (being built)."""
