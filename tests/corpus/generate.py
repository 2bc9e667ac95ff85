"""The malformed-input corpus: one folder per defect kind, with what a correct load must report.

Why generated and not committed: the corpus holds 10 MB records, 100,000-key objects, symlink loops and
FIFOs, which a repository should not carry; the generator is deterministic (``--seed``) so every run
plants the same defects at the same offsets. Each :class:`Case` states, written by hand from how the
case is built, how many valid records it planted (``kept``), which lines must be reported skipped and
why (``skipped``), and notes the load must carry.

Run ``python tests/corpus/generate.py OUT`` to write a corpus (and ``OUT/.manifest.json``) to look at;
the tests (``tests/corpus/test_corpus.py``) generate into a temporary folder.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import os
import random
import sys
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: 2024-05-01T00:00:00Z in epoch ms (1714521600 s: checked against `date -u -d @1714521600`).
BASE_MS = 1_714_521_600_000
S3_DIR = "AWSLogs/123456789012/CloudTrail/us-east-1/2024/05/01"
S3_NAME = "123456789012_CloudTrail_us-east-1_20240501T0005Z_{}.json.gz"


@dataclass
class Case:
    """One defect kind: its files and what a correct load reports for them."""

    kind: str
    kept: int  # valid records planted (each unique: no CloudTrail de-duplication applies)
    skipped: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, reason fragment)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (file, note fragment)
    times: dict[str, list[int | None]] = field(default_factory=dict)  # file → event times (ms) in order
    files: list[str] = field(default_factory=list)


class _Ids:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> int:
        self.n += 1
        return self.n


def _event(ids: _Ids, **extra: Any) -> dict[str, Any]:
    """A small, real-shaped CloudTrail event with ids unique across the corpus."""
    i = ids.next()
    return {
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"},
        "eventTime": f"2024-05-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "GetObject",
        "awsRegion": "us-east-1",
        "requestID": f"req-{i}",
        "eventID": f"evt-{i:08d}",
        **extra,
    }


def _invocation(ids: _Ids, **extra: Any) -> dict[str, Any]:
    i = ids.next()
    return {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": "2024-05-01T00:00:07Z",
        "accountId": "123456789012",
        "identity": {"arn": "arn:aws:iam::123456789012:user/alice"},
        "region": "us-east-1",
        "requestId": f"inv-{i}",
        "operation": "Converse",
        "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
        **extra,
    }


def _span(ids: _Ids, **extra: Any) -> dict[str, Any]:
    i = ids.next()
    return {
        "resource": {"attributes": {"service.name": "agent"}},
        "traceId": f"{i:032x}",
        "spanId": f"{i:016x}",
        "name": "chat",
        "startTimeUnixNano": 1714521607123456789,
        "endTimeUnixNano": 1714521608123456789,
        "attributes": {"session.id": f"s-{i}"},
        **extra,
    }


def _runtime(ids: _Ids) -> dict[str, Any]:
    i = ids.next()
    return {
        "resource": {"attributes": {"service.name": "agent"}},
        "timeUnixNano": 1714521607123456789,
        "observedTimeUnixNano": 1714521607123456789,
        "severityNumber": 9,
        "body": f"log line {i}",
        "traceId": f"{i:032x}",
    }


def _lines(objs: list[Any]) -> str:
    return "".join(json.dumps(o, separators=(",", ":")) + "\n" for o in objs)


def _stored_gzip(data: bytes) -> bytes:
    """gzip with deflate 'stored' blocks: a cut at payload byte N keeps exactly N bytes."""
    return gzip.compress(data, compresslevel=0, mtime=0)


class Corpus:
    """Writes the cases into ``root``; ``cases`` lists them in order."""

    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.ids = _Ids()
        self.cases: list[Case] = []

    def case(self, kind: str, kept: int, **kw: Any) -> Case:
        case = Case(kind, kept, **kw)
        self.cases.append(case)
        return case

    def write(self, case: Case, name: str, data: bytes | str) -> Path:
        path = self.root / case.kind / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        case.files.append(f"{case.kind}/{name}")
        return path

    def events(self, n: int, **extra: Any) -> list[dict[str, Any]]:
        return [_event(self.ids, **extra) for _ in range(n)]

    # -- compression -------------------------------------------------------------------------------
    def gzip_cases(self) -> None:
        lines = [json.dumps(e) for e in self.events(10)]
        text = "".join(line + "\n" for line in lines)
        cut = text.index(lines[6]) + 40
        c = self.case("gzip-truncated-mid-record", 6, skipped=[("a.jsonl.gz", 7, "truncated gzip")])
        self.write(c, "a.jsonl.gz", _stored_gzip(text.encode())[: 10 + 5 + cut])

        c = self.case("gzip-truncated-in-header", 0, skipped=[("a.jsonl.gz", 1, "truncated gzip")])
        self.write(c, "a.jsonl.gz", gzip.compress(_lines(self.events(3)).encode())[:6])

        text = _lines(self.events(3))
        c = self.case("gzip-truncated-at-line-boundary", 3, skipped=[("a.jsonl.gz", 4, "truncated gzip")])
        self.write(c, "a.jsonl.gz", _stored_gzip(text.encode())[: 10 + 5 + len(text)])

        members = b"".join(gzip.compress(_lines(self.events(n)).encode()) for n in (3, 2, 4))
        c = self.case("gzip-concatenated-members", 9)
        self.write(c, "a.jsonl.gz", members)

        good = gzip.compress(_lines(self.events(2)).encode())
        bad = bytearray(gzip.compress(_lines(self.events(2)).encode()))
        bad[12:20] = b"\xff" * 8
        c = self.case("gzip-corrupt-second-member", 2, skipped=[("a.jsonl.gz", 3, "corrupt gzip member 2")])
        self.write(c, "a.jsonl.gz", good + bytes(bad))

        data = bytearray(gzip.compress(_lines(self.events(5)).encode()))
        data[-8] ^= 0xFF  # the CRC32 in the trailer: every byte of data is intact
        c = self.case("gzip-bad-crc", 5, skipped=[("a.jsonl.gz", 6, "incorrect data check")])
        self.write(c, "a.jsonl.gz", bytes(data))

        data = gzip.compress(_lines(self.events(3)).encode()) + b"this is not gzip"
        c = self.case("gzip-trailing-garbage", 3, skipped=[("a.jsonl.gz", 4, "trailing bytes after gzip member 1")])
        self.write(c, "a.jsonl.gz", data)

        c = self.case("gzip-of-nothing", 0, notes=[("a.json.gz", "empty after decompression")])
        self.write(c, "a.json.gz", gzip.compress(b""))

        events = self.events(5)
        doc = json.dumps({"Records": events}, separators=(",", ":"))
        cut = doc.index(events[3]["requestID"])
        name = f"{S3_DIR}/{S3_NAME.format('trunc')}"
        c = self.case("gzip-s3-delivery-truncated", 3, skipped=[(name, 4, "truncated gzip")])
        self.write(c, name, _stored_gzip(doc.encode())[: 10 + 5 + cut])

        docs = [json.dumps({"Records": self.events(n)}) for n in (2, 3)]
        name = f"{S3_DIR}/{S3_NAME.format('twodocs')}"
        c = self.case("gzip-s3-delivery-two-documents", 5)
        self.write(c, name, b"".join(gzip.compress(d.encode()) for d in docs))

        c = self.case("bzip2-compressed", 0, skipped=[("a.jsonl.bz2", 0, "binary content")])
        self.write(c, "a.jsonl.bz2", bz2.compress(_lines(self.events(3)).encode()))

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("a.jsonl", _lines(self.events(3)))
        c = self.case("zip-archive", 0, skipped=[("a.zip", 0, "binary content")])
        self.write(c, "a.zip", buf.getvalue())

    # -- invalid JSON --------------------------------------------------------------------------------
    def json_cases(self) -> None:
        rng = self.rng
        lines = [json.dumps(e) for e in self.events(40)]
        cut_at = sorted(rng.sample(range(40), 8))
        skipped = []
        for i in cut_at:
            lines[i] = lines[i][: rng.randrange(1, len(lines[i]))]  # a proper prefix of an object never parses
            skipped.append(("a.jsonl", i + 1, "invalid JSON"))
        c = self.case("ndjson-cut-at-random-offsets", 32, skipped=skipped)
        self.write(c, "a.jsonl", "\n".join(lines) + "\n")

        events = self.events(6)
        text = json.dumps(events, indent=2)
        start = text.index(events[4]["requestID"])
        offset = rng.randrange(start, start + 60)
        c = self.case("json-array-cut-at-random-offset", 4, skipped=[("a.json", 5, "element 5 onwards")])
        self.write(c, "a.json", text[:offset])

        events = self.events(5)
        text = json.dumps({"Records": events}, indent=2)
        at = text.index('"requestID": "' + events[2]["requestID"])  # between two keys: outside any string
        c = self.case("records-document-garbage-inside-element", 2, skipped=[("a.json", 3, "element 3 onwards")])
        self.write(c, "a.json", text[:at] + "#!garbage!#" + text[at:])

        lines = [json.dumps(e) for e in self.events(6)]
        garbage = "".join(rng.choice("#%&*;:<>?@^`|~abc ") for _ in range(300))
        c = self.case(
            "ndjson-garbage-lines", 6, skipped=[("a.jsonl", 3, "invalid JSON"), ("a.jsonl", 6, "invalid JSON")]
        )
        self.write(c, "a.jsonl", "\n".join([*lines[:2], garbage, *lines[2:4], "#" + garbage, *lines[4:]]) + "\n")

        text = json.dumps(self.events(1)[0], indent=2)
        c = self.case("pretty-object-truncated", 0, skipped=[("a.json", 1, "invalid JSON")])
        self.write(c, "a.json", text[: len(text) // 2])

        one, two = (json.dumps(e, indent=2) for e in self.events(2))
        n = len(one.splitlines())
        c = self.case("pretty-objects-with-junk-between", 2, skipped=[("a.json", n + 1, "not JSON")])
        self.write(c, "a.json", one + "\ngarbage here\n" + two + "\n")

        e1, e2, e3 = self.events(3)
        trailing = json.dumps(e2)[:-1] + ",}"
        comment = "// exported by hand\n"
        c = self.case(
            "json5-trailing-comma-and-comment",
            2,
            skipped=[("a.jsonl", 1, "invalid JSON"), ("a.jsonl", 3, "invalid JSON")],
        )
        self.write(c, "a.jsonl", comment + json.dumps(e1) + "\n" + trailing + "\n" + json.dumps(e3) + "\n")

        e1, e2 = self.events(2)
        c = self.case("python-repr-dicts", 1, skipped=[("a.jsonl", 1, "invalid JSON")])
        self.write(c, "a.jsonl", repr(e1) + "\n" + json.dumps(e2) + "\n")

        c = self.case("concatenated-objects-one-line", 3)
        self.write(c, "a.json", "".join(json.dumps(e) for e in self.events(3)))

        c = self.case("cr-only-line-endings", 3)
        self.write(c, "a.jsonl", "\r".join(json.dumps(e) for e in self.events(3)) + "\r")

        c = self.case("crlf-line-endings", 3)
        self.write(c, "a.jsonl", "\r\n".join(json.dumps(e) for e in self.events(3)) + "\r\n")

    # -- wrong top levels ---------------------------------------------------------------------------
    def top_level_cases(self) -> None:
        for kind, text, what in [
            ("top-level-string", '"just a string"', "a string"),
            ("top-level-number", "42", "a number"),
            ("top-level-boolean", "true", "a boolean"),
            ("top-level-null", "null", "null"),
        ]:
            c = self.case(kind, 0, skipped=[("a.json", 1, f"top-level JSON is {what}")])
            self.write(c, "a.json", text)

        c = self.case("records-not-a-list", 0, skipped=[("a.json", 1, "'Records' is an object")])
        self.write(c, "a.json", json.dumps({"Records": {"a": 1}}))

        e1, e2 = self.events(2)
        c = self.case(
            "array-with-non-objects",
            2,
            skipped=[("a.json", 1, "not a JSON object (a number)"), ("a.json", 3, "not a JSON object (null)")],
        )
        self.write(c, "a.json", json.dumps([1, e1, None, e2]))

        e1, e2 = self.events(2)
        c = self.case("array-of-arrays", 1, skipped=[("a.json", 2, "not a JSON object (an array)")])
        self.write(c, "a.json", json.dumps([e1, [e2]]))

        e1, e2 = self.events(2)
        c = self.case(
            "unrecognised-objects-among-records", 2, skipped=[("a.jsonl", 2, "unrecognised JSON object (keys: hello)")]
        )
        self.write(c, "a.jsonl", _lines([e1, {"hello": "world"}, e2]))

        c = self.case("lone-non-telemetry-object", 0, notes=[("truth.json", "not telemetry")])
        self.write(c, "truth.json", json.dumps({"incidents": [], "seed": 7}, indent=2))

        e1, e2 = self.events(2)
        c = self.case(
            "insights-results-with-junk-rows",
            2,
            skipped=[("a.json", 2, "not a JSON object (a string)")],
        )
        self.write(c, "a.json", json.dumps({"results": [e1, "junk", e2]}))

        e1 = self.events(1)[0]
        digest = {  # the keys of a real digest file (test-cloudtrail-digest-json.log in ../shared/samples)
            "awsAccountId": "123456789012",
            "digestStartTime": "2024-05-01T00:00:00Z",
            "digestEndTime": "2024-05-01T01:00:00Z",
            "digestPublicKeyFingerprint": "0123456789abcdef0123456789abcdef",
            "logFiles": [],
        }
        c = self.case("digest-object-among-events", 1, notes=[("a.jsonl", "digest object(s) skipped")])
        self.write(c, "a.jsonl", _lines([digest, e1]))

        mixed = [self.events(1)[0], _invocation(self.ids), _span(self.ids), _runtime(self.ids)]
        c = self.case("four-pipelines-in-one-file", 4)
        self.write(c, "a.jsonl", _lines(mixed))

    # -- encodings ------------------------------------------------------------------------------------
    def encoding_cases(self) -> None:
        text = _lines(self.events(2))
        c = self.case("utf8-bom-ndjson", 2)
        self.write(c, "a.jsonl", "\ufeff" + text)

        c = self.case("utf8-bom-document", 1)
        self.write(c, "a.json", "\ufeff" + json.dumps(self.events(1)[0], indent=2))

        text = "\r\n".join(json.dumps(e) for e in self.events(2))
        c = self.case("utf16-le-bom", 2)
        self.write(c, "a.json", b"\xff\xfe" + text.encode("utf-16-le"))
        text = "\r\n".join(json.dumps(e) for e in self.events(2))
        c = self.case("utf16-be-bom", 2)
        self.write(c, "a.json", b"\xfe\xff" + text.encode("utf-16-be"))

        one, two = _lines(self.events(2)), _lines(self.events(2))
        c = self.case("bom-mid-file-after-cat", 4)
        self.write(c, "a.jsonl", "\ufeff" + one + "\ufeff" + two)

        for kind, raw in [
            ("latin1-byte", b"caf\xe9"),
            ("overlong-utf8", b"\xc0\xaf"),
            ("utf8-encoded-surrogate", b"\xed\xa0\x80"),
            ("truncated-utf8-sequence", b"\xe2\x82"),
        ]:
            e1, e2, e3 = self.events(3)
            bad = json.dumps(e2).replace("alice", "BADBYTES").encode().replace(b"BADBYTES", raw)
            c = self.case(kind, 2, skipped=[("a.jsonl", 2, "invalid UTF-8 bytes")])
            self.write(c, "a.jsonl", json.dumps(e1).encode() + b"\n" + bad + b"\n" + json.dumps(e3).encode() + b"\n")

        events = self.events(3)
        data = json.dumps({"Records": events}).encode().replace(events[1]["requestID"].encode(), b"r\xe9q")
        c = self.case("invalid-utf8-in-records-document", 2, skipped=[("a.json", 2, "invalid UTF-8 bytes")])
        self.write(c, "a.json", data)

        e1, e2 = self.events(2)
        lone = json.dumps(e2)[:-1] + ', "note": "\\ud800 alone"}'
        c = self.case("json-escaped-lone-surrogate", 2, notes=[("a.jsonl", "lone UTF-16 surrogates")])
        self.write(c, "a.jsonl", json.dumps(e1) + "\n" + lone + "\n")

        e1 = self.events(1)[0]
        c = self.case("json-escaped-surrogate-pair", 1)
        self.write(c, "a.jsonl", json.dumps({**e1, "note": "\U0001f600"}, ensure_ascii=True) + "\n")

        c = self.case("cp1252-smart-quotes", 1, skipped=[("a.jsonl", 2, "invalid UTF-8 bytes")])
        e1, e2 = self.events(2)
        self.write(
            c,
            "a.jsonl",
            json.dumps(e1).encode()
            + b"\n"
            + json.dumps(e2, ensure_ascii=False).replace("alice", "\u201calice\u201d").encode("cp1252")
            + b"\n",
        )

    # -- NUL bytes --------------------------------------------------------------------------------------
    def nul_cases(self) -> None:
        e1, e2 = self.events(2)
        c = self.case("nul-line-in-ndjson", 2, skipped=[("a.jsonl", 2, "invalid JSON")])
        self.write(c, "a.jsonl", json.dumps(e1).encode() + b"\n\x00\x00\x00\x00\n" + json.dumps(e2).encode() + b"\n")

        e1, e2 = self.events(2)
        raw = json.dumps(e2).replace("alice", "al\x00ice")
        c = self.case("raw-nul-inside-string", 1, skipped=[("a.jsonl", 2, "invalid JSON")])
        self.write(c, "a.jsonl", json.dumps(e1) + "\n" + raw + "\n")

        e1 = self.events(1)[0]
        c = self.case("escaped-nul-inside-string", 1)
        self.write(c, "a.jsonl", json.dumps({**e1, "note": "a\u0000b"}) + "\n")

        c = self.case("all-nul-file", 0, skipped=[("a.json", 0, "binary content")])
        self.write(c, "a.json", b"\x00" * 8192)

        text = _lines(self.events(3))
        c = self.case("nul-padding-after-records", 3, skipped=[("a.jsonl", 4, "invalid JSON")])
        self.write(c, "a.jsonl", text.encode() + b"\x00" * 4096)

    # -- size -------------------------------------------------------------------------------------------
    def size_cases(self) -> None:
        ten_mb = 10 * 1024 * 1024
        e1, e2, e3 = self.events(3)
        e2["requestParameters"] = {"blob": "x" * ten_mb}
        text = _lines([e1, e2, e3])
        c = self.case("ten-mb-record", 3)
        self.write(c, "a.jsonl", text)
        e1, e2, e3 = self.events(3)
        e2["requestParameters"] = {"blob": "y" * ten_mb}
        c = self.case("ten-mb-record-gzip", 3)
        self.write(c, "a.jsonl.gz", gzip.compress(_lines([e1, e2, e3]).encode(), compresslevel=1))

        e1, e2 = self.events(2)
        c = self.case("ten-mb-garbage-line", 2, skipped=[("a.jsonl", 2, "invalid JSON")])
        self.write(c, "a.jsonl", json.dumps(e1) + "\n{" + "z" * ten_mb + "\n" + json.dumps(e2) + "\n")

        e1, e2, e3 = self.events(3)
        deep = "[" * 10_000 + "]" * 10_000
        c = self.case("nesting-10000-levels-in-record", 2, skipped=[("a.jsonl", 2, "nested too deeply")])
        self.write(
            c, "a.jsonl", json.dumps(e1) + "\n" + json.dumps(e2)[:-1] + f', "x": {deep}}}\n' + json.dumps(e3) + "\n"
        )

        c = self.case("nesting-10000-levels-top-level", 0, skipped=[("a.json", 1, "nested too deeply")])
        self.write(c, "a.json", '{"a":' * 10_000 + "1" + "}" * 10_000)

        e1 = self.events(1)[0]
        c = self.case("nesting-200-levels-in-record", 1)
        self.write(c, "a.jsonl", json.dumps(e1)[:-1] + ', "x": ' + "[" * 200 + "]" * 200 + "}\n")

        e1, e2 = self.events(2)
        e1["requestParameters"] = {f"k{i}": i for i in range(100_000)}
        c = self.case("hundred-thousand-key-record", 2)
        self.write(c, "a.jsonl", _lines([e1, e2]))

        e1 = self.events(1)[0]
        wide = {f"k{i}": i for i in range(100_000)}
        c = self.case("hundred-thousand-key-object-among-records", 1, skipped=[("a.jsonl", 1, "(100000 keys)")])
        self.write(c, "a.jsonl", _lines([wide, e1]))

        e1 = self.events(1)[0]
        text = json.dumps(e1)[:-1] + ', "eventName": "DeleteBucket", "eventName": "PutObject"}'
        c = self.case("duplicate-keys", 1)
        self.write(c, "a.jsonl", text + "\n")

        e1 = self.events(1)[0]
        text = json.dumps(e1)[:-1] + ', "n": Infinity, "m": NaN, "w": 123456789012345678901234567890}'
        c = self.case("infinity-nan-wide-integers", 1)
        self.write(c, "a.jsonl", text + "\n")

    # -- times ------------------------------------------------------------------------------------------
    def time_cases(self) -> None:
        t = BASE_MS + 7_000  # 2024-05-01T00:00:07Z
        for kind, value, want in [
            ("time-iso-z", "2024-05-01T00:00:07Z", t),
            ("time-iso-millis-z", "2024-05-01T00:00:07.123Z", t + 123),
            ("time-iso-micros-z", "2024-05-01T00:00:07.123456Z", t + 123),
            ("time-iso-nanos-z", "2024-05-01T00:00:07.123456789Z", t + 123),
            ("time-space-naive", "2024-05-01 00:00:07", t),
            ("time-space-millis", "2024-05-01 00:00:07.999", t + 999),
            ("time-space-nanos", "2024-05-01 00:00:07.999999999", t + 999),
            ("time-space-z", "2024-05-01 00:00:07Z", t),
            ("time-offset", "2024-05-01T02:00:07+02:00", t),
            ("time-basic-format", "20240501T000007Z", t),
            ("time-epoch-ms-number", 1714521607000, t),
            ("time-epoch-seconds-text", "1714521607", t),
        ]:
            e = self.events(1)[0]
            e["eventTime"] = value
            c = self.case(kind, 1, times={"a.jsonl": [want]})
            self.write(c, "a.jsonl", _lines([e]))

        garbage: list[Any] = [
            "redacted",
            "...",
            "",
            None,
            "2024-02-30T00:00:00Z",
            "2024-05-01T25:00:00Z",
            True,
            {"a": 1},
        ]
        events = self.events(len(garbage))
        for e, value in zip(events, garbage, strict=True):
            e["eventTime"] = value
        c = self.case("time-garbage", len(garbage), times={"a.jsonl": [None] * len(garbage)})
        self.write(c, "a.jsonl", _lines(events))

        inv = _invocation(self.ids, timestamp="2024-05-01T00:00:07.123456Z")
        span_text = _span(self.ids, startTimeUnixNano="1714521607123456789")
        span_int = _span(self.ids)
        c = self.case("time-invocation-and-span-nanos", 3, times={"a.jsonl": [t + 123, t + 123, t + 123]})
        self.write(c, "a.jsonl", _lines([inv, span_text, span_int]))

    # -- files that are not files -------------------------------------------------------------------------
    def file_cases(self) -> None:
        c = self.case("empty-file", 0, notes=[("a.json", "empty file")])
        self.write(c, "a.json", b"")
        c = self.case("whitespace-only-file", 0, notes=[("a.json", "empty file")])
        self.write(c, "a.json", b"\n\n  \t \r\n")

        c = self.case("symlink-loop", 0, skipped=[("a.json", 0, "symbolic links"), ("b.json", 0, "symbolic links")])
        folder = self.root / c.kind
        folder.mkdir(parents=True)
        os.symlink("b.json", folder / "a.json")
        os.symlink("a.json", folder / "b.json")
        c.files += [f"{c.kind}/a.json", f"{c.kind}/b.json"]

        c = self.case("dangling-symlink", 0, skipped=[("a.json", 0, "No such file")])
        (self.root / c.kind).mkdir(parents=True)
        os.symlink("nowhere.json", self.root / c.kind / "a.json")
        c.files.append(f"{c.kind}/a.json")

        c = self.case("folder-symlink-loop", 2)
        self.write(c, "sub/a.jsonl", _lines(self.events(2)))
        os.symlink("..", self.root / c.kind / "sub" / "up")

        c = self.case("fifo", 0, skipped=[("a.json", 0, "not a regular file (a FIFO)")])
        (self.root / c.kind).mkdir(parents=True)
        os.mkfifo(self.root / c.kind / "a.json")
        c.files.append(f"{c.kind}/a.json")

        e1, e2 = self.events(2)
        c = self.case(
            "cw-export-text-before-first-event",
            2,
            skipped=[("000000", 1, "text before the first timestamped event")],
        )
        lines = [
            "preamble line",
            f"2024-05-01T00:00:07.000Z {json.dumps(e1)}",
            f"2024-05-01T00:00:08.000Z {json.dumps(e2)}",
        ]
        self.write(c, "000000", "\n".join(lines) + "\n")

        e1, e2 = self.events(2)
        c = self.case("cw-export-bad-json-message", 2, skipped=[("000000", 2, "message is not valid JSON")])
        lines = [
            f"2024-05-01T00:00:07.000Z {json.dumps(e1)}",
            '2024-05-01T00:00:08.000Z {"eventVersion": "1.08", "cut',
            f"2024-05-01T00:00:09.000Z {json.dumps(e2)}",
        ]
        self.write(c, "000000", "\n".join(lines) + "\n")

        e1 = self.events(1)[0]
        e1["eventTime"] = "2024-05-01T00:00:07Z"  # the export line's own time is impossible: the event's is used
        c = self.case("cw-export-impossible-timestamp", 1, times={"000000": [BASE_MS + 7_000]})
        self.write(c, "000000", f"2024-13-45T99:99:99.000Z {json.dumps(e1)}\n")

    # -- the bulk (DuckDB) path's fallbacks ---------------------------------------------------------------
    def bulk_path_cases(self) -> None:
        events = self.events(4)
        events[1]["eventTime"] = "2024-05-01 00:00:07.123456789"
        name = f"{S3_DIR}/{S3_NAME.format('oddtime')}"
        c = self.case("s3-delivery-odd-event-time", 4)
        self.write(c, name, gzip.compress(json.dumps({"Records": events}).encode()))

        events = self.events(3)
        text = json.dumps({"Records": events})
        text = text.replace(events[1]["requestID"], "\\ud800")
        name = f"{S3_DIR}/{S3_NAME.format('surrogate')}"
        c = self.case("s3-delivery-lone-surrogate", 3, notes=[(name, "lone UTF-16 surrogates")])
        self.write(c, name, gzip.compress(text.encode()))

        events = self.events(3)
        data = json.dumps({"Records": events}).encode().replace(events[2]["requestID"].encode(), b"\xff\xfe")
        name = f"{S3_DIR}/{S3_NAME.format('badutf8')}"
        c = self.case("s3-delivery-invalid-utf8", 2, skipped=[(name, 3, "invalid UTF-8 bytes")])
        self.write(c, name, gzip.compress(data))

        events = self.events(3)
        name = f"{S3_DIR}/{S3_NAME.format('junk')}"
        c = self.case("s3-delivery-non-object-record", 3, skipped=[(name, 2, "not a JSON object (a string)")])
        self.write(c, name, gzip.compress(json.dumps({"Records": [events[0], "junk", events[1], events[2]]}).encode()))


def generate(root: Path, seed: int = 21) -> list[Case]:
    """Write the corpus under ``root`` (created; must be empty) and ``.manifest.json`` (hidden, so not
    read as data); return the cases."""
    root.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(root, seed)
    for build in (
        corpus.gzip_cases,
        corpus.json_cases,
        corpus.top_level_cases,
        corpus.encoding_cases,
        corpus.nul_cases,
        corpus.size_cases,
        corpus.time_cases,
        corpus.file_cases,
        corpus.bulk_path_cases,
    ):
        build()
    manifest = [asdict(c) for c in corpus.cases]
    (root / ".manifest.json").write_text(json.dumps(manifest, indent=1))
    return corpus.cases


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/corpus/generate.py OUT")
    cases = generate(Path(sys.argv[1]))
    print(f"{len(cases)} defect kinds, {sum(c.kept for c in cases)} valid records planted, in {sys.argv[1]}")
