"""Peer parity: which catalogue entries cover what other tools alert on (``peers.yaml``, rows P01-P28).

Why generated from the entries: the table a security team compares tools with must not drift from what
the entries say. Each entry names the peer rows it answers in ``references:`` (an item starting with
``P05``, followed by the peer rule and, where aiaudit deliberately differs, how); :func:`peer_table`
turns those into one row per peer behaviour with the entries that cover it — for ``aiaudit catalog list
--peer`` and the table in ``docs/catalog.md`` (:func:`markdown`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from aiaudit.core.errors import InputError

FILE = Path(__file__).with_name("peers.yaml")
PEER_REF = re.compile(r"^(P\d{2})\b")
COLUMNS = ["id", "what", "peers", "entries"]


@cache
def peer_rows() -> dict[str, dict[str, Any]]:
    """P-id → ``{what, peers}``, in id order."""
    raw = yaml.safe_load(FILE.read_text(encoding="utf-8")) or {}
    for key, row in raw.items():
        if not PEER_REF.match(str(key)) or not isinstance(row, dict) or not row.get("what"):
            raise InputError(f"{key}: a peer row needs an id P01..P99 and 'what'", where=str(FILE))
    return {str(k): raw[k] for k in sorted(raw)}


def peer_refs(entry: Any) -> list[str]:
    """The peer rows an entry names in its references (``P05 Elastic ...`` → ``P05``)."""
    return [m.group(1) for ref in entry.references if (m := PEER_REF.match(ref))]


def peer_table(entries: Mapping[str, Any]) -> pd.DataFrame:
    """One row per peer behaviour: what it is, who alerts on it, and the entries that cover it."""
    covering: dict[str, list[str]] = {}
    for entry_id in sorted(entries):
        for ref in peer_refs(entries[entry_id]):
            covering.setdefault(ref, []).append(entry_id)
    unknown = sorted(set(covering) - set(peer_rows()))
    if unknown:
        raise InputError(
            f"entries {covering[unknown[0]]} reference {unknown[0]}, which peers.yaml lacks", where=str(FILE)
        )
    rows = [
        {
            "id": pid,
            "what": row["what"],
            "peers": ", ".join(row.get("peers") or []),
            "entries": ",".join(covering.get(pid, [])),
        }
        for pid, row in peer_rows().items()
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def markdown(entries: Mapping[str, Any]) -> str:
    """The peer table as Markdown (docs/catalog.md holds exactly this)."""
    lines = ["| peer row | what other tools alert on | peers | aiaudit entries |", "|---|---|---|---|"]
    for row in peer_table(entries).itertuples(index=False):
        cells = ", ".join(f"`{e}`" for e in row.entries.split(",") if e) or "—"
        lines.append(f"| {row.id} | {row.what} | {row.peers} | {cells} |")
    return "\n".join(lines) + "\n"


__all__ = ["COLUMNS", "markdown", "peer_refs", "peer_rows", "peer_table"]
