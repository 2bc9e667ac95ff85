"""Joins that say what they did: keys, observed cardinality, matched/unmatched rows per side, multiplication.

Why: a left join that silently drops unmatched rows, or fans one CloudTrail event out to five spans,
changes every count an analyst reports. Every join in :mod:`aiaudit.investigate` goes through
:func:`keyed_join`, which never matches a null key to a null key (pandas ``merge`` would), keeps every
row of the side(s) ``how`` keeps, and returns a :class:`JoinReport` with the numbers needed to judge the
result: rows and null keys per side, rows matched and unmatched per side, keys repeated per side, the
observed cardinality (``1:1``, ``1:n``, ``n:1``, ``n:m``) and ``rows_out / left_rows``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd


@dataclass
class JoinReport:
    """The honest account of one join."""

    name: str
    left: str
    right: str
    keys: list[str]
    how: str
    left_rows: int = 0
    right_rows: int = 0
    left_null_keys: int = 0
    right_null_keys: int = 0
    left_matched: int = 0
    left_unmatched: int = 0
    right_matched: int = 0
    right_unmatched: int = 0
    left_repeated_keys: int = 0
    right_repeated_keys: int = 0
    cardinality: str = "1:1"
    rows_out: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def multiplication(self) -> float:
        """Output rows per left row (1.0 = no fan-out; above 1 = rows were multiplied)."""
        return self.rows_out / self.left_rows if self.left_rows else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["multiplication"] = round(self.multiplication, 4)
        return data

    def __str__(self) -> str:
        return (
            f"{self.name}: {self.left} {self.how} {self.right} on {', '.join(self.keys)} [{self.cardinality}] — "
            f"{self.left}: {self.left_matched}/{self.left_rows} matched, {self.left_unmatched} unmatched, "
            f"{self.left_null_keys} without key; {self.right}: {self.right_matched}/{self.right_rows} matched, "
            f"{self.right_unmatched} unmatched, {self.right_null_keys} without key; "
            f"{self.rows_out} rows out (×{self.multiplication:.2f})"
        )


def reports_frame(reports: list[JoinReport]) -> pd.DataFrame:
    """Several join reports as one table (notebooks show it beside the joined frame)."""
    return pd.DataFrame([r.to_dict() for r in reports])


def _key(series: pd.Series) -> pd.Series:
    """Join key as text; empty strings count as missing."""
    out = series.astype("string")
    return out.where(out.notna() & (out != ""))


def cardinality(left_keys: pd.Series, right_keys: pd.Series) -> str:
    """Observed cardinality over the keys present on both sides."""
    common = set(left_keys.dropna()) & set(right_keys.dropna())
    if not common:
        return "1:1"
    lmax = int(left_keys[left_keys.isin(common)].value_counts().max())
    rmax = int(right_keys[right_keys.isin(common)].value_counts().max())
    return f"{'n' if lmax > 1 else '1'}:{'n' if rmax > 1 else '1'}".replace("n:n", "n:m")


def keyed_join(
    left: pd.DataFrame,
    right: pd.DataFrame,
    *,
    left_on: str,
    right_on: str,
    how: str = "left",
    name: str = "join",
    left_name: str = "left",
    right_name: str = "right",
    indicator: str | None = None,
) -> tuple[pd.DataFrame, JoinReport]:
    """Join on one key column per side (null never matches), with a :class:`JoinReport`.

    Both frames should already carry distinct column names (prefix them); the output keeps ``left_on``
    and ``right_on`` as they are. ``indicator`` names an optional column saying ``both``/``left_only``/
    ``right_only`` per output row.
    """
    if how not in ("left", "inner", "outer", "right"):
        raise ValueError("how must be left, inner, outer or right")
    lk, rk = _key(left[left_on]), _key(right[right_on])
    report = JoinReport(name=name, left=left_name, right=right_name, keys=[f"{left_on} = {right_on}"], how=how)
    report.left_rows, report.right_rows = len(left), len(right)
    report.left_null_keys, report.right_null_keys = int(lk.isna().sum()), int(rk.isna().sum())
    report.left_matched = int(lk.isin(set(rk.dropna())).sum())
    report.right_matched = int(rk.isin(set(lk.dropna())).sum())
    report.left_unmatched = report.left_rows - report.left_matched
    report.right_unmatched = report.right_rows - report.right_matched
    report.left_repeated_keys = int((lk.dropna().value_counts() > 1).sum())
    report.right_repeated_keys = int((rk.dropna().value_counts() > 1).sum())
    report.cardinality = cardinality(lk, rk)
    lwork = left.assign(_jk=lk.to_numpy())
    rwork = right.assign(_jk=rk.to_numpy())
    keyed_l, keyed_r = lwork[lwork["_jk"].notna()], rwork[rwork["_jk"].notna()]
    flag = "_merge" if indicator else False
    merged = keyed_l.merge(keyed_r, on="_jk", how=how, indicator=flag)  # type: ignore[arg-type]
    parts = [merged]
    if how in ("left", "outer") and len(lwork) > len(keyed_l):
        extra = lwork[lwork["_jk"].isna()]
        parts.append(extra.assign(_merge="left_only") if indicator else extra)
    if how in ("right", "outer") and len(rwork) > len(keyed_r):
        extra = rwork[rwork["_jk"].isna()]
        parts.append(extra.assign(_merge="right_only") if indicator else extra)
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else merged
    out = out.drop(columns=["_jk"]).reset_index(drop=True)
    if indicator:
        out = out.rename(columns={"_merge": indicator})
        out[indicator] = out[indicator].astype(str)
    report.rows_out = len(out)
    if report.cardinality != "1:1":
        report.notes.append(
            f"keys repeat ({report.left_repeated_keys} on {left_name}, {report.right_repeated_keys} on "
            f"{right_name}): rows are multiplied, ×{report.multiplication:.2f}"
        )
    return out, report


def prefixed(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """Every column renamed ``prefix + name`` (the SQL alias style of the guide: ``ct.``, ``inv.``)."""
    return frame.rename(columns={c: f"{prefix}{c}" for c in frame.columns})
