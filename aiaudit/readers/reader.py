"""One file → a :class:`FileLoad`: sniff the format from the content, read every record, account for the rest.

Why one orchestrator over small helpers: the decisions that need the whole picture live here (which
layout the text is in, whether a lone non-telemetry object means "not our file" or a bad record, which
log group and stream a record lands in, what a damaged file still yields); decoding, JSON splitting,
classification, times and path facts each live in their own module.

Sniffing order, on the decompressed text: empty → binary → JSON (``{``/``[`` first: one document, else
NDJSON, else a stream of values) → CloudWatch export lines (``<ISO timestamp> <message>``) → JSON
after leading junk → plain text, which is not telemetry (ignored with a note). A file is *ignored*
(``FileLoad.ignored``) only when it is as a whole not telemetry: a CloudTrail digest, a lone JSON
object of another kind (``truth.json``), text, a Bedrock ``data/`` body. Inside a file of records,
anything that is not a record is *skipped* with its line and reason; nothing is dropped silently.
"""

from __future__ import annotations

import gc
import re
import stat
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiaudit.core.config import DEFAULT_LOG_GROUPS
from aiaudit.readers import cwexport, jsontext
from aiaudit.readers.base import FileLoad, RawRecord, Skipped
from aiaudit.readers.classify import classify, is_digest, unwrap
from aiaudit.readers.decode import Decoded, decode_bytes
from aiaudit.readers.paths import PathHints, path_hints
from aiaudit.readers.timeparse import record_time

_SNIFF_LINES = 20
_RUNTIME_TEXT_STREAM = "runtime-logs"
_SCALAR_START = frozenset('"-0123456789tfn')

#: Wrapper key → format name when its items are plain records / when they carry ``CloudTrailEvent`` text.
_WRAPPER_FORMATS = {
    "Records": ("cloudtrail-s3", "cloudtrail-event-history"),
    "Events": ("json-events", "cloudtrail-lookup-events"),
    "events": ("cw-events", "cw-events"),
    "results": ("insights-results", "insights-results"),
}


def read_file(
    path: Path, root: Path | None = None, log_groups: dict[str, str] | None = None, *, lazy: bool = False
) -> FileLoad:
    """Read one file; never raises on bad content.

    ``log_groups`` maps pipeline → log-group name (``runtime_logs``: a prefix); defaults fill the rest.
    With ``lazy=True`` the records are an iterator, and ``skipped``/``notes``/``pipeline``/``ignored``
    are final only once it is exhausted (the store streams big files this way).
    """
    path = Path(path)
    reader = _FileReader(path, root, log_groups)
    records = reader.read()
    if lazy:
        reader.load.records = records
        return reader.load
    # Parsed JSON holds no reference cycles, yet building many dicts that stay alive makes the cyclic
    # collector rescan them again and again (measured: ~40% of the time of an eager read). Pause it.
    paused = gc.isenabled()
    gc.disable()
    try:
        reader.load.records = list(records)
    finally:
        if paused:
            gc.enable()
    return reader.load


