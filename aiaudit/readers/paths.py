"""What a file's path says: which files to read, delivery time, log stream, folders that hold no records.

Why separate from content sniffing: the path is a hint, never the proof (files get renamed and
re-bundled), but some facts only live there: the S3 key time of a CloudTrail delivery (the fallback
time for records without a usable one), the log stream of a CloudWatch export (``<prefix>/<task id>/
<stream>/000000.gz``, where a stream name with ``/`` becomes nested folders), and Bedrock's ``data/``
folder of offloaded bodies and media, which are not records.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from aiaudit.readers.timeparse import parse_time_text

#: The store's own folder under a data root.
STORE_DIR = ".aiaudit"


def discover(root: Path) -> list[Path]:
    """Every candidate file under ``root`` (or ``root`` itself when it is a file), sorted.

    Skips the store's own folder, hidden files and folders, and DuckDB files (``*.duckdb*``, ``*.wal``).
    """
    root = Path(root)
    if root.is_file():
        return [root]
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    # symlinked folders are followed (log folders are often linked in), each real folder once: a link
    # back up the tree (a symlink loop) is not walked again
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        if (st.st_dev, st.st_ino) in seen:
            dirnames[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != STORE_DIR]
        for name in filenames:
            if name.startswith(".") or ".duckdb" in name:
                continue
            found.append(Path(dirpath) / name)
    return sorted(found)


@dataclass(frozen=True)
class PathHints:
    """Facts read from a file's path (relative to the data root when known)."""

    delivery_ms: int | None = None  # S3 key time, when the key carries one
    log_stream: str | None = None  # stream name the path implies (CW export, S3 delivery)
    layout: str | None = None  # "cloudtrail-s3", "cloudtrail-digest", "bedrock-s3", "bedrock-data", "cw-export"
    account: str | None = None
    region: str | None = None


def _is_uuid(part: str) -> bool:
    if len(part) != 36 or part[8] != "-" or part[13] != "-" or part[18] != "-" or part[23] != "-":
        return False
    return all(c in "0123456789abcdefABCDEF" for c in part.replace("-", ""))


def _cloudtrail_key_time(name: str) -> int | None:
    """``<acct>_CloudTrail_<region>_20240101T0005Z_<random>.json.gz`` → epoch ms of 20240101T0005Z."""
    for piece in name.split("_"):
        if len(piece) == 14 and piece[8] == "T" and piece.endswith("Z"):
            return parse_time_text(piece[:13] + "00Z")
        if len(piece) == 16 and piece[8] == "T" and piece.endswith("Z"):
            return parse_time_text(piece)
    return None


def _hour_folder_time(parts: list[str]) -> int | None:
    """``.../YYYY/MM/DD/HH/file`` → epoch ms of that hour (Bedrock S3 delivery)."""
    if len(parts) < 5:
        return None
    y, mo, d, h = parts[-5:-1]
    if len(y) == 4 and all(len(p) == 2 for p in (mo, d, h)) and (y + mo + d + h).isdigit():
        return parse_time_text(f"{y}-{mo}-{d}T{h}:00:00Z")
    return None


def path_hints(path: Path, root: Path | None = None) -> PathHints:
    """Read what the key layout tells about ``path``."""
    try:
        rel = path.relative_to(root) if root is not None and root != path else path
    except ValueError:
        rel = path
    parts = list(rel.parts)
    name = parts[-1] if parts else path.name
    for service in ("CloudTrail-Digest", "CloudTrail-Insight", "CloudTrail"):
        if service in parts:
            i = parts.index(service)
            account = parts[i - 1] if i >= 1 else None
            region = parts[i + 1] if i + 1 < len(parts) - 1 else None
            layout = "cloudtrail-digest" if service == "CloudTrail-Digest" else "cloudtrail-s3"
            stream = f"{account}_{service}_{region}" if account and region else None
            return PathHints(_cloudtrail_key_time(name), stream, layout, account, region)
    if "BedrockModelInvocationLogs" in parts:
        i = parts.index("BedrockModelInvocationLogs")
        account = parts[i - 1] if i >= 1 else None
        region = parts[i + 1] if i + 1 < len(parts) - 1 else None
        if "data" in parts[i + 1 : -1]:
            return PathHints(None, None, "bedrock-data", account, region)
        return PathHints(_hour_folder_time(parts), "aws/bedrock/modelinvocations", "bedrock-s3", account, region)
    if name.endswith(".gz") and name[:-3].isdigit() and len(parts) >= 2:
        # CreateExportTask output: <prefix>/<task id>/<stream name, maybe with slashes>/000000.gz
        for i in range(len(parts) - 2, -1, -1):
            if _is_uuid(parts[i]):
                stream = "/".join(parts[i + 1 : -1]) or None
                return PathHints(None, stream, "cw-export")
        return PathHints(None, parts[-2], "cw-export")
    return PathHints()
