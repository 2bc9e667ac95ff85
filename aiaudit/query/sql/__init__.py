"""OpenSearch SQL as CloudWatch Logs Insights runs it, on the embedded DuckDB store.

``run_sql(store, query, time_range, params=...)`` runs a query and returns a :class:`~aiaudit.core.result.Result`;
``translate(query, ...)`` shows the DuckDB SQL it becomes (values inline, for dry runs);
``check(query)`` validates syntax and AWS's restrictions without a store; ``bind_text(query, params)`` writes
``:name`` values into the text as Spark literals (what the AWS backend sends). See ``docs/sql.md``.
"""

from aiaudit.query.sql.bind import bind_text
from aiaudit.query.sql.engine import MAX_ROWS, check, run_sql, translate

__all__ = ["MAX_ROWS", "bind_text", "check", "run_sql", "translate"]
