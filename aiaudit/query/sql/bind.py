"""``:name`` parameters rendered into Logs Insights SQL text, for the AWS backend and for display.

Why in the text and token by token: AWS's StartQuery takes no separate parameters, so values must be
written into the query. The query is first checked (so what is sent is what runs locally), then each
``:name`` token pair is replaced by :func:`aiaudit.query.quoting.sql_literal` in its Spark form — every
other character of the user's query stays exactly as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlglot import TokenType, exp

from aiaudit.query.quoting import PARAM_NAME, check_names, check_value, sql_literal
from aiaudit.query.sql.dialect import LogsInsightsSQL
from aiaudit.query.sql.engine import check


def bind_text(query: str, params: Mapping[str, Any] | None) -> str:
    """The query with every ``:name`` replaced by its Spark SQL literal (lists as ``(a, b)``)."""
    tree = check(query)
    used = {str(p.this) for p in tree.find_all(exp.Placeholder) if p.this}
    check_names(used, params)
    values = dict(params or {})
    tokens = LogsInsightsSQL().tokenize(query)
    pieces: list[str] = []
    cursor = 0
    for index, token in enumerate(tokens[:-1]):
        name = tokens[index + 1]
        if token.token_type != TokenType.COLON or name.start != token.end + 1 or name.text not in used:
            continue
        if not PARAM_NAME.fullmatch(name.text):
            continue
        value = check_value(name.text, values[name.text])
        text = sql_literal(value, dialect="spark", name=name.text)
        before = tokens[index - 1] if index > 0 else None
        after = tokens[index + 2] if index + 2 < len(tokens) else None
        wrapped = before is not None and after is not None and before.token_type == TokenType.L_PAREN
        if isinstance(value, tuple) and wrapped and after is not None and after.token_type == TokenType.R_PAREN:
            text = text[1:-1]  # IN (:list) → IN ('a', 'b')
        pieces.append(query[cursor : token.start])
        pieces.append(text)
        cursor = name.end + 1
    pieces.append(query[cursor:])
    return "".join(pieces)
