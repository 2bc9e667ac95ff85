"""``AwsSource``: the :class:`~aiaudit.sources.base.Source` contract over CloudWatch Logs Insights.

Glue, on purpose: query text analysis lives in :mod:`aiaudit.sources.aws.querytext`, one query's life in
:mod:`aiaudit.sources.aws.runner`, splitting and concurrency in :mod:`aiaudit.sources.aws.execute`, the cache in
:mod:`aiaudit.sources.aws.cache`, set-up checks in :mod:`aiaudit.sources.aws.check`. Projections fetch the raw
``@message`` (the focus pushed down as a superset), load the rows into an in-memory DuckDB table of the
store's layout through the row expression ingest uses, and run the projection query the local engine
runs (:mod:`aiaudit.frames.project`), because AWS discovers at most 200 fields per event and types nothing.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from aiaudit.core.config import PIPELINES, Config
from aiaudit.core.errors import InputError, SourceError
from aiaudit.core.result import ChunkStats, QueryStats, Result
from aiaudit.core.timerange import TimeRange, iso, utc_now
from aiaudit.frames.focus import FOCUS_COLUMNS, message_tokens, normalise_focus
from aiaudit.frames.project import Query, check_columns, memory_connection, prepare, run
from aiaudit.query.cwli import has_source
from aiaudit.query.params import bind_text
from aiaudit.query.quoting import cwli_literal, sql_literal
from aiaudit.sources.aws.accounts import Target, assume_all, session_name, target_key
from aiaudit.sources.aws.cache import ResultCache, cache_key
from aiaudit.sources.aws.check import inventory
from aiaudit.sources.aws.client import make_client, make_session, translate
from aiaudit.sources.aws.costguard import Estimate, check, estimate
from aiaudit.sources.aws.execute import Execution, execute, merge, sort_frame
from aiaudit.sources.aws.options import AwsOptions
from aiaudit.sources.aws.querytext import (
    MAX_GROUPS,
    Shape,
    classify_cwli,
    classify_sql,
    ensure_ptr_sql,
    render_from,
    rewrite_cwli_source,
    rewrite_sql_from,
)
from aiaudit.sources.aws.runner import Job, Outcome, Runner
from aiaudit.sources.aws.whole import Budget, Refetch, refetch_cut_messages
from aiaudit.sources.base import Source, check_focus, check_language, check_pipeline
from aiaudit.sources.spec import SourceSpec
from aiaudit.store.memory import load_messages
from aiaudit.store.tables import q

PROJECTION_FIELDS = ("@timestamp", "@message", "@log", "@logStream", "@ptr")


class AwsSource(Source):
    """``aws:PROFILE@REGION[,REGION]`` or a configured ``kind = "aws"`` source."""

    def __init__(
        self,
        spec: SourceSpec,
        config: Config,
        *,
        options: AwsOptions | None = None,
        session: Any = None,
        clients: Mapping[str, Any] | None = None,
    ) -> None:
        if not spec.regions:
            raise InputError("an aws source needs at least one region", where="source")
        self.spec = spec
        self.config = config
        self.options = options or AwsOptions.from_env()
        configured = config.sources.get(spec.name) if spec.name else None
        if not self.options.max_scan_gb and configured is not None and configured.max_scan_gb:
            self.options = self.options.with_(max_scan_gb=configured.max_scan_gb)
        #: bytes this source object's queries scanned (what the cost guard counts against max_scan_gb)
        self.scanned_bytes = 0.0
        groups = config.log_groups(spec.name)
        groups.update(spec.log_groups)
        self.log_group_names = groups
        self.regions = list(spec.regions)
        #: accounts named by the source whose role could not be assumed → why (left out, said in every result)
        self.account_errors: dict[str, str] = {}
        self._sessions: dict[str, Any] = {}
        targets = [Target(r, None, r) for r in self.regions]
        if clients is not None:
            self.clients = dict(clients)
            self._session = session
        else:
            self._session = session or make_session(spec.profile)
            if spec.accounts and not spec.monitoring:
                targets = self._assume(spec)
            pool = self.options.cwli_concurrency + self.options.sql_concurrency
            self.clients = {
                t.key: make_client(
                    self._session_of(t.key, targets), "logs", t.region, pool=pool, attempts=self.options.sdk_attempts
                )
                for t in targets
            }
        #: what each client key names: the region, or ``ACCOUNT/REGION`` for a source of many accounts
        self.targets = {t.key: t for t in targets}
        self.regions = list(self.targets)
        missing = [r for r in self.regions if r not in self.clients]
        if missing:
            raise InputError(f"no client for region {missing[0]}", where="source")
        #: a CloudWatch cross-account observability monitoring account: groups are read by ARN in the linked
        #: ``accounts`` (``monitoring = true``, or log groups named by ARN) with the source's own credentials
        self.monitoring = bool(spec.monitoring or any(g.startswith("arn:") for g in self.log_group_names.values()))
        self.linked_accounts = tuple(spec.accounts) if self.monitoring else ()
        self.cache = ResultCache(self.options.cache_dir, settle_s=self.options.cache_settle_s)
        self._prefixes: dict[tuple[str, str], list[str]] = {}
        self._lock = threading.Lock()

    def _assume(self, spec: SourceSpec) -> list[Target]:
        """Assume ``spec.role`` in every account (:mod:`aiaudit.sources.aws.accounts`); one target per
        assumed account and region."""
        import boto3  # the AWS SDK is optional until an aws: source is used

        sts = make_client(self._session, "sts", self.regions[0])
        credentials, self.account_errors = assume_all(sts, spec.accounts, spec.role or "", session_name())
        for account, found in credentials.items():
            self._sessions[account] = boto3.Session(**found)
        return [Target(target_key(a, r), a, r) for a in spec.accounts if a in credentials for r in self.regions]

    def _session_of(self, key: str, targets: list[Target] | None = None) -> Any:
        found = next((t for t in targets or self.targets.values() if t.key == key), None)
        if found is not None and found.account in self._sessions:
            return self._sessions[found.account]
        return self._session

    def service_client(self, service: str, region: str) -> Any:
        """Another service's client in the same session (``bedrock`` for the set-up check); ``region`` is a
        client key (``ACCOUNT/REGION`` on a source of many accounts)."""
        if service == "logs":
            return self.clients[region]
        with self._lock:
            if self._session is None:
                self._session = make_session(self.spec.profile)
            target = self.targets.get(region)
            return make_client(self._session_of(region), service, target.region if target else region)

    def account_notes(self) -> list[str]:
        """One sentence per account left out (its role could not be assumed)."""
        return [f"account {a} not queried: {why}" for a, why in self.account_errors.items()]

    # -- log groups -------------------------------------------------------------------------------
    def groups_for(self, name: str, region: str, *, resolve_prefix: bool = True) -> list[str]:
        """A pipeline name → its configured group(s) in ``region``; any other name is a group itself.
        A configured value ending in ``/`` or ``*`` is a prefix, listed with DescribeLogGroups."""
        configured = self.log_group_names.get(name) if name in PIPELINES else None
        if configured is None:
            return [name]
        if self.monitoring:
            return self._linked_groups(name, configured, region, resolve_prefix=resolve_prefix)
        if not configured.endswith(("/", "*")):
            return [configured]
        prefix = configured.rstrip("*")
        if not resolve_prefix:
            return [prefix + "*"]
        return self._prefix_groups(prefix, region, pipeline=name)

    def _linked_groups(self, pipeline: str, configured: str, region: str, *, resolve_prefix: bool) -> list[str]:
        """A monitoring account's identifiers for a pipeline in ``region``: the configured ARN, or the
        configured name in every linked account (``arn:aws:logs:REGION:ACCOUNT:log-group:NAME``); a prefix is
        listed in the linked accounts with DescribeLogGroups (``includeLinkedAccounts``)."""
        if configured.startswith("arn:"):
            if configured.split(":")[3] != region:
                raise SourceError(f"pipeline {pipeline}: {configured} is not in {region}")
            return [configured]
        partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
        if not configured.endswith(("/", "*")):
            return [f"arn:{partition}:logs:{region}:{a}:log-group:{configured}" for a in self.linked_accounts]
        prefix = configured.rstrip("*")
        if not resolve_prefix:
            return [f"arn:{partition}:logs:{region}:{a}:log-group:{prefix}*" for a in self.linked_accounts]
        return self._prefix_groups(prefix, region, pipeline=pipeline)

    def _prefix_groups(self, prefix: str, region: str, *, pipeline: str) -> list[str]:
        key = (region, prefix)
        with self._lock:
            if key in self._prefixes:
                return self._prefixes[key]
        names: list[str] = []
        linked: dict[str, Any] = {}
        if self.monitoring:  # the linked accounts' groups, by ARN (what logGroupIdentifiers takes)
            linked = {"includeLinkedAccounts": True, "accountIdentifiers": list(self.linked_accounts)}
        try:
            paginator = self.clients[region].get_paginator("describe_log_groups")
            for page in paginator.paginate(logGroupNamePrefix=prefix, **linked):
                for group in page.get("logGroups", []):
                    if not linked:
                        names.append(group["logGroupName"])
                    elif group.get("logGroupArn") or group.get("arn"):
                        names.append(str(group.get("logGroupArn") or group["arn"]).removesuffix(":*"))
        except Exception as exc:
            raise translate(exc, operation="DescribeLogGroups") from exc
        if not names:
            raise SourceError(f"no log group in {region} starts with {prefix!r} (pipeline {pipeline})")
        with self._lock:
            self._prefixes[key] = names
        return names

    # -- queries ----------------------------------------------------------------------------------
    def query(  # type: ignore[override]
        self,
        q: str,
        time_range: TimeRange | None = None,
        *,
        language: str = "sql",
        params: Mapping[str, Any] | None = None,
        log_groups: Sequence[str] | None = None,
        dry_run: bool = False,
        no_cache: bool = False,
    ) -> Result:
        lang = check_language(language)
        text = bind_text(lang, q, params)  # the one binder per language, as dry runs and the local engine
        tr = self.window(time_range)
        shape = classify_sql(text) if lang == "sql" else classify_cwli(text) if lang == "cwli" else Shape(False, "PPL")
        jobs: list[Job] = []
        ptr_added = False
        scan: dict[str, list[str]] = {}
        for region in self.regions:
            named = scan.setdefault(region, [])

            def resolve(name: str, region: str = region) -> list[str]:
                return self.groups_for(name, region, resolve_prefix=not dry_run)

            def pipeline_only(name: str, region: str = region, named: list[str] = named) -> list[str] | None:
                found = self.groups_for(name, region, resolve_prefix=not dry_run) if name in PIPELINES else None
                named.extend(found or [name])
                return found

            if lang == "sql":
                final = rewrite_sql_from(text, pipeline_only)
                if shape.splittable:
                    final, ptr_added = ensure_ptr_sql(final)
                jobs.append(Job(region, tr, final, lang))
            else:
                groups = self._query_groups(text, log_groups, resolve)
                named.extend(groups or [])
                final = rewrite_cwli_source(text, self._configured) if lang == "cwli" else text
                jobs.append(Job(region, tr, final, lang, groups))
        result = self._run(jobs, shape, text, lang, tr, dry_run=dry_run, no_cache=no_cache, scan=scan)
        if ptr_added and "@ptr" in result.frame.columns:
            result.frame = result.frame.drop(columns="@ptr")
        return result

    def _configured(self, name: str) -> str | None:
        """A pipeline name → its configured log group or prefix (for ``SOURCE``); None for other names."""
        return self.log_group_names.get(name) if name in PIPELINES else None

    def _query_groups(self, text: str, log_groups: Sequence[str] | None, resolve: Any) -> list[str] | None:
        if has_source(text):
            if log_groups:
                raise InputError(
                    "the query names its log groups with SOURCE; do not give log_groups too", where="log_groups"
                )
            return None
        if not log_groups:
            raise InputError(
                "a classic (cwli) or PPL query needs log_groups=[...] (pipeline names or groups) or a SOURCE command",
                where="log_groups",
            )
        if isinstance(log_groups, str):
            log_groups = [log_groups]
        groups: list[str] = []
        for name in log_groups:
            for group in resolve(name):
                if group not in groups:
                    groups.append(group)
        if len(groups) > MAX_GROUPS:
            raise InputError(f"{len(groups)} log groups; StartQuery takes at most {MAX_GROUPS}", where="log_groups")
        return groups

    def _run(
        self,
        jobs: list[Job],
        shape: Shape,
        text: str,
        lang: str,
        tr: TimeRange,
        *,
        dry_run: bool,
        no_cache: bool,
        add_region: bool = True,
        scan: Mapping[str, Sequence[str]] | None = None,
    ) -> Result:
        started = time.monotonic()
        if dry_run:
            frame = pd.DataFrame([job.describe() for job in jobs])
            return Result(
                frame=frame,
                stats=QueryStats.from_chunks([], elapsed_s=0.0, price_per_gb=self.options.price_per_gb),
                warnings=["dry run: nothing was sent to AWS; splits happen only when a chunk reaches the cap"],
                query=text,
                language=lang,
                time_range=tr,
                source=self.spec.text,
            )
        runner = Runner(self.clients, self.options, threading.Event(), clock=self.options.clock or time.monotonic)
        use_cache = self.options.cache and not no_cache and self.cache.cacheable(tr)
        frames: dict[str, pd.DataFrame] = {}
        chunks: list[ChunkStats] = []
        warnings: list[str] = []
        query_ids: list[str] = []
        complete = True
        to_run: list[Job] = []
        keys: dict[str, str] = {}
        for job in jobs:
            limit = runner.effective_limit(job.region, job.language)[0]
            key = cache_key(
                query=job.query, language=lang, groups=job.groups, region=job.region, time_range=tr, limit=limit
            )
            keys[job.region] = key
            entry = self.cache.get(key) if use_cache else None
            if entry is None:
                to_run.append(job)
                continue
            frames[job.region] = entry.frame
            chunks.append(ChunkStats(time_range=tr, region=job.region, status="Cached", rows=len(entry.frame)))
            warnings.append(
                f"{job.region}: served from the result cache (scanned {entry.meta.get('bytes_scanned', 0):.0f} bytes "
                f"on {entry.meta.get('saved_at', '?')}; nothing scanned now)"
            )
            query_ids.extend(entry.meta.get("query_ids", []))
        refetched = 0
        guarded = None
        if to_run:
            wanted = {job.region: list((scan or {}).get(job.region) or job.groups or []) for job in to_run}
            guarded = self.guard(wanted, tr)
            execution = execute(runner, to_run, shape, progress=self.options.progress)
            fresh = merge(execution, shape)
            for region, frame in fresh.items():
                frames[region] = sort_frame(frame, shape)
            for job in to_run:
                frames.setdefault(job.region, pd.DataFrame())
            chunks.extend(execution.chunks)
            warnings.extend(execution.warnings)
            if execution.splits:
                warnings.append(f"split: {execution.splits} capped chunk(s) were split by time to fetch every row")
            complete = execution.complete
            whole = self._refetch_cut(frames, {job.region for job in to_run})
            refetched = whole.fetched
            warnings.extend(whole.warnings)
            complete = complete and not whole.missing
            query_ids.extend(c.query_id for c in execution.chunks if c.query_id)
            if use_cache and complete:
                self._store(execution, frames, keys, to_run)
        frame = self._combine(frames, warnings, add_region)
        if self.account_errors:
            warnings.extend(self.account_notes())
            complete = False
        stats = QueryStats.from_chunks(
            chunks, elapsed_s=time.monotonic() - started, price_per_gb=self.options.price_per_gb
        )
        stats.messages_refetched = refetched
        self.scanned_bytes += stats.bytes_scanned
        if guarded is not None:
            warnings.append(
                f"cost guard: estimated {guarded.bytes / 1e9:.3f} GB, scanned {stats.bytes_scanned / 1e9:.3f} GB "
                f"(max_scan_gb {self.options.max_scan_gb:g}; this source has scanned {self.scanned_bytes / 1e9:.3f} GB)"
            )
        return Result(
            frame=frame,
            stats=stats,
            warnings=warnings,
            query=text,
            language=lang,
            time_range=tr,
            source=self.spec.text,
            query_ids=query_ids,
            complete=complete,
        )

    def guard(self, groups: Mapping[str, Sequence[str]], tr: TimeRange, *, what: str = "query") -> Estimate | None:
        """With ``max_scan_gb`` set: estimate the scan of ``groups`` (region → names) over ``tr`` and refuse
        above the limit (:mod:`aiaudit.sources.aws.costguard`); without a limit nothing is asked."""
        if not self.options.max_scan_gb:
            return None
        found = estimate(self.clients, groups, tr)
        check(
            found,
            limit_gb=self.options.max_scan_gb,
            spent_bytes=self.scanned_bytes,
            source=self.spec.name or "",
            what=what,
        )
        return found

    def _refetch_cut(self, frames: dict[str, pd.DataFrame], regions: set[str]) -> Refetch:
        """Fetch whole every ``@message`` GetQueryResults cut (see :mod:`aiaudit.sources.aws.whole`)."""
        opts = self.options
        budget = Budget(
            opts.record_fetch_max, opts.record_fetch_rate, opts.sleep or time.sleep, opts.clock or time.monotonic
        )
        total = Refetch()
        for region in sorted(regions):
            if region not in frames:
                continue

            def fetch(ptr: str, region: str = region) -> str:
                try:
                    record = self.clients[region].get_log_record(logRecordPointer=ptr)["logRecord"]
                except Exception as exc:
                    raise translate(exc, operation="GetLogRecord") from exc
                return str(record["@message"])

            frame = frames[region] = frames[region].copy()
            done = refetch_cut_messages(
                frame, fetch, budget, cut_at=opts.message_cut_at, where=region if len(self.regions) > 1 else ""
            )
            total.cut += done.cut
            total.fetched += done.fetched
            total.missing += done.missing
            total.warnings += done.warnings
        return total

    def _store(
        self, execution: Execution, frames: dict[str, pd.DataFrame], keys: dict[str, str], jobs: list[Job]
    ) -> None:

        for job in jobs:
            region_chunks = [c for c in execution.chunks if c.region == job.region]
            meta = {
                "saved_at": iso(utc_now()),
                "bytes_scanned": sum(c.bytes_scanned for c in region_chunks),
                "query_ids": [c.query_id for c in region_chunks if c.query_id],
                "query": job.query,
                "region": job.region,
            }
            with contextlib.suppress(OSError):  # a read-only cache directory costs a re-scan, not an answer
                self.cache.put(keys[job.region], frames[job.region], meta)

    def _combine(self, frames: dict[str, pd.DataFrame], warnings: list[str], add_region: bool) -> pd.DataFrame:
        frame = self._combine_targets(frames, warnings, add_region)
        if self.monitoring and add_region and "@log" in frame.columns:
            # a monitoring account's rows say their account in @log (ACCOUNT:GROUP)
            name = "account" if "account" not in frame.columns else "source_account"
            if name == "source_account":
                warnings.append("the query returns an 'account' column; the linked account is in 'source_account'")
            accounts = [v.split(":", 1)[0] if isinstance(v, str) and ":" in v else None for v in frame["@log"]]
            frame = frame.copy()
            frame.insert(0, name, pd.Series(accounts, dtype="string", index=frame.index))
        return frame

    def _combine_targets(self, frames: dict[str, pd.DataFrame], warnings: list[str], add_region: bool) -> pd.DataFrame:
        ordered = [(r, frames[r]) for r in self.regions if r in frames]
        if any(t.account for t in self.targets.values()) and add_region:
            return self._by_account(ordered, warnings)
        if len(ordered) == 1 or not add_region:
            parts = [f for _, f in ordered]
            return pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts[0] if parts else pd.DataFrame())
        column = "region"
        if any("region" in f.columns for _, f in ordered):
            column = "source_region"
            warnings.append("the query returns a 'region' column; the fan-out region is in 'source_region'")
        parts = []
        for region, f in ordered:
            f = f.copy()
            f.insert(0, column, pd.Series([region] * len(f), dtype="string"))
            parts.append(f)
        return pd.concat(parts, ignore_index=True)

    def _by_account(self, ordered: list[tuple[str, pd.DataFrame]], warnings: list[str]) -> pd.DataFrame:
        """Results of a source of many accounts: ``account`` and ``region`` columns first (``source_*`` when
        the query returns columns of those names)."""
        parts = []
        clash = [n for n in ("account", "region") if any(n in f.columns for _, f in ordered)]
        if clash:
            warnings.append(f"the query returns {', '.join(clash)}: the fan-out's are in source_account, source_region")
        for key, f in ordered:
            target = self.targets[key]
            f = f.copy()
            for name, value in (("region", target.region), ("account", target.account)):
                f.insert(0, f"source_{name}" if clash else name, pd.Series([value] * len(f), dtype="string"))
            parts.append(f)
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    # -- projections ------------------------------------------------------------------------------
    def projection(
        self,
        pipeline: str,
        time_range: TimeRange | None = None,
        *,
        columns: Sequence[str] | None = None,
        **focus: Any,
    ) -> pd.DataFrame:
        con, qy, result = self._projection(pipeline, time_range, columns, "time", focus)
        qy_rows = len(result.frame)
        try:
            frame = run(con, qy, rows_hint=qy_rows)
        finally:
            con.close()
        result.warnings.extend(str(w) for w in frame.attrs.get("warnings", []))
        result.frame = frame
        frame.attrs["aiaudit"] = result.summary()
        return frame

    def projection_query(
        self,
        pipeline: str,
        time_range: TimeRange | None = None,
        *,
        columns: Sequence[str] | None = None,
        order: str | None = "time",
        **focus: Any,
    ) -> tuple[Any, Query]:
        con, qy, _ = self._projection(pipeline, time_range, columns, order, focus)
        return con, qy

    def _projection(
        self,
        pipeline: str,
        time_range: TimeRange | None,
        columns: Sequence[str] | None,
        order: str | None,
        focus: Mapping[str, Any],
    ) -> tuple[Any, Query, Result]:
        """Fetch the raw rows (``@message`` and system fields, focus pushed down as a superset), load them
        into an in-memory table of the store's layout, and prepare the same projection query as locally."""
        wanted = check_focus(focus)
        check_columns(pipeline, columns)
        result = self.raw_projection(pipeline, time_range, **focus)
        con = memory_connection()
        try:
            table = load_messages(con, pipeline, result.frame)
            qy = prepare(con, pipeline, q(table), None, columns=columns, focus=wanted, order=order)
        except BaseException:
            con.close()
            raise
        result.language = "projection"
        return con, qy, result

    def raw_projection(self, pipeline: str, time_range: TimeRange | None = None, **focus: Any) -> Result:
        """The query behind a projection: the pipeline's raw events (``@timestamp``, ``@message`` whole,
        ``@log``, ``@logStream``, ``@ptr``) in the range, focus pushed down, split by time until every row
        arrived. What a playbook fetches once per pipeline (:mod:`aiaudit.sources.aws.fetch`)."""
        check_pipeline(pipeline)
        wanted = check_focus(focus)
        tr = self.window(time_range)
        lang = self.options.projection_language
        jobs: list[Job] = []
        text = ""
        for region in self.regions:
            groups = self.groups_for(pipeline, region)
            if lang == "sql":
                text = projection_sql(pipeline, groups, wanted)
                jobs.append(Job(region, tr, text, "sql"))
            else:
                text = projection_cwli(pipeline, wanted)
                jobs.append(Job(region, tr, text, "cwli", groups))
        shape = Shape(True, sort=[("@timestamp", True)])
        scan = {job.region: list(job.groups or []) for job in jobs}
        if lang == "sql":
            scan = {region: self.groups_for(pipeline, region) for region in self.regions}
        result = self._run(jobs, shape, text, lang, tr, dry_run=False, no_cache=False, add_region=False, scan=scan)
        if not len(result.frame.columns):
            raw = pd.DataFrame({name: pd.Series(dtype="string") for name in PROJECTION_FIELDS})
            raw["@timestamp"] = pd.Series(dtype="datetime64[ns, UTC]")
            result.frame = raw
        else:  # ties in time by the record's text, as the local store orders them (Store.select_raw)
            result.frame = result.frame.sort_values(
                [c for c in ("@timestamp", "@message", "@ptr") if c in result.frame.columns], kind="stable"
            ).reset_index(drop=True)
        result.query = f"projection {pipeline} focus={wanted}: {text}"
        return result

    # -- records and inventory --------------------------------------------------------------------
    def record(self, ptr: str) -> dict[str, Any]:
        """The raw event, parsed from GetLogRecord's ``@message`` (the same dict the local store returns);
        a record whose message is not a JSON object comes back as ``{"@message": text}``."""
        last: Exception | None = None
        for region in self.regions:
            try:
                fields = dict(self.clients[region].get_log_record(logRecordPointer=ptr)["logRecord"])
            except Exception as exc:
                last = translate(exc, operation="GetLogRecord")
                continue
            message = fields.get("@message")
            try:
                parsed = json.loads(message) if isinstance(message, str) else None
            except ValueError:
                parsed = None
            return parsed if isinstance(parsed, dict) else {"@message": message}
        raise last if last else SourceError(f"no record for {ptr!r}")

    def sources(self) -> Any:

        return inventory(self)

    def data_span(self) -> TimeRange | None:

        return inventory(self).span()