class _FileReader:
    def __init__(self, path: Path, root: Path | None, log_groups: dict[str, str] | None) -> None:
        self.groups = {**DEFAULT_LOG_GROUPS, **(log_groups or {})}
        self.hints: PathHints = path_hints(path, Path(root) if root is not None else None)
        self.load = FileLoad(path=path, format="unknown", pipeline=None)
        self.counts: Counter[str] = Counter()
        self.ordinal = 0
        self.time_cache: dict[Any, int | None] = {}
        self.digests = 0
        self.damage: str | None = None
        self.damage_reported = False
        self.end_line = 1
        self.decoded: Decoded | None = None
        self.surrogates = False  # the text has \\uD800-\\uDFFF escapes: records may hold lone surrogates
        self.surrogate_records = 0

    # -- entry --------------------------------------------------------------------------------------
    def read(self) -> Iterator[RawRecord]:
        """Decode and sniff now (so ``format`` is known at once); yield records lazily."""
        load = self.load
        try:
            st = load.path.stat()
            if not stat.S_ISREG(st.st_mode):  # a FIFO would block the load forever, a device never end
                load.format = "unreadable"
                load.skipped.append(Skipped(0, f"not a regular file ({file_kind(st.st_mode)})"))
                return iter(())
            data = load.path.read_bytes()
            mtime_ms = st.st_mtime_ns // 1_000_000
        except OSError as exc:
            load.format = "unreadable"
            load.skipped.append(Skipped(0, f"cannot read file: {exc.strerror or exc}"))
            return iter(())
        load.delivery_ms = self.hints.delivery_ms if self.hints.delivery_ms is not None else mtime_ms
        if self.hints.layout == "bedrock-data":
            load.format = "bedrock-data"
            load.ignored = True
            load.notes.append(
                "Bedrock offloaded body or media (data/ folder): not a record; the invocation record points at it"
                " through input.inputBodyS3Path / output.outputBodyS3Path"
            )
            return iter(())
        decoded = self.decoded = decode_bytes(data)
        self.surrogates = _SURROGATE_ESCAPE.search(decoded.text) is not None
        self.damage = decoded.damage
        if decoded.damage:
            load.notes.append(decoded.damage)
        if decoded.binary:
            load.format = "binary"
            load.skipped.append(Skipped(0, "binary content: not gzip, not text", jsontext.excerpt(repr(data[:40]))))
            return iter(())
        text = decoded.text.removeprefix("\ufeff")
        self.end_line = text.count("\n") + 1
        if not text.strip():
            load.format = "empty"
            load.notes.append("empty file" if not decoded.compression else "empty after decompression")
            return self._finish(iter(()))
        return self._finish(self._sniff(text, decoded))

    def _sniff(self, text: str, decoded: Decoded) -> Iterator[RawRecord]:
        bad = decoded.bad_offsets
        if jsontext.starts_like_json(text):
            if not bad:
                try:
                    doc = jsontext.parse_document(text)
                except jsontext.PARSE_ERRORS:
                    pass
                else:
                    start_line = text.count("\n", 0, len(text) - len(text.lstrip())) + 1
                    return self._document(doc, start_line, single_line="\n" not in text.strip())
            return self._json_values(text, decoded)
        if text.lstrip()[:1] in _SCALAR_START and not bad:
            try:
                return self._document(jsontext.parse_document(text), 1, single_line=True)
            except jsontext.PARSE_ERRORS:
                pass
        lines = text.split("\n")
        early = [line for line in lines[: _SNIFF_LINES * 5] if line.strip()][:_SNIFF_LINES]
        if any(cwexport.is_export_line(line) for line in early):
            self.load.format = "cw-export"
            return self._cw_export(lines, decoded)
        if any(jsontext.starts_like_json(line) for line in early):
            return self._json_values(text, decoded)
        self.load.format = "text"
        self.load.ignored = True
        self.load.notes.append(f"not a telemetry format (text; first line: {jsontext.excerpt(early[0], 80)!r})")
        return iter(())

    def _json_values(self, text: str, decoded: Decoded) -> Iterator[RawRecord]:
        lines = text.split("\n")
        line_delimited = jsontext.looks_line_delimited(lines)
        if line_delimited and not decoded.bad_offsets:
            self.load.format = "ndjson"
            items = jsontext.iter_lines(lines, self.damage)
        else:
            # Bytes that are not UTF-8 need the offset-aware stream, which skips just the values holding them.
            self.load.format = "ndjson" if line_delimited else "json-stream"
            del lines
            items = jsontext.iter_stream(text, decoded.bad_offsets, self.damage)
        return self._values(items)

    # -- layouts --------------------------------------------------------------------------------------
    def _document(self, doc: Any, line: int, single_line: bool) -> Iterator[RawRecord]:
        """One JSON value is the whole file: a wrapper of records, an array, or one object."""
        if isinstance(doc, list):
            self.load.format = "cloudtrail-event-history" if doc and _has_cloudtrail_text(doc[0]) else "json-array"
            return self._elements(doc, None)
        if not isinstance(doc, dict):
            self.load.format = "json-scalar"
            self._skip(line, f"top-level JSON is {_type_name(doc)}, not an object or array", jsontext.compact(doc))
            return iter(())
        key = _wrapper_key(doc)
        if key is not None:
            plain, wrapped = _WRAPPER_FORMATS[key]
            items = doc[key]
            self.load.format = wrapped if items and _has_cloudtrail_text(items[0]) else plain
            return self._elements(items, None)
        if "Records" in doc and classify(doc) is None:
            self.load.format = "cloudtrail-s3"
            self._skip(line, f"'Records' is {_type_name(doc['Records'])}, not a list of events", jsontext.compact(doc))
            return iter(())
        self.load.format = "ndjson" if single_line else "json-object"
        record = self._emit(doc, line, single=True)
        return iter(() if record is None else (record,))

    def _values(self, items: Iterator[jsontext.Item]) -> Iterator[RawRecord]:
        for item in items:
            if isinstance(item, jsontext.Bad):
                self._skip(item.line, item.reason, item.excerpt)
                continue
            obj = item.obj
            if isinstance(obj, list):
                yield from self._elements(obj, item.line)
            elif isinstance(obj, dict) and (key := _wrapper_key(obj)) is not None:
                yield from self._elements(obj[key], item.line)
            elif (record := self._emit(obj, item.line)) is not None:
                yield record

    def _elements(self, items: list[Any], line: int | None) -> Iterator[RawRecord]:
        """Items of an array/wrapper: numbered by index in a document, by the holder's line otherwise."""
        emit = self._emit
        for index, obj in enumerate(items, 1):
            record = emit(obj, index if line is None else line)
            if record is not None:
                yield record

    def _cw_export(self, lines: list[str], decoded: Decoded) -> Iterator[RawRecord]:
        stream = self.hints.log_stream
        for event in cwexport.iter_events(lines):
            if isinstance(event, tuple):
                number, text = event
                self._skip(number, "CloudWatch export: text before the first timestamped event", text)
                continue
            message = event.message
            if decoded.bad_offsets and any("\udc80" <= c <= "\udcff" for c in message):
                self._skip(event.line, "invalid UTF-8 bytes", message)
                continue
            if message.lstrip()[:1] in ("{", "["):
                try:
                    obj = jsontext.parse_document(message)
                except jsontext.PARSE_ERRORS as exc:
                    cut = self.damage if self.damage and event.line == self._last_event_line(lines) else None
                    why = jsontext.error_text(exc).removeprefix("invalid JSON: ")
                    self._skip(event.line, cut or f"CloudWatch export: message is not valid JSON: {why}", message)
                    continue
                for item in obj if isinstance(obj, list) else [obj]:
                    record = self._emit(item, event.line, stream=stream, ts_ms=event.timestamp_ms)
                    if record is not None:
                        yield record
            elif stream and _RUNTIME_TEXT_STREAM in stream:
                yield self._text_runtime_record(message, event, stream)
            else:
                self._skip(event.line, "CloudWatch export: message is not JSON", message)

    def _last_event_line(self, lines: list[str]) -> int:
        for number in range(len(lines), 0, -1):
            if cwexport.is_export_line(lines[number - 1]):
                return number
        return 0

    def _text_runtime_record(self, message: str, event: cwexport.ExportEvent, stream: str) -> RawRecord:
        """Runtime stdout (``runtime-logs`` streams) is plain text: a record whose ``@message`` is that text."""
        self.ordinal += 1
        self.counts["runtime_logs"] += 1
        flag = None if event.timestamp_ms is not None else "unparseable CloudWatch export timestamp"
        group = self.groups["runtime_logs"].rstrip("/")
        return RawRecord(
            "runtime_logs", group, stream, message, {}, event.timestamp_ms, flag, event.line, None, self.ordinal
        )

    # -- records ----------------------------------------------------------------------------------------
    def _emit(
        self, obj: Any, line: int, *, single: bool = False, stream: str | None = None, ts_ms: int | None = None
    ) -> RawRecord | None:
        """One record from one parsed value, or None (skipped, digest or ignored: accounted for here)."""
        if isinstance(obj, list) and obj and all(isinstance(x, dict) and "field" in x for x in obj):
            obj = {x["field"]: x.get("value") for x in obj}  # a GetQueryResults row
        if not isinstance(obj, dict):
            self._skip(line, f"not a JSON object ({_type_name(obj)})", jsontext.compact(obj))
            return None
        inner = unwrap(obj)
        if inner.error:
            self._skip(line, inner.error, jsontext.compact(obj))
            return None
        record = inner.obj
        if not isinstance(record, dict):
            self._skip(line, f"wrapped record is {_type_name(record)}, not an object", jsontext.compact(obj))
            return None
        if self.surrogates:
            record = self._without_lone_surrogates(record)
        pipeline = classify(record)
        if pipeline is None:
            if is_digest(record):
                self.digests += 1
            elif single:
                self.load.ignored = True
                self.load.notes.append(f"not telemetry: a JSON object with keys {_keys(record)}")
            else:
                self._skip(line, f"unrecognised JSON object (keys: {_keys(record)})", jsontext.compact(obj))
            return None
        return self._record(
            pipeline,
            record,
            line,
            stream or inner.log_stream,
            ts_ms if ts_ms is not None else inner.timestamp_ms,
            inner.ingestion_ms,
        )

    def _record(
        self,
        pipeline: str,
        data: dict[str, Any],
        line: int,
        stream: str | None,
        ts_ms: int | None,
        ingestion_ms: int | None,
    ) -> RawRecord:
        self.ordinal += 1
        self.counts[pipeline] += 1
        flag = None
        if ts_ms is None:
            ts_ms, flag = record_time(pipeline, data, self.time_cache)
        if pipeline in ("spans", "runtime_logs"):
            resource = _resource_attributes(data)
            group = self._otel_group(pipeline, resource)
            if stream is None:
                stream = _first_name(resource.get("aws.log.stream.names"))
        else:
            group = self.groups[pipeline]
        if stream is None:
            stream = self._path_stream(pipeline)
        return RawRecord(
            pipeline, group, stream, jsontext.compact(data), data, ts_ms, flag, line, ingestion_ms, self.ordinal
        )

    def _otel_group(self, pipeline: str, resource: dict[str, Any]) -> str:
        if pipeline == "spans":
            return self.groups["spans"]
        named = _first_name(resource.get("aws.log.group.names"))
        if named:
            return named
        prefix = self.groups["runtime_logs"]
        service = resource.get("service.name")
        if isinstance(service, str) and service:
            return prefix if not prefix.endswith("/") else prefix + service
        return prefix.rstrip("/")

    def _path_stream(self, pipeline: str) -> str | None:
        layout = self.hints.layout
        if (layout == "cloudtrail-s3" and pipeline == "cloudtrail") or (
            layout == "bedrock-s3" and pipeline == "invocations"
        ):
            return self.hints.log_stream
        return None

    def _without_lone_surrogates(self, record: dict[str, Any]) -> dict[str, Any]:
        """A record whose text escapes a lone UTF-16 surrogate (``"\\ud800"``: valid JSON grammar, not
        valid Unicode) with each lone surrogate replaced by U+FFFD, counted in a note. Why: no UTF-8 store,
        Arrow array or HTML page can hold a lone surrogate, and one such record used to fail the whole
        ingest; the record itself is kept."""
        cleaned = _replace_surrogates(record)
        if cleaned is not record:
            self.surrogate_records += 1
        return cleaned  # type: ignore[no-any-return]

    # -- accounting ---------------------------------------------------------------------------------------
    def _skip(self, line: int, reason: str, text: str = "") -> None:
        if self.damage and reason.startswith(self.damage):
            self.damage_reported = True
        self.load.skipped.append(Skipped(line, reason, jsontext.excerpt(text)))

    def _finish(self, records: Iterator[RawRecord]) -> Iterator[RawRecord]:
        yield from records
        load = self.load
        if self.damage and not self.damage_reported:
            load.skipped.append(Skipped(self.end_line, f"{self.damage} (data ends here)"))
        if self.counts:
            load.pipeline = self.counts.most_common(1)[0][0]
        if self.surrogate_records:
            load.notes.append(
                f"{self.surrogate_records} record(s) escape lone UTF-16 surrogates (\\ud800-\\udfff):"
                " kept, each lone surrogate replaced by U+FFFD"
            )
        if self.digests:
            if not self.counts and not load.skipped:
                load.format = "cloudtrail-digest"
                load.ignored = True
                load.notes.append("CloudTrail digest file (log-file validation: lists log files, not events): skipped")
            else:
                load.notes.append(
                    f"{self.digests} CloudTrail digest object(s) skipped: they list log files, not events"
                )


