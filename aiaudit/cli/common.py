"""Options every verb shares, parsed in one place (DESIGN §8).

``--source``, ``--since`` or ``--start/--end``, ``--anchor now|data-end|TIME``, ``--param k=v``,
``--format table|csv|json|parquet``. Time expressions are resolved once per run here, so every query
of one command sees the same range.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import pandas as pd

from aiaudit.core.errors import InputError
from aiaudit.core.timerange import TimeRange, resolve_window
from aiaudit.investigate.availability import range_hint
from aiaudit.sources.base import Source

FORMATS = ("table", "csv", "json", "parquet")
DEFAULT_SOURCE_ENV = "AIAUDIT_SOURCE"


def add_source(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    parser.add_argument(
        "--source",
        default=os.environ.get(DEFAULT_SOURCE_ENV),
        required=required and not os.environ.get(DEFAULT_SOURCE_ENV),
        help=f"local:PATH, aws:PROFILE@REGION[,REGION] or a name from aiaudit.toml (default: ${DEFAULT_SOURCE_ENV})",
    )
    parser.add_argument(
        "--max-scan-gb",
        type=float,
        metavar="GB",
        help="aws sources: refuse queries estimated to scan more (default: [sources.NAME] max_scan_gb; 0: no limit)",
    )


def add_time(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("time range (UTC, both ends inclusive)")
    group.add_argument("--since", help="relative (24h, 7d, 1mo, today, yesterday) or an absolute start")
    group.add_argument("--start", help="absolute start (ISO 8601 with Z) or relative (7d)")
    group.add_argument("--end", help="absolute end (default: the anchor)")
    group.add_argument(
        "--anchor",
        default="now",
        help="what relative times count back from: now (default), data-end (the data's last event), or a time",
    )


def add_params(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="K=V",
        help="query parameter; repeat for several (values are typed: 5 -> int, true -> bool, [a,b] -> list)",
    )


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    parser.add_argument("--output", "-o", help="write to this file instead of stdout (required for parquet)")


def add_common(parser: argparse.ArgumentParser, *, source_required: bool = False) -> None:
    add_source(parser, required=source_required)
    add_time(parser)
    add_params(parser)
    add_format(parser)


def parse_params(items: list[str]) -> dict[str, Any]:
    """``['n=5', 'who=arn:...', 'ids=[a,b]']`` -> typed dict. Values go through the quoting module later."""
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise InputError(f"--param {item!r}: write NAME=VALUE", where="--param")
        key, value = item.split("=", 1)
        key = key.strip()
        if not key.isidentifier():
            raise InputError(f"--param {item!r}: {key!r} is not a parameter name", where="--param")
        if key in out:
            raise InputError(f"--param {key} given twice", where="--param")
        out[key] = _typed(value)
    return out


def _typed(value: str) -> Any:
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = json.loads(text)
            if isinstance(parsed, list):
                return parsed
        except json.JSONDecodeError:
            pass
        return [_typed(part) for part in text[1:-1].split(",") if part.strip()]
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return value


def resolve_time(args: argparse.Namespace, source: Source, *, default_since: str | None = None) -> TimeRange:
    """Resolve --since/--start/--end/--anchor once (:func:`aiaudit.core.timerange.resolve_window`); with none
    of them, the verb's ``default_since``, else the source's default window (as a library call without a
    range). When a local source holds data but none in the range, say so on stderr with the option that
    covers it."""
    time_range = resolve_window(
        source.data_span,
        lookback=source.environment.default_lookback,
        since=getattr(args, "since", None),
        start=getattr(args, "start", None),
        end=getattr(args, "end", None),
        anchor=getattr(args, "anchor", "now"),
        default_since=default_since,
    )
    if source.spec.kind == "local":
        hint = range_hint(source, time_range)
        if hint:
            print(f"note: {hint}", file=sys.stderr)
    return time_range


#: Characters a terminal acts on rather than shows: C0 and C1 controls (ESC starts colour, cursor, title and
#: hyperlink sequences; CSI is a one-byte ESC[), DEL, and the bidi overrides and isolates that reorder
#: what is shown (Trojan Source). Log content is attacker-written: in a table they are shown as escapes.
_TERMINAL_UNSAFE = {
    c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"
    for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
}


def terminal_safe(text: str) -> str:
    """``text`` with every control character shown as a visible escape (``\\x1b``), so it cannot act."""
    return text.translate(_TERMINAL_UNSAFE)


def terminal_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` safe to print on a terminal: text cells and column names through
    :func:`terminal_safe` (list cells print as their ``repr``, which escapes controls already)."""
    safe = frame.copy()
    safe.columns = [terminal_safe(str(c)) for c in safe.columns]
    for column in safe.columns:
        series = safe[column]
        if not (
            pd.api.types.is_numeric_dtype(series)
            or pd.api.types.is_bool_dtype(series)
            or pd.api.types.is_datetime64_any_dtype(series)
        ):  # object, string, string[pyarrow], large_string[pyarrow] ...
            safe[column] = safe[column].map(lambda v: terminal_safe(v) if isinstance(v, str) else v)
    return safe


def emit(frame: pd.DataFrame, args: argparse.Namespace) -> None:
    """Write a frame in the chosen format."""
    fmt = getattr(args, "format", "table")
    target = getattr(args, "output", None)
    if fmt == "parquet":
        if not target:
            raise InputError("--format parquet needs --output FILE", where="--format")
        frame.to_parquet(target, index=False)
        return
    if fmt == "csv":
        text = frame.to_csv(index=False)
    elif fmt == "json":
        text = frame.to_json(orient="records", date_format="iso", force_ascii=False) + "\n"
    else:
        with pd.option_context("display.max_rows", 200, "display.max_columns", 50, "display.width", 200):
            text = (terminal_frame(frame).to_string(index=False) if len(frame) else "(no rows)") + "\n"
    if target:
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
