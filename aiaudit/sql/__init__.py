"""aiaudit.sql (being built)."""
