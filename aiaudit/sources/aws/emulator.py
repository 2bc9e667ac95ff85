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

**Many accounts** (``Emulator(accounts={"111111111111": backend_a, ...})``, ``aiaudit emulate --account
ID=SOURCE``): each account's data is its own local source. The endpoint also answers STS ``AssumeRole``
and ``GetCallerIdentity`` (the query protocol, XML answers) and remembers the temporary access key id it
issued for each account (from the RoleArn's account); every later request is routed to the account whose
key signed it (SigV4 ``Credential=KEY/...``). Keys it never issued are the caller's long-term credentials:
the first account served (the monitoring or management account). An AssumeRole into an account it does
not serve is refused with AccessDenied, as AWS refuses a role that does not exist.

**Monitoring account** (CloudWatch cross-account observability): the first account sees every served
account as a linked source account. Log groups named by ARN (``logGroupIdentifiers``, DescribeLogStreams'
``logGroupIdentifier``) are read from the named account's data; ``@log`` is ``ACCOUNT:GROUP`` as AWS
returns it; a row query over several accounts' groups is run on each and merged in the query's order (an
aggregation across accounts is refused: the accounts' stores are separate, so it could not be answered
exactly). DescribeLogGroups takes ``logGroupIdentifiers`` and ``includeLinkedAccounts``.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from aiaudit.core.errors import AiauditError, InputError, NotImplementedYet, QuerySyntaxError, SourceError
from aiaudit.core.timerange import TimeRange, to_utc
from aiaudit.sources.aws.execute import sort_frame
from aiaudit.sources.aws.querytext import classify_cwli, render_from
from aiaudit.sources.aws.rows import frame_to_rows
from aiaudit.sources.base import Source

TARGET_PREFIX = "Logs_20140328."
CONTENT_TYPE = "application/x-amz-json-1.1"
ACCOUNT = "000000000000"
STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
#: ``arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME[:*]``: a log group named across accounts
LOG_GROUP_ARN = re.compile(r"^arn:[a-z-]+:logs:[a-z0-9-]+:(\d{12}):log-group:([^:*]+)(?::\*)?$")
_ROLE_ARN = re.compile(r"^arn:[a-z-]+:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)$")
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


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
    #: the account whose credentials started it (another account's GetQueryResults does not find it)
    account: str = ACCOUNT
    #: account → log group names the query read there (one entry unless a monitoring account asked)
    reads: dict[str, list[str]] = field(default_factory=dict)


class Emulator:
    """The service behind the HTTP handler; usable without HTTP in tests."""

    def __init__(
        self,
        backend: Source | None = None,
        *,
        accounts: Mapping[str, Source] | None = None,
        cap: int = 10_000,
        latency_s: float = 0.0,
        faults: Faults | None = None,
        region: str = "us-east-1",
        group_facts: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        if (backend is None) == (not accounts):
            raise InputError("give the emulator one backend or accounts={ACCOUNT: backend, ...}", where="emulate")
        #: account id → the local source serving its data; the first is the caller's own account
        self.accounts: dict[str, Source] = dict(accounts) if accounts else {ACCOUNT: backend}  # type: ignore[dict-item]
        for account in self.accounts:
            if not re.fullmatch(r"\d{12}", account):
                raise InputError(f"{account!r} is not a 12-digit AWS account id", where="--account")
        self.default_account = next(iter(self.accounts))
        self.backend = self.accounts[self.default_account]
        #: temporary access key id → account, for the credentials AssumeRole issued
        self.issued: dict[str, str] = {}
        #: temporary access key id → the assumed-role ARN (what GetCallerIdentity answers)
        self.sessions: dict[str, str] = {}
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
    def handle(self, operation: str, body: dict[str, Any], *, access_key: str | None = None) -> dict[str, Any]:
        """One Logs call; ``access_key`` (the SigV4 key id that signed it) says which account asks."""
        with self._lock:
            self.calls.append(operation)
            calls = len(self.calls)
        expire = self.faults.expire_after
        if expire is not None and calls > expire:
            raise ApiError("ExpiredTokenException", "The security token included in the request is expired")
        method = getattr(self, "op_" + operation, None)
        if method is None:
            raise ApiError("UnknownOperationException", f"the emulator does not implement {operation}")
        return dict(method(body, self.account_of(access_key)))

    def account_of(self, access_key: str | None) -> str:
        """The account a request's key belongs to: the one AssumeRole issued it for, else the caller's own."""
        with self._lock:
            return self.issued.get(access_key or "", self.default_account)

    def _source_of(self, account: str) -> Source:
        return self.accounts[account]

    # -- STS --------------------------------------------------------------------------------------
    def sts(self, params: Mapping[str, str], access_key: str | None) -> str:
        """STS ``AssumeRole`` / ``GetCallerIdentity`` (query protocol): the XML answer body."""
        action = params.get("Action", "")
        caller = self.account_of(access_key)
        with self._lock:
            self.calls.append("sts:" + action)
        if action == "GetCallerIdentity":
            with self._lock:
                arn = self.sessions.get(access_key or "") or f"arn:aws:iam::{caller}:user/emulator"
            result = f"<Arn>{escape(arn)}</Arn><UserId>AIDAEMULATOR</UserId><Account>{caller}</Account>"
            return _sts_answer(action, result)
        if action != "AssumeRole":
            raise ApiError("InvalidAction", f"the emulator does not implement STS {action or '(no Action)'}")
        arn = params.get("RoleArn", "")
        session = params.get("RoleSessionName", "")
        found = _ROLE_ARN.match(arn)
        if not found or not session:
            raise ApiError("ValidationError", "RoleArn must be an IAM role ARN and RoleSessionName is required")
        account, role = found.groups()
        if account not in self.accounts:
            raise ApiError(
                "AccessDenied",
                f"User: arn:aws:iam::{caller}:user/emulator is not authorized to perform: sts:AssumeRole on "
                f"resource: {arn}",
                403,
            )
        key = "ASIA" + secrets.token_hex(8).upper()
        assumed = f"arn:aws:sts::{account}:assumed-role/{role}/{session}"
        with self._lock:
            self.issued[key] = account
            self.sessions[key] = assumed
        seconds = int(params.get("DurationSeconds") or 3600)
        expires = (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
        result = (
            f"<Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secrets.token_hex(20)}</SecretAccessKey>"
            f"<SessionToken>{secrets.token_hex(32)}</SessionToken><Expiration>{expires}</Expiration></Credentials>"
            f"<AssumedRoleUser><AssumedRoleId>AROAEMULATOR:{escape(session)}</AssumedRoleId>"
            f"<Arn>{escape(assumed)}</Arn></AssumedRoleUser>"
        )
        return _sts_answer(action, result)

    # -- accounts and log groups named by ARN -----------------------------------------------------
    def _reads(self, groups: list[str], caller: str) -> dict[str, list[str]]:
        """Log groups (names or ARNs) → account → names. An ARN of another account is read only by the
        monitoring account (the first served); to anyone else it does not exist, as to an unlinked account."""
        out: dict[str, list[str]] = {}
        for group in groups:
            found = LOG_GROUP_ARN.match(group)
            account, name = found.groups() if found else (caller, group)
            if account not in self.accounts or (account != caller and caller != self.default_account):
                raise ApiError("ResourceNotFoundException", f"The specified log group does not exist: {group}")
            out.setdefault(account, []).append(name)
        return out

    # -- queries ----------------------------------------------------------------------------------
    def op_StartQuery(self, body: dict[str, Any], caller: str = ACCOUNT) -> dict[str, Any]:
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
        if body.get("logGroupIdentifiers") and (body.get("logGroupNames") or body.get("logGroupName")):
            raise ApiError("InvalidParameterException", "logGroupIdentifiers and logGroupNames are mutually exclusive")
        if len(groups) > 50:
            raise ApiError("InvalidParameterException", f"{len(groups)} log groups; StartQuery takes at most 50")
        time_range = TimeRange(to_utc(int(body["startTime"])), to_utc(int(body["endTime"])))
        limit = int(body.get("limit") or 10_000)
        reads = self._reads(groups, caller) if groups else {caller: []}
        frame, stats = self._run_across(text, language, reads, time_range)
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
                "recordsMatched": float(stats[0] or len(rows)),
                "recordsScanned": float(stats[1]),
                "bytesScanned": float(stats[2]),
                "resultCount": float(len(rows)),
            },
            account=caller,
            reads=reads,
        )
        with self._lock:
            self.queries[query.id] = query
        return {"queryId": query.id}

    def _run_across(
        self, text: str, language: str, reads: dict[str, list[str]], time_range: TimeRange
    ) -> tuple[Any, tuple[float, float, float]]:
        """Run on each account's data the query reads; ``@log`` as ``ACCOUNT:GROUP`` where a group was
        named by ARN (a monitoring account's view). Rows of several accounts are merged in the query's order."""
        if len(reads) > 1 and language == "CWLI":
            shape = classify_cwli(text)
            if not shape.splittable:
                raise ApiError(
                    "MalformedQueryException",
                    f"the emulator cannot {shape.reason or 'aggregate'} across linked accounts (each account's "
                    "data is a separate local store); query each account, or select rows",
                )
        elif len(reads) > 1:
            raise ApiError("MalformedQueryException", "the emulator runs only classic queries across linked accounts")
        frames = []
        matched = scanned = scanned_bytes = 0.0
        for account, names in reads.items():
            result = self._run(text, language, names, time_range, account)
            frame = result.frame
            if "@log" in frame.columns and len(self.accounts) > 1:  # AWS's form; one account keeps the bare name
                frame = frame.copy()
                frame["@log"] = [f"{account}:{v}" if isinstance(v, str) and ":" not in v else v for v in frame["@log"]]
            frames.append(frame)
            matched += float(result.stats.records_matched or len(frame))
            scanned += float(result.stats.records_scanned)
            scanned_bytes += float(result.stats.bytes_scanned)
        if len(frames) == 1:
            return frames[0], (matched, scanned, scanned_bytes)
        import pandas as pd  # only a monitoring account's query across accounts merges frames

        merged = pd.concat([f for f in frames if len(f.columns)], ignore_index=True) if frames else pd.DataFrame()
        shape = classify_cwli(text)
        merged = sort_frame(merged, shape)
        if shape.newest_first and "@timestamp" in merged.columns and not shape.sort:
            merged = merged.sort_values("@timestamp", ascending=False, kind="stable").reset_index(drop=True)
        if shape.limit is not None:
            merged = merged.head(shape.limit)
        return merged, (matched, scanned, scanned_bytes)

    def _run(self, text: str, language: str, groups: list[str], time_range: TimeRange, account: str = "") -> Any:
        backend = self.accounts.get(account) or self.backend
        if language == "PPL":
            raise ApiError("MalformedQueryException", "PPL is not supported by the emulator (no local PPL engine)")
        try:
            if language == "SQL":
                return backend.query(text, time_range, language="sql")
            return backend.query(text, time_range, language="cwli", log_groups=groups or None)
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

    def _query(self, body: dict[str, Any], caller: str) -> _Query:
        with self._lock:
            query = self.queries.get(str(body.get("queryId")))
        if query is None or query.account != caller:  # a query id is the account's own, as on AWS
            raise ApiError("ResourceNotFoundException", f"query {body.get('queryId')!r} does not exist")
        return query

    def op_GetQueryResults(self, body: dict[str, Any], caller: str = ACCOUNT) -> dict[str, Any]:
        index = next(self._results)
        if 1 <= index <= self.faults.results_error:
            raise ApiError("ServiceUnavailableException", "The service is unavailable. Please try again later.", 503)
        query = self._query(body, caller)
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

    def op_StopQuery(self, body: dict[str, Any], caller: str = ACCOUNT) -> dict[str, Any]:
        query = self._query(body, caller)
        if query.status != "Running":
            raise ApiError("InvalidParameterException", f"query {query.id} has already ended ({query.status})")
        query.status = "Cancelled"
        return {"success": True}

    # -- log groups and records -------------------------------------------------------------------
    def group_names(self, account: str | None = None) -> list[str]:
        """The log groups of ``account``'s data (default: the first account's)."""
        backend = self.accounts.get(account or self.default_account) or self.backend
        names: list[str] = []
        try:
            groups = backend.sources().groups
            for column in ("log_group", "group", "logGroupName"):
                if column in groups.columns:
                    names = [str(n) for n in groups[column].dropna().unique()]
                    break
        except AiauditError:
            names = []
        if not names:
            names = [g for g in getattr(backend, "log_group_names", {}).values() if not g.endswith("/")]
        return sorted(set(names))

    def op_DescribeLogGroups(self, body: dict[str, Any], caller: str = ACCOUNT) -> dict[str, Any]:
        """The caller's groups; a monitoring account's linked accounts' too with ``includeLinkedAccounts``
        (``accountIdentifiers`` narrows them), or exactly the groups named in ``logGroupIdentifiers``."""
        prefix = body.get("logGroupNamePrefix") or ""
        pattern = body.get("logGroupNamePattern") or ""
        identifiers = [str(g) for g in body.get("logGroupIdentifiers") or []]
        if identifiers and (prefix or pattern):
            raise ApiError(
                "InvalidParameterException", "logGroupIdentifiers cannot be combined with a name prefix or pattern"
            )
        found: list[tuple[str, str]] = []
        if identifiers:
            for identifier in identifiers:
                try:
                    reads = self._reads([identifier], caller)
                except ApiError:
                    continue  # AWS lists what exists and says nothing of the rest
                ((account, (name,)),) = reads.items()
                if name in self.group_names(account):
                    found.append((account, name))
        else:
            accounts = [caller]
            if body.get("includeLinkedAccounts") and caller == self.default_account:
                wanted = [str(a) for a in body.get("accountIdentifiers") or []]
                accounts += [a for a in self.accounts if a != caller and (not wanted or a in wanted)]
            for account in accounts:
                names = self.group_names(account)
                found += [(account, n) for n in names if n.startswith(prefix) and pattern in n]
        shown = ACCOUNT if len(self.accounts) == 1 else None
        return {
            "logGroups": [
                {
                    "logGroupName": name,
                    "arn": f"arn:aws:logs:{self.region}:{shown or account}:log-group:{name}:*",
                    "logGroupArn": f"arn:aws:logs:{self.region}:{shown or account}:log-group:{name}",
                    "creationTime": 0,
                    "logGroupClass": "STANDARD",
                    **self.group_facts.get(name, {}),
                }
                for account, name in found
            ]
        }

    def _one_group(self, body: dict[str, Any], caller: str) -> tuple[str, str]:
        """``logGroupName`` or ``logGroupIdentifier`` (a name or an ARN) → (account, name), or not found."""
        group = str(body.get("logGroupName") or body.get("logGroupIdentifier") or "")
        ((account, (name,)),) = self._reads([group], caller).items()
        if name not in self.group_names(account):
            raise ApiError("ResourceNotFoundException", "The specified log group does not exist.")
        return account, name

    def op_DescribeLogStreams(self, body: dict[str, Any], caller: str = ACCOUNT) -> dict[str, Any]:
        """One stream per group holding the group's first and newest event: what ``AwsSource.data_span``
        (and so the no-range window) reads. AWS updates ``lastEventTimestamp`` within about an hour."""
        account, group = self._one_group(body, caller)
        span = self.accounts[account].data_span()
        if span is None:
            return {"logStreams": []}
        query = f"SELECT MIN(`@timestamp`) AS first, MAX(`@timestamp`) AS last FROM {render_from([group])}"
        frame = self._run(query, "SQL", [], span, account).frame
        if frame.empty or frame["last"].isna().all():
            return {"logStreams": []}
        first, last = (int(frame[c].iloc[0].timestamp() * 1000) for c in ("first", "last"))
        stream = {"logStreamName": "emulated", "creationTime": first, "firstEventTimestamp": first}
        return {"logStreams": [{**stream, "lastEventTimestamp": last, "lastIngestionTime": last}]}

    def op_GetLogRecord(self, body: dict[str, Any], caller: str = ACCOUNT) -> dict[str, Any]:
        """The record behind a pointer, looked up in the caller's data (a monitoring account's pointers
        may name a linked account's record: those are looked up there too)."""
        ptr = str(body.get("logRecordPointer"))
        readable = [caller] + ([a for a in self.accounts if a != caller] if caller == self.default_account else [])
        record = None
        error = ""
        for account in readable:
            try:
                record = self.accounts[account].record(ptr)
                break
            except AiauditError as exc:
                error = error or str(exc)
        if record is None:
            raise ApiError("ResourceNotFoundException", error or f"no record {ptr!r}")
        # As AWS: the raw text in @message plus the discovered fields, flattened with dots (at most 200).
        fields: dict[str, str] = {"@message": json.dumps(record, separators=(",", ":"), ensure_ascii=False)}
        for key, value in _flatten(record):
            if len(fields) > 200:
                break
            fields[key] = value if isinstance(value, str) else json.dumps(value)
        return {"logRecord": fields}

    def op_GetLogGroupFields(self, body: dict[str, Any], caller: str = ACCOUNT) -> dict[str, Any]:
        """Field names with the share of sampled events that have them (AWS samples ±8 min around
        ``time``; here the sample is the group's newest events)."""

        group = str(body.get("logGroupName") or body.get("logGroupIdentifier") or "")
        ((account, (group,)),) = self._reads([group], caller).items()
        span = self.accounts[account].data_span()
        if span is None:
            return {"logGroupFields": []}
        query = f"SELECT `@message` FROM {render_from([group])} ORDER BY `@timestamp` DESC LIMIT 200"
        frame = self._run(query, "SQL", [], span, account).frame
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


def _sts_answer(action: str, result: str) -> str:
    return (
        f'<{action}Response xmlns="{STS_NAMESPACE}"><{action}Result>{result}</{action}Result>'
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></{action}Response>"
    )


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
        signed = _CREDENTIAL.search(self.headers.get("Authorization", ""))
        access_key = signed.group(1) if signed else None
        if not target and "/x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
            self._sts(raw, access_key)
            return
        try:
            if not target.startswith(TARGET_PREFIX):
                raise ApiError("UnknownOperationException", f"unsupported target {target!r}")
            body = json.loads(raw or b"{}")
            self._send(200, self.emulator.handle(target[len(TARGET_PREFIX) :], body, access_key=access_key))
        except ApiError as exc:
            self._send(exc.status, {"__type": exc.code, "message": exc.message, **exc.extra})
        except (ValueError, KeyError) as exc:
            self._send(400, {"__type": "InvalidParameterException", "message": f"bad request: {exc}"})
        except Exception as exc:  # a bug in the emulator or the engine: a 500 the client can see
            self._send(500, {"__type": "ServiceUnavailableException", "message": f"{type(exc).__name__}: {exc}"})

    def _sts(self, raw: bytes, access_key: str | None) -> None:
        """STS speaks the query protocol: a form body in, XML out (errors as ``ErrorResponse``)."""
        params = {k: v[0] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
        try:
            self._send(200, self.emulator.sts(params, access_key), content_type="text/xml")
        except ApiError as exc:
            error = (
                f'<ErrorResponse xmlns="{STS_NAMESPACE}"><Error><Type>Sender</Type><Code>{escape(exc.code)}</Code>'
                f"<Message>{escape(exc.message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
            )
            self._send(exc.status, error, content_type="text/xml")

    def _send(self, status: int, payload: dict[str, Any] | str, *, content_type: str = CONTENT_TYPE) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload, default=str)
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
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
