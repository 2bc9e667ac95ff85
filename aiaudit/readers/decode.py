"""Bytes on disk → text, keeping everything that survives damage.

Why by hand and not ``gzip.decompress``: that call loses *all* output when a stream is truncated or
corrupt, while a load must keep every record before the damage. Members are inflated one at a time
(S3 and concatenating tools write multi-member gzip) in chunks, so a corrupt block keeps the chunks
before it. Text is UTF-8 (a BOM is dropped; UTF-16 with a BOM is accepted); bytes that are not UTF-8
are decoded with ``surrogateescape`` and their offsets kept, so the caller can skip exactly the lines
that hold them instead of the whole file.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Any

_CHUNK = 1 << 20
_SALVAGE_SLICE = 256
_GZIP_MAGIC = b"\x1f\x8b"
_BAD_CHAR = re.compile("[\udc80-\udcff]")


@dataclass
class Decoded:
    """A file's text and what went wrong on the way to it."""

    text: str
    compression: str | None = None  # "gzip" or None
    members: int = 0  # gzip members read
    damage: str | None = None  # why the decompressed data ends early (truncated/corrupt gzip)
    bad_offsets: list[int] = field(default_factory=list)  # text offsets of bytes that were not UTF-8
    binary: bool = False  # NUL bytes or mostly non-text: not a text format at all
    encoding: str = "utf-8"


def gunzip(data: bytes) -> tuple[bytes, int, str | None]:
    """Inflate every gzip member of ``data``; return (bytes, members, damage or None)."""
    out: list[bytes] = []
    members = 0
    rest = data
    while rest:
        if rest[:2] != _GZIP_MAGIC:
            if rest.strip(b"\x00"):  # trailing NUL padding is what gzip(1) tolerates too
                return b"".join(out), members, f"{len(rest)} trailing bytes after gzip member {members} are not gzip"
            break
        inflater = zlib.decompressobj(wbits=31)
        try:
            for start in range(0, len(rest), _CHUNK):
                before = inflater.copy()
                try:
                    out.append(inflater.decompress(rest[start : start + _CHUNK]))
                except zlib.error:
                    out.append(_salvage_chunk(before, rest[start : start + _CHUNK]))
                    raise
                if inflater.eof:
                    break
            out.append(inflater.flush())
        except zlib.error as exc:
            return b"".join(out), members, f"corrupt gzip member {members + 1}: {exc}"
        if not inflater.eof:
            return b"".join(out), members, f"truncated gzip: member {members + 1} ends before its end-of-stream marker"
        members += 1
        rest = inflater.unused_data
    return b"".join(out), members, None


def _salvage_chunk(inflater: Any, chunk: bytes, step: int = _SALVAGE_SLICE) -> bytes:
    """The output of ``chunk`` up to the byte where it fails, from a copy of the inflater as it was
    before the chunk. Why: a failing ``decompress`` call returns nothing, so a bad CRC in the trailer
    would otherwise cost the whole last megabyte, i.e. all of a small file. Slices first, then the
    failing slice byte by byte."""
    got: list[bytes] = []
    for start in range(0, len(chunk), step):
        before = inflater.copy()
        try:
            got.append(inflater.decompress(chunk[start : start + step]))
        except zlib.error:
            if step > 1:
                got.append(_salvage_chunk(before, chunk[start : start + step], 1))
            break
    return b"".join(got)


def _looks_binary(head: bytes) -> bool:
    """Mostly control bytes and no line that starts like JSON or an export timestamp.

    A text file with a junk line (NULs from a crash, a stray binary blob) is still read line by line,
    so its good records survive; only a file with nothing text-like up front is binary.
    """
    if not head:
        return False
    controls = head.count(0) + sum(1 for b in head if b < 9 or 13 < b < 32)
    if controls * 20 <= len(head):
        return False
    for line in head.split(b"\n")[:50]:
        start = line.lstrip(b" \t\r\xef\xbb\xbf")[:5]
        if start[:1] in (b"{", b"[") or (start[:4].isdigit() and start[4:5] == b"-"):
            return False
    return True


def decode_bytes(data: bytes) -> Decoded:
    """Decompress if gzip, then decode; never raises on content."""
    compression = None
    members = 0
    damage = None
    if data[:2] == _GZIP_MAGIC:
        compression = "gzip"
        data, members, damage = gunzip(data)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return Decoded(data.decode("utf-16"), compression, members, damage, encoding="utf-16")
        except UnicodeDecodeError:
            return Decoded("", compression, members, damage, binary=True)
    if _looks_binary(data[:4096]):
        return Decoded("", compression, members, damage, binary=True)
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    try:
        return Decoded(data.decode("utf-8"), compression, members, damage)
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="surrogateescape")
        bad = [m.start() for m in _BAD_CHAR.finditer(text)]
        return Decoded(text, compression, members, damage, bad_offsets=bad)
