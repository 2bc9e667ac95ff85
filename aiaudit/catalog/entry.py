"""One catalogue entry: its metadata, parameters, and how it runs (a query, or detection code).

An entry says *what it is* (``kind``: a ``view`` — rows to read, never findings — or a ``detection``;
the deployable kinds come later) and *how it runs* (``language``: ``sql`` or ``cwli`` in ``query:``, or
``python`` in the ``detect.py`` beside its YAML). ``requires`` names the pipelines without which it
cannot answer (``cloudtrail-data``: CloudTrail data events), so a run on a source that lacks them says
so instead of reporting a silent nothing. ``signal`` names what a detection detects: findings of entries
with the same signal, subject and overlapping window merge into one (:func:`aiaudit.core.findings.merge`).

The deployable kinds (metric filters, alarms, Contributor Insights rules, event selectors) keep their
AWS-shaped block in :attr:`Entry.spec`; their logic lives in ``aiaudit.catalog.kinds.<kind>`` (validation,
back-test, rendering), so this module only dispatches to it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from aiaudit.catalog import kinds
from aiaudit.catalog.context import Context
from aiaudit.catalog.registry import implementation
from aiaudit.catalog.rows import findings_from_rows, mark_planned
from aiaudit.core.errors import InputError
from aiaudit.core.findings import Finding, findings_frame
from aiaudit.core.result import Result
from aiaudit.core.timerange import TimeRange, to_utc
from aiaudit.core.vocabulary import concepts
from aiaudit.core.yamlfile import load_validated
from aiaudit.query.cwli import has_source
from aiaudit.query.params import bind_text, names

HERE = Path(__file__).parent

_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (float, int),
    "bool": (bool,),
    "datetime": (datetime, str),
    "list": (list, tuple),
}
#: entry kinds that report findings: detections, and alarms (one finding per back-tested ALARM episode)
REPORTING_KINDS = ("detection", "alarm")
_LIMIT_PARAM = re.compile(r"\bLIMIT\s+:([A-Za-z_][A-Za-z0-9_]*)\b", re.IGNORECASE)


@cache
def schema() -> dict[str, Any]:
    return json.loads((HERE / "schema.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: Any = None
    required: bool = False
    description: str = ""

    def coerce(self, value: Any) -> Any:
        """Check a supplied value's type (ints are accepted for floats; lists are copied)."""
        allowed = _TYPES[self.type]
        if self.type in ("int", "float") and isinstance(value, bool):
            raise InputError(f"parameter {self.name} must be {self.type}, not bool", where=f"param {self.name}")
        if not isinstance(value, allowed):
            raise InputError(
                f"parameter {self.name} must be {self.type}, not {type(value).__name__}", where=f"param {self.name}"
            )
        if self.type == "list":
            if not value:
                raise InputError(f"parameter {self.name} must not be an empty list", where=f"param {self.name}")
            return list(value)  # type: ignore[call-overload]
        if self.type == "datetime":
            return to_utc(value, what=f"param {self.name}")
        return value


