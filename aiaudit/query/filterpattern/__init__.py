"""CloudWatch Logs filter patterns (metric filters, subscription filters, FilterLogEvents, Live Tail).

``parse(text)`` checks a pattern as AWS does (a :class:`~aiaudit.core.errors.QuerySyntaxError` with the
character offset when AWS would refuse it); ``compile_pattern(pattern, pipeline)`` turns it into a DuckDB
WHERE fragment over a store table (AWS's matching rules: a comparison on an absent field never matches, not
even ``!=``); ``matches(pattern, messages)`` answers like ``TestMetricFilter``. See ``docs/deploy.md``.
"""

from aiaudit.query.filterpattern.compile import Compiled, compile_pattern, field_sql, matches, metric_value_sql
from aiaudit.query.filterpattern.nodes import JsonPattern, Pattern, Selector
from aiaudit.query.filterpattern.parser import MAX_PATTERN_LENGTH, parse, parse_selector

__all__ = [
    "MAX_PATTERN_LENGTH",
    "Compiled",
    "JsonPattern",
    "Pattern",
    "Selector",
    "compile_pattern",
    "field_sql",
    "matches",
    "metric_value_sql",
    "parse",
    "parse_selector",
]
