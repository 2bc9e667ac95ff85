"""The DuckDB store (being built; ``schema.py`` is the table contract)."""
