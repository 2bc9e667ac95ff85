"""Reading a YAML data file against a JSON schema, with errors that name the file and the field.

Catalogue entries and playbooks are both "data with a schema"; one reader keeps their error messages
the same shape (``path: field.path: what is wrong``).
"""

from __future__ import annotations

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
    try:
        jsonschema.validate(raw, schema)
    except jsonschema.ValidationError as exc:
        field_path = ".".join(str(p) for p in exc.absolute_path) or "(top)"
        raise InputError(f"{field_path}: {exc.message}", where=str(path)) from None
    return raw
