"""Damaged and odd input, built in tmp_path: exact kept/skipped counts, lines and reasons.

A reader never raises on content; every valid record before (and after) the damage is kept, and every
skipped item names its line and why.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

from aiaudit.readers import FileLoad, RawRecord, read_file


def event(i: int, **extra: Any) -> dict[str, Any]:
    """A small but real-shaped CloudTrail event."""
    return {
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"},
        "eventTime": f"2024-05-01T00:00:{i:02d}Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "GetObject",
        "requestID": f"req-{i}",
        "eventID": f"evt-{i}",
        **extra,
    }


def line(i: int, **extra: Any) -> str:
    return json.dumps(event(i, **extra))


def load(path: Path) -> tuple[FileLoad, list[RawRecord]]:
    result = read_file(path)
    return result, list(result.records)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def gzip_stored(data: bytes) -> bytes:
    """gzip at level 0: deflate 'stored' blocks, so a cut at byte N of the payload keeps exactly N bytes."""
    return gzip.compress(data, compresslevel=0, mtime=0)


def request_ids(records: list[RawRecord]) -> list[str]:
    return [r.data["requestID"] for r in records]


# ---- invalid lines -----------------------------------------------------------------------------------------------
def test_invalid_lines_are_skipped_one_by_one(tmp_path: Path) -> None:
    text = "\n".join([line(1), '{"eventVersion": "1.08", "eventName"', line(3), "not json at all", "", line(5)])
    result, records = load(write(tmp_path, "a.jsonl", text + "\n"))
    assert result.format == "ndjson"
    assert request_ids(records) == ["req-1", "req-3", "req-5"]
    assert [r.line for r in records] == [1, 3, 6]
    assert [(s.line, s.reason.split(":")[0]) for s in result.skipped] == [(2, "invalid JSON"), (4, "invalid JSON")]
    assert result.skipped[1].excerpt == "not json at all"


def test_first_line_invalid_still_reads_the_rest(tmp_path: Path) -> None:
    text = "\n".join(["%%% garbage %%%", "also garbage", line(1), line(2)])
    result, records = load(write(tmp_path, "b.jsonl", text))
    assert request_ids(records) == ["req-1", "req-2"]
    assert [s.line for s in result.skipped] == [1, 2]


def test_unrecognised_objects_in_a_file_of_records_are_skipped(tmp_path: Path) -> None:
    text = "\n".join([line(1), json.dumps({"hello": "world"}), line(3)])
    result, records = load(write(tmp_path, "c.jsonl", text))
    assert len(records) == 2
    assert [(s.line, s.reason) for s in result.skipped] == [(2, "unrecognised JSON object (keys: hello)")]


# ---- truncated / damaged gzip ------------------------------------------------------------------------------------
def test_truncated_gzip_keeps_every_line_before_the_cut(tmp_path: Path) -> None:
    lines = [line(i) for i in range(1, 11)]
    text = "\n".join(lines) + "\n"
    cut = text.index(lines[6]) + 40  # 40 characters into line 7
    data = gzip_stored(text.encode())[: 10 + 5 + cut]  # gzip header, stored-block header, payload prefix
    result, records = load(write(tmp_path, "t.json.gz", data))
    assert request_ids(records) == [f"req-{i}" for i in range(1, 7)]
    assert len(result.skipped) == 1
    skipped = result.skipped[0]
    assert skipped.line == 7 and skipped.reason.startswith("truncated gzip")
    assert skipped.excerpt == lines[6][:40]
    assert any(note.startswith("truncated gzip") for note in result.notes)


def test_truncated_gzip_at_a_line_boundary_still_reports_the_damage(tmp_path: Path) -> None:
    text = "".join(line(i) + "\n" for i in range(1, 4))
    data = gzip_stored(text.encode())[: 10 + 5 + len(text)]  # all the data, no end of stream
    result, records = load(write(tmp_path, "t.json.gz", data))
    assert len(records) == 3
    assert [(s.line, s.reason.startswith("truncated gzip")) for s in result.skipped] == [(4, True)]


def test_truncated_gzip_records_document_keeps_complete_events(tmp_path: Path) -> None:
    events = [event(i) for i in range(1, 6)]
    text = json.dumps({"Records": events}, separators=(",", ":"))
    cut = text.index('"req-4"')  # inside event 4
    data = gzip_stored(text.encode())[: 10 + 5 + cut]
    result, records = load(write(tmp_path, "123_CloudTrail_us-east-1_20240501T0005Z_x.json.gz", data))
    assert result.format == "json-stream"
    assert request_ids(records) == ["req-1", "req-2", "req-3"]
    assert [r.line for r in records] == [1, 2, 3]  # index in the Records array
    assert len(result.skipped) == 1
    assert result.skipped[0].line == 4 and result.skipped[0].reason.startswith("truncated gzip")


def test_truncated_plain_records_document(tmp_path: Path) -> None:
    text = json.dumps({"Records": [event(i) for i in range(1, 6)]}, indent=2)
    cut = text.index('"req-4"')
    result, records = load(write(tmp_path, "records.json", text[:cut]))
    assert request_ids(records) == ["req-1", "req-2", "req-3"]
    assert len(result.skipped) == 1
    assert result.skipped[0].line == 4
    assert result.skipped[0].reason.startswith("invalid JSON")
    assert "element 4 onwards" in result.skipped[0].reason


def test_corrupt_gzip_member_keeps_the_members_before_it(tmp_path: Path) -> None:
    good = gzip.compress(("".join(line(i) + "\n" for i in (1, 2))).encode())
    bad = bytearray(gzip.compress(("".join(line(i) + "\n" for i in (3, 4))).encode()))
    bad[12:20] = b"\xff" * 8  # smash the deflate data of member 2
    result, records = load(write(tmp_path, "c.gz", good + bytes(bad)))
    assert request_ids(records) == ["req-1", "req-2"]
    assert len(result.skipped) == 1
    assert result.skipped[0].line == 3 and result.skipped[0].reason.startswith("corrupt gzip member 2")


def test_multi_member_gzip_reads_every_member(tmp_path: Path) -> None:
    one = gzip.compress(("".join(line(i) + "\n" for i in (1, 2, 3))).encode())
    two = gzip.compress(("".join(line(i) + "\n" for i in (4, 5))).encode())
    result, records = load(write(tmp_path, "m.gz", one + two))
    assert request_ids(records) == [f"req-{i}" for i in range(1, 6)]
    assert [r.line for r in records] == [1, 2, 3, 4, 5]
    assert result.skipped == [] and result.notes == []


def test_gzip_with_trailing_zero_padding_is_clean(tmp_path: Path) -> None:
    data = gzip.compress((line(1) + "\n").encode()) + b"\x00" * 512
    result, records = load(write(tmp_path, "p.gz", data))
    assert len(records) == 1 and result.skipped == []


# ---- wrong top levels --------------------------------------------------------------------------------------------
def test_array_with_non_objects(tmp_path: Path) -> None:
    result, records = load(write(tmp_path, "arr.json", json.dumps([1, "x", None, event(4)])))
    assert result.format == "json-array"
    assert [r.line for r in records] == [4]
    assert [(s.line, s.reason) for s in result.skipped] == [
        (1, "not a JSON object (a number)"),
        (2, "not a JSON object (a string)"),
        (3, "not a JSON object (null)"),
    ]


def test_scalar_top_level(tmp_path: Path) -> None:
    for name, text, kind in [("s.json", '"just a string"', "a string"), ("n.json", "42", "a number")]:
        result, records = load(write(tmp_path, name, text))
        assert records == []
        assert [(s.line, s.reason) for s in result.skipped] == [
            (1, f"top-level JSON is {kind}, not an object or array")
        ]


def test_records_that_is_not_a_list(tmp_path: Path) -> None:
    result, records = load(write(tmp_path, "r.json", json.dumps({"Records": {"a": 1}})))
    assert records == []
    assert [(s.line, s.reason) for s in result.skipped] == [(1, "'Records' is an object, not a list of events")]


def test_records_with_junk_elements(tmp_path: Path) -> None:
    result, records = load(write(tmp_path, "r.json", json.dumps({"Records": [event(1), 5, {"foo": 1}, event(4)]})))
    assert result.format == "cloudtrail-s3"
    assert [r.line for r in records] == [1, 4]
    assert [(s.line, s.reason) for s in result.skipped] == [
        (2, "not a JSON object (a number)"),
        (3, "unrecognised JSON object (keys: foo)"),
    ]


def test_lone_non_telemetry_object_is_ignored_with_a_note(tmp_path: Path) -> None:
    result, records = load(write(tmp_path, "truth.json", json.dumps({"incidents": [], "seed": 7}, indent=2)))
    assert records == [] and result.skipped == []
    assert result.ignored and result.notes == ["not telemetry: a JSON object with keys incidents, seed"]


def test_toml_and_text_are_ignored(tmp_path: Path) -> None:
    result, records = load(write(tmp_path, "aiaudit.toml", '[sources.x]\nkind = "local"\n'))
    assert (result.format, result.ignored, records, result.skipped) == ("text", True, [], [])


# ---- encodings ---------------------------------------------------------------------------------------------------
def test_non_utf8_line_is_reported(tmp_path: Path) -> None:
    bad = line(2).replace("alice", "al\udcffice").encode("utf-8", "surrogateescape")
    data = (line(1) + "\n").encode() + bad + b"\n" + (line(3) + "\n").encode()
    result, records = load(write(tmp_path, "u.jsonl", data))
    assert request_ids(records) == ["req-1", "req-3"]
    assert [(s.line, s.reason) for s in result.skipped] == [(2, "invalid UTF-8 bytes")]
    assert "\ufffd" in result.skipped[0].excerpt  # storable text, the bad byte shown as U+FFFD


def test_non_utf8_inside_a_records_document(tmp_path: Path) -> None:
    text = json.dumps({"Records": [event(1), event(2, note="BAD"), event(3)]})
    data = text.encode().replace(b"BAD", b"B\xe9D")
    result, records = load(write(tmp_path, "u.json", data))
    assert request_ids(records) == ["req-1", "req-3"]
    assert [s.line for s in result.skipped] == [2]
    assert result.skipped[0].reason.startswith("invalid UTF-8 bytes")


def test_bom_is_dropped(tmp_path: Path) -> None:
    result, records = load(write(tmp_path, "bom.jsonl", "\ufeff" + line(1) + "\n" + line(2) + "\n"))
    assert len(records) == 2 and result.skipped == []
    result, records = load(write(tmp_path, "bom.json", "\ufeff" + json.dumps(event(1), indent=2)))
    assert result.format == "json-object" and len(records) == 1


def test_utf16_with_bom(tmp_path: Path) -> None:
    _, records = load(write(tmp_path, "w.json", (line(1) + "\r\n" + line(2) + "\r\n").encode("utf-16")))
    assert request_ids(records) == ["req-1", "req-2"]


def test_crlf_lines(tmp_path: Path) -> None:
    result, records = load(write(tmp_path, "crlf.jsonl", "\r\n".join([line(1), line(2), line(3)]) + "\r\n\r\n"))
    assert request_ids(records) == ["req-1", "req-2", "req-3"]
    assert result.skipped == []
    assert all("\r" not in r.message for r in records)
    pretty = json.dumps(event(1), indent=2).replace("\n", "\r\n")
    result, records = load(write(tmp_path, "crlf.json", pretty))
    assert (result.format, len(records), result.skipped) == ("json-object", 1, [])


def test_trailing_blank_lines_and_missing_final_newline(tmp_path: Path) -> None:
    result, records = load(write(tmp_path, "a.jsonl", line(1) + "\n" + line(2) + "\n\n\n   \n"))
    assert (len(records), result.skipped) == (2, [])
    result, records = load(write(tmp_path, "b.jsonl", line(1) + "\n" + line(2)))
    assert (len(records), result.skipped) == (2, [])


# ---- empty, binary, big ------------------------------------------------------------------------------------------
def test_empty_files(tmp_path: Path) -> None:
    for name, data in [("e.json", b""), ("w.json", b"\n\n   \n"), ("e.json.gz", gzip.compress(b""))]:
        result, records = load(write(tmp_path, name, data))
        assert (result.format, records, result.skipped) == ("empty", [], []), name
        assert result.notes and result.notes[0].startswith("empty")


def test_binary_junk_file(tmp_path: Path) -> None:
    data = bytes(range(256)) * 40
    result, records = load(write(tmp_path, "junk.bin", data))
    assert (result.format, records) == ("binary", [])
    assert [(s.line, s.reason) for s in result.skipped] == [(0, "binary content: not gzip, not text")]


def test_binary_junk_line_inside_ndjson(tmp_path: Path) -> None:
    data = (line(1) + "\n").encode() + b"\x00\x01\x02\x03\xfe\xfd junk \x00\x00\n" + (line(3) + "\n").encode()
    result, records = load(write(tmp_path, "j.jsonl", data))
    assert request_ids(records) == ["req-1", "req-3"]
    assert [s.line for s in result.skipped] == [2]


def test_one_megabyte_record(tmp_path: Path) -> None:
    big = line(2, requestParameters={"blob": "x" * 1_000_000})
    text = line(1) + "\n" + big + "\n" + line(3) + "\n"
    for name, data in [("big.jsonl", text.encode()), ("big.jsonl.gz", gzip.compress(text.encode()))]:
        result, records = load(write(tmp_path, name, data))
        assert request_ids(records) == ["req-1", "req-2", "req-3"]
        assert len(records[1].message) > 1_000_000 and result.skipped == []


def test_one_megabyte_broken_record_has_a_short_excerpt(tmp_path: Path) -> None:
    text = line(1) + "\n" + '{"eventVersion":"1.08","blob":"' + "y" * 1_000_000 + "\n" + line(3) + "\n"
    result, records = load(write(tmp_path, "big.jsonl", text))
    assert len(records) == 2
    assert [s.line for s in result.skipped] == [2] and len(result.skipped[0].excerpt) == 200


# ---- layouts between the lines -----------------------------------------------------------------------------------
def test_concatenated_objects_on_one_line(tmp_path: Path) -> None:
    _, records = load(write(tmp_path, "cat.json", line(1) + line(2) + " " + line(3)))
    assert request_ids(records) == ["req-1", "req-2", "req-3"]
    assert [r.ordinal for r in records] == [1, 2, 3]


def test_pretty_objects_one_after_another_with_junk_between(tmp_path: Path) -> None:
    text = json.dumps(event(1), indent=2) + "\ngarbage here\n" + json.dumps(event(2), indent=2) + "\n"
    result, records = load(write(tmp_path, "pretty.json", text))
    assert result.format == "json-stream"
    assert request_ids(records) == ["req-1", "req-2"]
    first_lines = len(json.dumps(event(1), indent=2).splitlines())
    assert [r.line for r in records] == [1, first_lines + 2]
    assert [(s.line, s.reason) for s in result.skipped] == [(first_lines + 1, "not JSON")]


def test_truncated_pretty_object(tmp_path: Path) -> None:
    text = json.dumps(event(1), indent=2)
    result, records = load(write(tmp_path, "cut.json", text[: len(text) // 2]))
    assert records == []
    assert len(result.skipped) == 1 and result.skipped[0].line == 1


def test_zlib_error_text_is_not_raised(tmp_path: Path) -> None:
    data = b"\x1f\x8b\x08\x00" + zlib.compress(b"not really gzip")
    result, records = load(write(tmp_path, "x.gz", data))
    assert records == [] and len(result.skipped) == 1 and "gzip" in result.skipped[0].reason