_SURROGATE_ESCAPE = re.compile(r"\\[uU][dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_surrogates(value: Any) -> Any:
    """``value`` with lone surrogates in every string (keys too) replaced by U+FFFD; the same object when
    there were none."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value) if _LONE_SURROGATE.search(value) else value
    if isinstance(value, list):
        items = [_replace_surrogates(v) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, dict):
        pairs = [(_replace_surrogates(k), _replace_surrogates(v)) for k, v in value.items()]
        same = all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(pairs, value.items(), strict=True))
        return value if same else dict(pairs)
    return value


def file_kind(mode: int) -> str:
    """What a non-regular file is, for the load report."""
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a directory"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _wrapper_key(obj: dict[str, Any]) -> str | None:
    for key in jsontext.WRAPPER_KEYS:
        if isinstance(obj.get(key), list) and classify(obj) is None:
            return key
    return None


def _has_cloudtrail_text(item: Any) -> bool:
    return isinstance(item, dict) and "CloudTrailEvent" in item


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array"}.get(
        type(value), "an object" if isinstance(value, dict) else type(value).__name__
    )


def _keys(obj: dict[str, Any], limit: int = 8) -> str:
    keys = list(obj)
    shown = ", ".join(str(k) for k in keys[:limit])
    return shown + (f", ... ({len(keys)} keys)" if len(keys) > limit else "")


def _resource_attributes(data: dict[str, Any]) -> dict[str, Any]:
    resource = data.get("resource")
    if isinstance(resource, dict):
        attributes = resource.get("attributes")
        if isinstance(attributes, dict):
            return attributes
    return {}


def _first_name(value: Any) -> str | None:
    """``aws.log.group.names`` / ``aws.log.stream.names``: a string, or a list of them (first wins)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str) and value:
        return value
    return None
