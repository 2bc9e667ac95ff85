"""Reading a YAML data file against a JSON schema, with errors that name the file and the field.

Catalogue entries and playbooks are both "data with a schema"; one reader keeps their error messages
the same shape (``path: field.path: what is wrong``).

The validator is built (and the schema checked against its metaschema) once per schema: ``jsonschema.validate``
re-checks the schema on every call, which made loading the catalogue's 150 entries take half a minute.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from aiaudit.core.errors import InputError


def load_validated(path: Path, schema: dict[str, Any]) -> dict[str, Any]:
    """Parse ``path`` and validate it; unknown keys are errors when the schema says so."""

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", where=str(path)) from None
    error = jsonschema.exceptions.best_match(_validator(json.dumps(schema, sort_keys=True)).iter_errors(raw))
    if error is not None:
        field_path = ".".join(str(p) for p in error.absolute_path) or "(top)"
        raise InputError(f"{field_path}: {error.message}", where=str(path))
    return raw


@lru_cache(maxsize=8)
def _validator(schema_text: str) -> Any:
    """A validator for one schema (checked against its metaschema once)."""
    schema = json.loads(schema_text)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)
