"""Typed pandas frames from Arrow tables, each column converted once, with its contract dtype.

Why Arrow: the engine hands its result over as Arrow buffers; text stays in them (pandas' ``string``
dtype is Arrow-backed), numbers and flags become masked numpy arrays in one copy, times become
``datetime64[ns, UTC]`` by a cast, lists stay Arrow lists. No Python object is made per value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from aiaudit.frames.columns import COLUMNS, DTYPES

#: The Arrow type each column kind is cast to before it becomes a pandas array.
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.large_string(),
    "time": pa.timestamp("ns", tz="UTC"),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "list": pa.list_(pa.string()),
}


def _cast(values: pa.ChunkedArray, kind: str) -> pa.ChunkedArray:
    if kind == "time" and pa.types.is_timestamp(values.type) and values.type.tz is None:
        values = values.cast(pa.timestamp("ns"))  # the engine's TIMESTAMP_NS: UTC wall time
    return values.cast(ARROW_TYPES[kind])


def column(values: pa.ChunkedArray, kind: str) -> Any:
    """One Arrow column as the pandas array of its contract dtype."""
    values = _cast(values, kind)
    if kind == "time":
        return pd.Series(values.to_pandas(), copy=False).array
    if kind in ("string", "list"):
        return pd.array(values, dtype=DTYPES[kind])
    return DTYPES[kind].__from_arrow__(values)  # type: ignore[attr-defined]


def to_frame(pipeline: str, table: pa.Table, columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` of an Arrow ``table`` as a frame with the dtypes of ``pipeline``'s contract. Columns are
    converted one at a time and each Arrow column is let go once converted, so the frame's memory peaks at
    the result plus one column, not twice the result."""
    kinds = {c.name: c.kind for c in COLUMNS[pipeline]}
    rows = table.num_rows
    source = {name: table.column(name) for name in columns if name in table.column_names}
    del table
    data = {}
    for name in columns:
        values = source.pop(name, None)
        if values is None:
            values = pa.chunked_array([pa.nulls(rows)])
        elif values.num_chunks == 0:
            values = pa.chunked_array([], type=values.type)
        data[name] = column(values, kinds[name])
        del values
    return pd.DataFrame(data, index=pd.RangeIndex(rows), copy=False)