def pushdown_terms(pipeline: str, focus: Mapping[str, list[str]]) -> list[list[list[str]]]:
    """Per focus key, per value, the substrings every matching event's ``@message`` contains — the same
    tokens the local prefilter uses (:mod:`aiaudit.frames.focus`), so both backends select the same
    superset before :func:`aiaudit.frames.apply_focus` filters exactly. A key with a value that has no
    safe token, ``trace_id`` (spelt differently across pipelines) and spans' ``request_id`` (a trace
    inherits it from a descendant span) are not pushed down: nothing is lost, only less is filtered."""

    out: list[list[list[str]]] = []
    for key, values in normalise_focus(focus).items():
        if key not in FOCUS_COLUMNS[pipeline] or key == "trace_id" or (pipeline == "spans" and key == "request_id"):
            continue
        per_value = [message_tokens(key, v) if v is not None else None for v in values]
        if per_value and all(tokens for tokens in per_value):
            out.append([list(tokens) for tokens in per_value if tokens])
    return out


def projection_cwli(pipeline: str, focus: Mapping[str, list[str]]) -> str:
    """``fields`` the raw event plus a superset filter on ``@message`` (exact focus applies client-side)."""

    parts = ["fields " + ", ".join(PROJECTION_FIELDS)]
    for values in pushdown_terms(pipeline, focus):
        ors = [" and ".join(f"@message like {cwli_literal(t)}" for t in tokens) for tokens in values]
        parts.append("filter " + " or ".join(f"({o})" for o in ors))
    parts.append("sort @timestamp asc")
    return " | ".join(parts)


def projection_sql(pipeline: str, groups: Sequence[str], focus: Mapping[str, list[str]]) -> str:

    def like(token: str) -> str:
        pattern = "%" + token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return f"`@message` LIKE {sql_literal(pattern, dialect='spark')}"

    clauses = []
    for values in pushdown_terms(pipeline, focus):
        ors = [" AND ".join(like(t) for t in tokens) for tokens in values]
        clauses.append("(" + " OR ".join(f"({o})" for o in ors) + ")")
    fields = ", ".join(f"`{name}`" for name in PROJECTION_FIELDS)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    return f"SELECT {fields} FROM {render_from(groups)}{where} ORDER BY `@timestamp`"


__all__ = ["AwsSource", "Outcome", "projection_cwli", "projection_sql"]
