"""``aiaudit emulate``: a loopback CloudWatch Logs endpoint whose Logs Insights answers come from the
local engine, so the AWS backend (and notebooks on it) run end to end with real query semantics.

Why our own: moto's query engine ignores ``filter``, ``stats`` and SQL and always answers Complete
(``reference/logs_insights.md`` §4.1), which tests plumbing but no semantics. This speaks the same JSON
protocol (awsJson1_1, ``X-Amz-Target: Logs_20140328.<Operation>``) for StartQuery, GetQueryResults,
StopQuery, DescribeLogGroups, DescribeLogStreams, GetLogRecord and GetLogGroupFields, with a row cap (to
force splitting), latency (Scheduled/Running before Complete) and injected faults (throttling, concurrency limits, a
terminal status). Standard library only; bound to 127.0.0.1 and never to another interface, since it
serves log content without checking signatures.

Queries run when StartQuery arrives (compile errors come back as MalformedQueryException then, as on
AWS); the answer is held back until the latency has passed. Both languages run on the local engine: SQL
names its groups in FROM, a classic (CWLI) query takes them from the request's log-group parameters or
its ``SOURCE`` command, as on AWS.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiaudit.core.errors import AiauditError, InputError, NotImplementedYet, QuerySyntaxError, SourceError
from aiaudit.core.timerange import TimeRange, to_utc
from aiaudit.sources.aws.querytext import render_from
from aiaudit.sources.aws.rows import frame_to_rows
from aiaudit.sources.base import Source

TARGET_PREFIX = "Logs_20140328."
CONTENT_TYPE = "application/x-amz-json-1.1"
ACCOUNT = "000000000000"


class ApiError(Exception):
    def __init__(self, code: str, message: str, status: int = 400, **extra: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.extra = code, message, status, extra


@dataclass
class Faults:
    """Injected faults (``aiaudit emulate --fault``), each counted from the emulator's start:

    * ``throttle=N`` / ``limit_exceeded=N``: the first N StartQuery calls are throttled, the next N hit the
      concurrency quota (LimitExceededException);
    * ``status=Failed|Cancelled|Timeout|Unknown``: every query ends in that status;
    * ``results_error=N``: after the first GetQueryResults call, the next N fail with
      ServiceUnavailableException (a service error mid-run, between pages);
    * ``expire_after=N``: every call after the first N fails with ExpiredTokenException (credentials that
      expire mid-run);
    * ``delete_after=N``: StartQuery calls after the first N find the log group gone (ResourceNotFound);
    * ``cut=N``: GetQueryResults cuts every field value longer than N characters to N, as AWS is reported to
      cut ``@message`` near 1,000 characters (GetLogRecord returns the whole record).
    """

    throttle: int = 0
    limit_exceeded: int = 0
    status: str | None = None
    results_error: int = 0
    expire_after: int | None = None
    delete_after: int | None = None
    cut: int | None = None

    _COUNTS = ("throttle", "limit_exceeded", "results_error", "expire_after", "delete_after", "cut")

    @classmethod
    def parse(cls, items: list[str]) -> Faults:
        faults = cls()
        for item in items:
            key, _, value = item.partition("=")
            if key in cls._COUNTS and value.isdigit():
                setattr(faults, key, int(value))
            elif key == "status" and value in ("Failed", "Cancelled", "Timeout", "Unknown"):
                faults.status = value
            else:
                raise InputError(
                    f"unknown fault {item!r} (throttle=N, limit_exceeded=N, results_error=N, expire_after=N,"
                    " delete_after=N, cut=N, status=Failed|Cancelled|Timeout|Unknown)",
                    where="--fault",
                )
        if faults.cut is not None and faults.cut < 1:
            raise InputError("cut=N needs N >= 1", where="--fault")
        return faults


@dataclass
class _Query:
    id: str
    text: str
    language: str
    groups: list[str]
    ready_at: float
    rows: list[list[dict[str, str]]] = field(default_factory=list)
    statistics: dict[str, float] = field(default_factory=dict)
    status: str = "Running"


class Emulator:
    """The service behind the HTTP handler; usable without HTTP in tests."""

    def __init__(
        self,
        backend: Source,
        *,
        cap: int = 10_000,
        latency_s: float = 0.0,
        faults: Faults | None = None,
        region: str = "us-east-1",
        group_facts: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.backend = backend
        #: extra DescribeLogGroups fields per group (``storedBytes``, ``retentionInDays``, ``creationTime``):
        #: what AWS reports about storage, which the local data cannot say (the cost guard reads them)
        self.group_facts = group_facts or {}
        self.cap = cap
        self.latency_s = latency_s
        self.faults = faults or Faults()
        self.region = region
        self.queries: dict[str, _Query] = {}
        self.calls: list[str] = []
        self._lock = threading.Lock()
        self._starts = itertools.count()
        self._results = itertools.count()

    # -- dispatch ---------------------------------------------------------------------------------
    def handle(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.calls.append(operation)
            calls = len(self.calls)
        expire = self.faults.expire_after
        if expire is not None and calls > expire:
            raise ApiError("ExpiredTokenException", "The security token included in the request is expired")
        method = getattr(self, "op_" + operation, None)
        if method is None:
            raise ApiError("UnknownOperationException", f"the emulator does not implement {operation}")
        return dict(method(body))

    # -- queries ----------------------------------------------------------------------------------
    def op_StartQuery(self, body: dict[str, Any]) -> dict[str, Any]:
        index = next(self._starts)
        deleted = self.faults.delete_after
        if deleted is not None and index >= deleted + self.faults.throttle + self.faults.limit_exceeded:
            raise ApiError("ResourceNotFoundException", "The specified log group does not exist.")
        if index < self.faults.throttle:
            raise ApiError("ThrottlingException", "Rate exceeded")
        if index < self.faults.throttle + self.faults.limit_exceeded:
            raise ApiError("LimitExceededException", "Account maximum query concurrency limit of [15] reached.")
        language = str(body.get("queryLanguage") or "CWLI").upper()
        text = str(body.get("queryString") or "")
        groups = _groups(body)
        time_range = TimeRange(to_utc(int(body["startTime"])), to_utc(int(body["endTime"])))
        limit = int(body.get("limit") or 10_000)
        result = self._run(text, language, groups, time_range)
        frame = result.frame
        rows = frame_to_rows(frame)
        kept = rows[: min(self.cap, limit)]
        query = _Query(
            id=str(uuid.uuid4()),
            text=text,
            language=language,
            groups=groups,
            ready_at=time.monotonic() + self.latency_s,
            rows=kept,
            statistics={
                "recordsMatched": float(result.stats.records_matched or len(rows)),
                "recordsScanned": float(result.stats.records_scanned),
                "bytesScanned": float(result.stats.bytes_scanned),
                "resultCount": float(len(rows)),
            },
        )
        with self._lock:
            self.queries[query.id] = query
        return {"queryId": query.id}

    def _run(self, text: str, language: str, groups: list[str], time_range: TimeRange) -> Any:
        if language == "PPL":
            raise ApiError("MalformedQueryException", "PPL is not supported by the emulator (no local PPL engine)")
        try:
            if language == "SQL":
                return self.backend.query(text, time_range, language="sql")
            return self.backend.query(text, time_range, language="cwli", log_groups=groups or None)
        except NotImplementedYet as exc:
            message = f"the emulator's local engine does not run this query: {exc}"
            raise ApiError(
                "MalformedQueryException",
                message,
                queryCompileError={"location": {"startCharOffset": 0, "endCharOffset": 0}, "message": message},
            ) from None
        except QuerySyntaxError as exc:
            offset = exc.offset or 0
            raise ApiError(
                "MalformedQueryException",
                str(exc),
                queryCompileError={
                    "location": {"startCharOffset": offset, "endCharOffset": offset},
                    "message": exc.reason,
                },
            ) from None
        except SourceError as exc:
            raise ApiError("ResourceNotFoundException", str(exc)) from None
        except InputError as exc:
            raise ApiError("InvalidParameterException", str(exc)) from None

    def _query(self, body: dict[str, Any]) -> _Query:
        with self._lock:
            query = self.queries.get(str(body.get("queryId")))
        if query is None:
            raise ApiError("ResourceNotFoundException", f"query {body.get('queryId')!r} does not exist")
        return query

    def op_GetQueryResults(self, body: dict[str, Any]) -> dict[str, Any]:
        index = next(self._results)
        if 1 <= index <= self.faults.results_error:
            raise ApiError("ServiceUnavailableException", "The service is unavailable. Please try again later.", 503)
        query = self._query(body)
        if query.status == "Running" and time.monotonic() >= query.ready_at:
            query.status = self.faults.status or "Complete"
        out: dict[str, Any] = {"status": query.status, "queryLanguage": query.language}
        if query.status != "Complete":
            out["results"] = []
            return out
        start = int(body.get("nextToken") or 0)
        size = int(body["maxItems"]) if body.get("maxItems") and query.language == "CWLI" else len(query.rows)
        page = query.rows[start : start + size]
        if self.faults.cut is not None:
            page = [[_cut(cell, self.faults.cut) for cell in row] for row in page]
        out.update(results=page, statistics=query.statistics)
        if start + size < len(query.rows):
            out["nextToken"] = str(start + size)
        return out

    def op_StopQuery(self, body: dict[str, Any]) -> dict[str, Any]:
        query = self._query(body)
        if query.status != "Running":
            raise ApiError("InvalidParameterException", f"query {query.id} has already ended ({query.status})")
        query.status = "Cancelled"
        return {"success": True}

    # -- log groups and records -------------------------------------------------------------------
    def group_names(self) -> list[str]:
        names: list[str] = []
        try:
            groups = self.backend.sources().groups
            for column in ("log_group", "group", "logGroupName"):
                if column in groups.columns:
                    names = [str(n) for n in groups[column].dropna().unique()]
                    break
        except AiauditError:
            names = []
        if not names:
            names = [g for g in getattr(self.backend, "log_group_names", {}).values() if not g.endswith("/")]
        return sorted(set(names))

    def op_DescribeLogGroups(self, body: dict[str, Any]) -> dict[str, Any]:
        prefix = body.get("logGroupNamePrefix") or ""
        pattern = body.get("logGroupNamePattern") or ""
        names = [n for n in self.group_names() if n.startswith(prefix) and pattern in n]
        return {
            "logGroups": [
                {
                    "logGroupName": name,
                    "arn": f"arn:aws:logs:{self.region}:{ACCOUNT}:log-group:{name}:*",
                    "logGroupArn": f"arn:aws:logs:{self.region}:{ACCOUNT}:log-group:{name}",
                    "creationTime": 0,
                    "logGroupClass": "STANDARD",
                    **self.group_facts.get(name, {}),
                }
                for name in names
            ]
        }

    def op_DescribeLogStreams(self, body: dict[str, Any]) -> dict[str, Any]:
        """One stream per group holding the group's first and newest event: what ``AwsSource.data_span``
        (and so the no-range window) reads. AWS updates ``lastEventTimestamp`` within about an hour."""
        group = str(body.get("logGroupName") or body.get("logGroupIdentifier") or "")
        if group not in self.group_names():
            raise ApiError("ResourceNotFoundException", "The specified log group does not exist.")
        span = self.backend.data_span()
        if span is None:
            return {"logStreams": []}
        query = f"SELECT MIN(`@timestamp`) AS first, MAX(`@timestamp`) AS last FROM {render_from([group])}"
        frame = self._run(query, "SQL", [], span).frame
        if frame.empty or frame["last"].isna().all():
            return {"logStreams": []}
        first, last = (int(frame[c].iloc[0].timestamp() * 1000) for c in ("first", "last"))
        stream = {"logStreamName": "emulated", "creationTime": first, "firstEventTimestamp": first}
        return {"logStreams": [{**stream, "lastEventTimestamp": last, "lastIngestionTime": last}]}

    def op_GetLogRecord(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            record = self.backend.record(str(body.get("logRecordPointer")))
        except AiauditError as exc:
            raise ApiError("ResourceNotFoundException", str(exc)) from None
        # As AWS: the raw text in @message plus the discovered fields, flattened with dots (at most 200).
        fields: dict[str, str] = {"@message": json.dumps(record, separators=(",", ":"), ensure_ascii=False)}
        for key, value in _flatten(record):
            if len(fields) > 200:
                break
            fields[key] = value if isinstance(value, str) else json.dumps(value)
        return {"logRecord": fields}

    def op_GetLogGroupFields(self, body: dict[str, Any]) -> dict[str, Any]:
        """Field names with the share of sampled events that have them (AWS samples ±8 min around
        ``time``; here the sample is the group's newest events)."""

        group = str(body.get("logGroupName") or body.get("logGroupIdentifier") or "")
        span = self.backend.data_span()
        if span is None:
            return {"logGroupFields": []}
        query = f"SELECT `@message` FROM {render_from([group])} ORDER BY `@timestamp` DESC LIMIT 200"
        frame = self._run(query, "SQL", [], span).frame
        counts: dict[str, int] = {}
        for message in frame.get("@message", []):
            try:
                for name, _ in _flatten(json.loads(message)):
                    counts[name] = counts.get(name, 0) + 1
            except (TypeError, ValueError):
                continue
        total = max(len(frame), 1)
        fields = [{"name": "@timestamp", "percent": 100}, {"name": "@message", "percent": 100}]
        fields += [{"name": k, "percent": round(100 * v / total)} for k, v in sorted(counts.items())]
        return {"logGroupFields": fields}


def _cut(cell: dict[str, str], limit: int) -> dict[str, str]:
    value = cell.get("value")
    if isinstance(value, str) and len(value) > limit:
        return {**cell, "value": value[:limit]}
    return cell


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """``{"a": {"b": [1]}}`` -> ``[("a.b.0", 1)]``: Logs Insights' discovered-field names."""
    if isinstance(value, dict):
        return [item for key, sub in value.items() for item in _flatten(sub, f"{prefix}{key}.")]
    if isinstance(value, list):
        return [item for index, sub in enumerate(value) for item in _flatten(sub, f"{prefix}{index}.")]
    return [(prefix[:-1], value)] if prefix and value is not None else []


def _groups(body: dict[str, Any]) -> list[str]:
    groups: list[str] = []
    if body.get("logGroupName"):
        groups.append(str(body["logGroupName"]))
    for key in ("logGroupNames", "logGroupIdentifiers"):
        groups.extend(str(g) for g in body.get(key) or [])
    return groups


class _Handler(BaseHTTPRequestHandler):
    emulator: Emulator
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        target = self.headers.get("X-Amz-Target", "")
        try:
            if not target.startswith(TARGET_PREFIX):
                raise ApiError("UnknownOperationException", f"unsupported target {target!r}")
            body = json.loads(raw or b"{}")
            self._send(200, self.emulator.handle(target[len(TARGET_PREFIX) :], body))
        except ApiError as exc:
            self._send(exc.status, {"__type": exc.code, "message": exc.message, **exc.extra})
        except (ValueError, KeyError) as exc:
            self._send(400, {"__type": "InvalidParameterException", "message": f"bad request: {exc}"})
        except Exception as exc:  # a bug in the emulator or the engine: a 500 the client can see
            self._send(500, {"__type": "ServiceUnavailableException", "message": f"{type(exc).__name__}: {exc}"})

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, default=str).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


def serve(emulator: Emulator, port: int = 0) -> ThreadingHTTPServer:
    """Bind 127.0.0.1:``port`` (0 = any free port) and serve in a daemon thread; ``shutdown()`` stops it."""
    handler = type("Handler", (_Handler,), {"emulator": emulator})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="aiaudit-emulate", daemon=True
    ).start()
    return server


def url_of(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"