@dataclass(frozen=True)
class Entry:
    """One catalogue entry (a view, or a detection)."""

    id: str
    title: str
    kind: str
    pipelines: tuple[str, ...]
    language: str
    severity: str
    dimension: str
    purpose: str
    fix_notes: str
    references: tuple[str, ...]
    query: str = ""
    parameters: dict[str, Parameter] = field(default_factory=dict)
    findings_spec: dict[str, str] = field(default_factory=dict)
    change_alarm: bool = False
    requires: tuple[str, ...] | None = None
    signal: str | None = None
    spec: Mapping[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def deployable(self) -> bool:
        """A metric filter, alarm, Contributor Insights rule or event selector (logic in ``catalog.kinds``)."""
        return self.kind in kinds.DEPLOYABLE

    # -- what it needs ----------------------------------------------------------------------------
    def unavailable(self, available: Any) -> list[str]:
        """Requirements ``available`` (an :class:`~aiaudit.investigate.availability.Availability`) lacks:
        every pipeline in ``requires`` (default: ``pipelines``) must hold data; an empty ``requires``
        needs any one of ``pipelines``."""
        needed = self.pipelines if self.requires is None else self.requires
        if not needed:
            return [] if any(available.has(p) for p in self.pipelines) else list(self.pipelines)
        return [r for r in needed if not available.has(r)]

    # -- parameters -------------------------------------------------------------------------------
    def bind(self, **params: Any) -> dict[str, Any]:
        """Defaults merged with ``params``; unknown names and missing required values are errors."""
        unknown = sorted(set(params) - set(self.parameters))
        if unknown:
            known = ", ".join(sorted(self.parameters)) or "none"
            raise InputError(f"{self.id} has no parameter {unknown[0]!r} (parameters: {known})", where=self.id)
        bound: dict[str, Any] = {}
        for name, spec in self.parameters.items():
            if name in params and params[name] is not None:
                bound[name] = spec.coerce(params[name])
            elif spec.required:
                raise InputError(f"{self.id} needs parameter {name!r}", where=self.id)
            else:
                bound[name] = spec.default
        if self.language == "python" or self.deployable:
            return bound
        used = set(names(self.language, self.query))  # the language's own binder finds its placeholders
        return {k: v for k, v in bound.items() if k in used}

    def with_thresholds(self, environment: Any, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` over the site's ``[environment.thresholds]`` for this entry — the one place those apply,
        for every detection. A threshold naming a parameter the entry lacks, or of the wrong type, is an error
        naming the config key."""
        site = environment.thresholds_for(self.id) if environment is not None else {}
        for name, value in site.items():
            where = f"[environment.thresholds] {self.id}.{name}"
            if name not in self.parameters:
                known = ", ".join(sorted(self.parameters)) or "none"
                raise InputError(f"{self.id} has no parameter {name!r} (parameters: {known})", where=where)
            try:
                self.parameters[name].coerce(value)
            except InputError as exc:
                raise InputError(str(exc).split(": ", 1)[-1], where=where) from None
        return {**site, **{k: v for k, v in params.items() if v is not None}}

    def row_limit(self, **params: Any) -> int | None:
        """The value bound to the query's ``LIMIT :name``, if it has one."""
        match = _LIMIT_PARAM.search(self.query)
        if not match:
            return None
        value = self.bind(**params).get(match.group(1))
        return int(value) if isinstance(value, int) else None

    # -- running ----------------------------------------------------------------------------------
    def dry_run(self, **params: Any) -> str:
        """The query text with every parameter rendered through the language's binder (what AWS would get);
        for a deployable kind, what would be deployed (the filter pattern, the alarm, the rule, the selector)."""
        if self.deployable:
            return kinds.handler(self.kind).render(self, **params)
        if self.language == "python":
            raise InputError(
                f"{self.id} is a detection in Python ({self.path.parent / 'detect.py' if self.path else 'detect.py'}); "
                "it has no query text",
                where=self.id,
            )
        return bind_text(self.language, self.query, self.bind(**params))

    def run(self, src: Any, time_range: TimeRange | None = None, **params: Any) -> Result:
        """Run on any :class:`~aiaudit.sources.base.Source`: a query's rows, a Python detection's findings
        frame; a metric filter's metric per period, an alarm's back-tested state timeline, a Contributor
        Insights rule's top contributors per period."""
        if self.deployable:
            if time_range is None:
                raise InputError(f"{self.id}: give a time range", where=self.id)
            return kinds.handler(self.kind).run(self, src, time_range, **params)  # the kind checks its options
        if self.language == "python":
            if time_range is None:
                raise InputError(f"{self.id} is a detection: give a time range", where=self.id)
            found = self.detect(src, time_range, **params)
            return Result(frame=findings_frame(found), language="python", time_range=time_range, query=self.id)
        if self.language == "cwli" and not has_source(self.query):
            # a classic query reads the entry's pipelines (AWS's logGroupNames), unless SOURCE names them
            return src.query(
                self.query, time_range, language="cwli", params=self.bind(**params), log_groups=list(self.pipelines)
            )
        return src.query(self.query, time_range, language=self.language, params=self.bind(**params))

    def detect(
        self,
        data: Any,
        time_range: TimeRange | None = None,
        *,
        lookback: Any = None,
        environment: Any = None,
        **params: Any,
    ) -> list[Finding]:
        """This entry's findings over a range: ``data`` is a Source, or a
        :class:`~aiaudit.catalog.context.Context` (which carries the range, the lookback and the
        environment, caches projections and collects notes such as a query stopped at its row limit).
        A view has no findings. Changes made by ``[environment] change_roles`` are planned: ``info``."""
        if self.kind not in REPORTING_KINDS:
            return []
        if isinstance(data, Context):
            ctx = data
        else:
            if time_range is None:
                raise InputError(f"{self.id}: give a time range", where=self.id)
            ctx = Context.make(data, time_range, lookback=lookback, environment=environment)
        params = self.with_thresholds(ctx.environment, params)
        if self.language == "python":
            found = implementation(self.id)(ctx, self, **self.bind(**params))
        elif self.deployable:
            found = kinds.handler(self.kind).detect(ctx, self, **self.bind(**params))
        else:
            if ctx.tel.source is None:
                raise InputError(f"{self.id} is a query: it needs a Source, not raw frames", where=self.id)
            result = self.run(ctx.tel.source, ctx.time_range, **params)
            limit = self.row_limit(**params)
            capped = (limit is not None and len(result.frame) >= limit) or not result.complete
            if capped:
                ctx.notes.append(
                    f"{self.id}: the query stopped at its row limit ({len(result.frame):,} rows); findings may "
                    f"be missing — raise it with --param {self.id}.limit=N"
                    if limit is not None
                    else f"{self.id}: the result is incomplete ({'; '.join(result.warnings) or 'capped'})"
                )
            found = findings_from_rows(self, result.frame, capped=capped)
        return mark_planned(found, ctx.environment) if self.change_alarm else found

    def findings(self, result: Result | Any, *, notebook: str | None = None) -> list[Finding]:
        """A query detection's findings from its rows (a view has none)."""
        frame = result.frame if isinstance(result, Result) else result
        if self.kind != "detection" or self.language == "python":
            return []
        found = findings_from_rows(self, frame)
        for f in found:
            f.notebook = notebook
        return found

    def describe(self) -> str:
        """Human-readable card for ``aiaudit catalog show``."""
        needed = (
            self.pipelines if self.requires is None else (self.requires or ("any of " + ", ".join(self.pipelines),))
        )
        lines = [
            f"{self.id}  {self.title}",
            f"kind: {self.kind} · severity: {self.severity} · dimension: {self.dimension} · "
            f"pipelines: {', '.join(self.pipelines)} · requires: {', '.join(needed)} · language: {self.language}",
            "",
            f"purpose: {self.purpose}",
            f"fixes: {self.fix_notes}",
            f"references: {'; '.join(self.references)}",
        ]
        if self.signal:
            lines.append(f"signal: {self.signal} (findings merge with other entries of this signal)")
        if self.parameters:
            lines.append("parameters:")
            for p in self.parameters.values():
                default = "(required)" if p.required else f"= {p.default!r}"
                lines.append(f"  {p.name}: {p.type} {default}  {p.description}".rstrip())
        if self.change_alarm:
            lines.append("change detection: reports every change of its kind; changes by change_roles are info")
        if self.language == "python":
            fn = implementation(self.id)
            lines += ["", f"implementation: {fn.__module__}.{fn.__name__} (Python)"]
        elif self.deployable:
            lines += ["", self.dry_run().rstrip()]
        else:
            lines += ["", self.query.rstrip()]
        return "\n".join(lines)


def load_entry(path: Path) -> Entry:
    """Read and validate one entry file (schema errors name the file and the field)."""
    raw = load_validated(path, schema())
    if raw["id"] != path.stem:
        raise InputError(f"id {raw['id']!r} does not match the file name", where=str(path))
    params = {}
    for name, spec in (raw.get("parameters") or {}).items():
        default = spec.get("default")
        if isinstance(default, dict) and set(default) == {"concept"}:
            if default["concept"] not in concepts():
                raise InputError(f"parameters.{name}: unknown concept {default['concept']!r}", where=str(path))
            default = concepts()[default["concept"]]
        params[name] = Parameter(
            name=name,
            type=spec["type"],
            default=default,
            required="default" not in spec,
            description=spec.get("description", ""),
        )
    entry = Entry(
        id=raw["id"],
        title=raw["title"],
        kind=raw["kind"],
        pipelines=tuple(raw["pipelines"]),
        language=raw["language"],
        severity=raw["severity"],
        dimension=raw["dimension"],
        purpose=raw["purpose"],
        fix_notes=raw["fix_notes"],
        references=tuple(raw["references"]),
        query=raw.get("query", ""),
        parameters=params,
        findings_spec=dict(raw.get("findings") or {}),
        change_alarm=bool(raw.get("change_alarm", False)),
        requires=tuple(raw["requires"]) if "requires" in raw else None,
        signal=raw.get("signal"),
        spec=dict(raw.get(raw["kind"]) or {}) if raw["kind"] in kinds.DEPLOYABLE else {},
        path=path,
    )
    if entry.deployable:
        kinds.handler(entry.kind).check(entry)
    return entry
