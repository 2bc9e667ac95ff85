"""SQL rules of derived values, below the store so that ingest can evaluate them (see ``stored``)."""
