"""Parameters by query language: the one entry to the binders (SQL ``:name``, classic QL ``{{name}}``).

Why a dispatcher: the catalogue's dry runs, the local engine and the AWS backend must bind a query the
same way whatever its language, so each asks here instead of choosing a binder itself. The binders live
beside their languages (:mod:`aiaudit.query.sql.bind`, :mod:`aiaudit.query.cwli.bind`) and render values
with the one quoting module (:mod:`aiaudit.query.quoting`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiaudit.core.errors import InputError, NotImplementedYet
from aiaudit.query.cwli import bind as cwli_bind
from aiaudit.query.sql import bind as sql_bind


def names(language: str, query: str) -> list[str]:
    """The parameter names a query uses, in order of first use."""
    lang = language.lower()
    if lang == "sql":
        return sql_bind.names(query)
    if lang == "cwli":
        return cwli_bind.names(query)
    if lang == "ppl":
        return []
    raise InputError(f"unknown query language {language!r} (sql, cwli or ppl)", where="language")


def bind_text(language: str, query: str, params: Mapping[str, Any] | None) -> str:
    """The query text with its parameters written in — exactly what AWS receives."""
    lang = language.lower()
    if lang == "sql":
        return sql_bind.bind_text(query, params)
    if lang == "cwli":
        return cwli_bind.bind_text(query, params)
    if lang == "ppl":
        if params:
            raise NotImplementedYet("parameters in PPL queries are not supported; write the values in the query")
        return query
    raise InputError(f"unknown query language {language!r} (sql, cwli or ppl)", where="language")


__all__ = ["bind_text", "names"]
