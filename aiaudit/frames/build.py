"""Typed pandas columns from plain Python lists, each built once with its contract dtype.

Why not ``pd.Series(values, dtype=...)``: pandas inspects every element again to infer and validate,
which costs more than reading the values out of the JSON did. Here text goes straight to an Arrow
array (the storage of pandas' ``string`` dtype), numbers and flags straight to a numpy buffer and a
missing-mask. Values of an unexpected type fall back to the generic pandas constructor, so the result
(dtype, values, and any error) is always the one ``pd.Series(values, dtype=...)`` gives.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from aiaudit.frames.columns import DTYPES


def _generic(values: list[Any], kind: str) -> pd.Series:
    if kind == "list":
        return pd.Series(values, dtype=object)
    if kind == "float":
        return pd.Series([None if v is None else float(v) for v in values], dtype=DTYPES[kind])  # type: ignore[call-overload]
    return pd.Series(values, dtype=DTYPES[kind])  # type: ignore[call-overload]


def _strings(values: list[Any]) -> Any:
    arr = pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string()))
    if arr.dtype != DTYPES["string"]:
        raise TypeError("string storage is not pyarrow")
    return arr


_NONE = type(None)
_ARROW = {"int": (pa.int64(), frozenset({int, _NONE})), "bool": (pa.bool_(), frozenset({bool, _NONE}))}
_ARROW["float"] = (pa.float64(), frozenset({float, int, _NONE}))
_MASKED = {"int": pd.arrays.IntegerArray, "bool": pd.arrays.BooleanArray, "float": pd.arrays.FloatingArray}


def _masked(values: list[Any], kind: str) -> Any:
    """Numbers and flags via Arrow (which reads NaN as missing, like pandas) into a masked pandas array."""
    arrow_type, allowed = _ARROW[kind]
    if not set(map(type, values)) <= allowed:
        raise TypeError(f"not {kind}")
    arr = pa.array(values, type=arrow_type, from_pandas=True)
    mask = np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    data = arr.fill_null(False if kind == "bool" else 0).to_numpy(zero_copy_only=False)
    return _MASKED[kind](data, mask)


def typed_array(values: list[Any], kind: str) -> Any:
    """An array (or Series) of ``values`` (Python scalars or None) with the dtype of column kind ``kind``."""
    try:
        if kind == "string":
            return _strings(values)
        if kind in ("int", "bool", "float"):
            return _masked(values, kind)
    except (TypeError, ValueError, OverflowError, pa.ArrowException):
        pass  # an unusual value: let pandas decide (and raise) exactly as before
    return _generic(values, kind)
