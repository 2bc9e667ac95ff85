"""The query catalogue: the reference guide's queries (and detections beyond it) as tested data.

Why data and not code: security teams review, diff and extend queries; a YAML file per entry with a
JSON schema (``schema.json``) keeps metadata and query together, and one shared list per concept
(``concepts.yaml``) keeps related entries consistent — the guide's own artefacts disagree with each
other (MF4 vs Q8, MF10 vs Q4, Q18 vs Q20), aiaudit's do not.

``aiaudit.catalog["Q18"].run(src, time_range, **params)`` runs an entry; ``dry_run`` renders it;
``findings(result)`` turns its rows into :class:`~aiaudit.core.findings.Finding` objects.

The deployable kinds (metric filters, alarms, Contributor Insights rules, event selectors) keep their
AWS-shaped block in :attr:`Entry.spec`; their logic lives in ``aiaudit.catalog.kinds.<kind>`` (validation,
back-test, rendering), so this module only dispatches to it.
"""

from __future__ import annotations

import json
import re
import sys
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from aiaudit.catalog import kinds
from aiaudit.catalog.context import Context
from aiaudit.catalog.registry import implementation
from aiaudit.core.errors import InputError
from aiaudit.core.findings import Finding, findings_frame
from aiaudit.core.result import Result
from aiaudit.core.timerange import TimeRange, to_utc
from aiaudit.core.yamlfile import load_validated
from aiaudit.frames import principal_key
from aiaudit.query.sql import bind_text

HERE = Path(__file__).parent
ENTRIES = HERE / "entries"

_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (float, int),
    "bool": (bool,),
    "datetime": (datetime, str),
    "list": (list, tuple),
}

#: Columns read by default when an entry's ``findings`` block does not name one.
_DEFAULT_COLUMNS = {
    "principal": ("principal", "caller", "role_arn", "changed_by", "model_caller"),
    "source_ip": ("source_ip", "sourceIPAddress", "external_ip"),
    "request_id": ("request_id", "requestID", "requestId"),
    "session_id": ("session_id",),
    "resource": ("resource_arn", "gateway_arn", "runtime_arn", "tool_arn", "memory_arn", "session_arn"),
    "time_start": ("first_seen", "@timestamp", "event_time", "change_time", "gateway_time", "denial_time"),
    "time_end": ("last_seen",),
    "evidence": ("@ptr", "ct_ptr", "inv_ptr"),
}


@cache
def concepts() -> dict[str, list[str]]:
    """The shared concept lists (denial codes, invoke operations, ...)."""
    raw = yaml.safe_load((HERE / "concepts.yaml").read_text(encoding="utf-8"))
    return {name: list(spec["values"]) for name, spec in raw.items()}


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
    """One catalogue entry (a query, or a detection)."""

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
    spec: Mapping[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def deployable(self) -> bool:
        """A metric filter, alarm, Contributor Insights rule or event selector (logic in ``catalog.kinds``)."""
        return self.kind in kinds.DEPLOYABLE

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
        used = set(re.findall(r":([A-Za-z_][A-Za-z0-9_]*)", self.query))
        return {k: v for k, v in bound.items() if k in used}

    # -- running ----------------------------------------------------------------------------------
    def dry_run(self, **params: Any) -> str:
        """The query text with every parameter rendered through the quoting module (what AWS would get);
        for a deployable kind, what would be deployed (the filter pattern, the alarm, the rule, the selector)."""

        if self.deployable:
            return kinds.handler(self.kind).render(self, **params)
        if self.language == "python":
            raise InputError(
                f"{self.id} is a detection (Python, see aiaudit/catalog/run); it has no query text", where=self.id
            )
        return bind_text(self.query, self.bind(**params))

    def run(self, src: Any, time_range: TimeRange | None = None, **params: Any) -> Result:
        """Run on any :class:`~aiaudit.sources.base.Source`. A detection's Result holds its findings frame;
        a metric filter's its metric per period, an alarm's its back-tested state timeline, a Contributor
        Insights rule's its top contributors per period."""
        if self.deployable:
            if time_range is None:
                raise InputError(f"{self.id}: give a time range", where=self.id)
            return kinds.handler(self.kind).run(self, src, time_range, **params)  # the kind checks its options
        if self.language == "python":
            if time_range is None:
                raise InputError(f"{self.id} is a detection: give a time range", where=self.id)
            found = self.detect(src, time_range, **params)
            return Result(frame=findings_frame(found), language="python", time_range=time_range, query=self.id)
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
        """This entry's findings over a range: ``data`` is a Source, or a ``aiaudit.catalog.run.Context``
        (which carries the range, the lookback and the environment, and caches projections)."""

        if isinstance(data, Context):
            ctx = data
        else:
            if time_range is None:
                raise InputError(f"{self.id}: give a time range", where=self.id)
            ctx = Context.make(data, time_range, lookback=lookback, environment=environment)
        if self.language == "python":
            return implementation(self.id)(ctx, self, **self.bind(**params))
        if self.deployable:
            return kinds.handler(self.kind).detect(ctx, self, **self.bind(**params))
        if self.kind == "view":
            return []  # a view is rows to read (notebooks, `catalog run`), never findings
        if ctx.tel.source is None:
            raise InputError(f"{self.id} is a query: it needs a Source, not raw frames", where=self.id)
        return self.findings(self.run(ctx.tel.source, ctx.time_range, **params))

    def findings(self, result: Result | pd.DataFrame, *, notebook: str | None = None) -> list[Finding]:
        """One finding per result row, with this entry's severity."""
        frame = result.frame if isinstance(result, Result) else result
        if self.kind == "view":
            return []
        spec = self.findings_spec
        skip_column = spec.get("unless")
        need_column = spec.get("require")
        out = []
        for row in frame.to_dict(orient="records"):
            if skip_column and _present(row.get(skip_column)):
                continue
            if need_column and not _present(row.get(need_column)):
                continue
            values = {key: _pick(row, spec.get(key), _DEFAULT_COLUMNS[key]) for key in _DEFAULT_COLUMNS}
            title = _format(spec.get("title", self.title), row)
            out.append(
                Finding(
                    rule_id=self.id,
                    severity=self.severity,
                    title=title,
                    summary=self.purpose,
                    time_start=_time(values["time_start"]),
                    time_end=_time(values["time_end"]) or _time(values["time_start"]),
                    principals=_principals(values["principal"]),
                    source_ips=_listed(values["source_ip"]),
                    request_ids=_listed(values["request_id"]),
                    session_ids=_listed(values["session_id"]),
                    resources=_listed(values["resource"]),
                    evidence=_listed(values["evidence"]),
                    notebook=notebook,
                )
            )
        return out

    def describe(self) -> str:
        """Human-readable card for ``aiaudit catalog show``."""
        lines = [
            f"{self.id}  {self.title}",
            f"kind: {self.kind} · severity: {self.severity} · dimension: {self.dimension} · "
            f"pipelines: {', '.join(self.pipelines)} · language: {self.language}",
            "",
            f"purpose: {self.purpose}",
            f"fixes: {self.fix_notes}",
            f"references: {'; '.join(self.references)}",
        ]
        if self.parameters:
            lines.append("parameters:")
            for p in self.parameters.values():
                default = "(required)" if p.required else f"= {p.default!r}"
                lines.append(f"  {p.name}: {p.type} {default}  {p.description}".rstrip())
        if self.change_alarm:
            lines.append("change alarm: fires on every change of its kind, planned ones included")
        if self.language == "python":
            fn = implementation(self.id)
            lines += ["", f"implementation: {fn.__module__}.{fn.__name__} (Python)"]
        elif self.deployable:
            lines += ["", self.dry_run().rstrip()]
        else:
            lines += ["", self.query.rstrip()]
        return "\n".join(lines)


_LIMIT_PARAM = re.compile(r"\bLIMIT\s+:([A-Za-z_][A-Za-z0-9_]*)\b", re.IGNORECASE)


def _present(value: Any) -> bool:
    if value is None or isinstance(value, list | tuple):
        return value is not None
    try:
        return not bool(pd.isna(value))
    except (TypeError, ValueError):
        return True


def _principals(value: Any) -> list[str]:
    """Normalised as the frames normalise them (a session ARN becomes its role), so findings from a raw
    query and from a projection name the same principal; an unparseable value is kept as recorded."""

    return [principal_key(v) or v for v in _listed(value)]


def _pick(row: Mapping[str, Any], named: str | None, defaults: tuple[str, ...]) -> Any:
    for column in (named,) if named else defaults:
        if column in row and _present(row[column]):
            return row[column]
    return None


def _listed(value: Any) -> list[str]:
    if not _present(value) or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if _present(v)]
    return [str(value)]


def _time(value: Any) -> datetime | None:
    if not _present(value):
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.to_pydatetime()


def _format(template: str, row: Mapping[str, Any]) -> str:
    def field_value(match: re.Match[str]) -> str:
        value = row.get(match.group(1))
        return str(value) if _present(value) else "?"

    return re.sub(r"\{([^{}]+)\}", field_value, template)


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
        spec=dict(raw.get(raw["kind"]) or {}) if raw["kind"] in kinds.DEPLOYABLE else {},
        path=path,
    )
    if entry.deployable:
        kinds.handler(entry.kind).check(entry)
    return entry


class Catalog(Mapping[str, Entry]):
    """All entries by id, loaded once."""

    def __init__(self, folder: Path = ENTRIES) -> None:
        self._folder = folder
        self._entries: dict[str, Entry] | None = None

    def _load(self) -> dict[str, Entry]:
        if self._entries is None:
            paths = sorted(self._folder.glob("*/*.yaml"), key=lambda p: p.stem)
            self._entries = {p.stem: load_entry(p) for p in paths}
        return self._entries

    def __getitem__(self, key: str) -> Entry:
        entries = self._load()
        if key not in entries:
            raise KeyError(f"no catalogue entry {key!r} (see aiaudit catalog list)")
        return entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def frame(self) -> pd.DataFrame:
        """One row per entry, for ``aiaudit catalog list`` and notebooks."""
        rows = [
            {
                "id": e.id,
                "kind": e.kind,
                "severity": e.severity,
                "pipelines": ",".join(e.pipelines),
                "dimension": e.dimension,
                "change_alarm": e.change_alarm,
                "title": e.title,
            }
            for e in self._load().values()
        ]
        return pd.DataFrame(rows, columns=["id", "kind", "severity", "pipelines", "dimension", "change_alarm", "title"])


catalog = Catalog()

__all__ = ["Catalog", "Entry", "Parameter", "catalog", "concepts", "load_entry"]


class _CatalogModule(types.ModuleType):
    """Lets ``aiaudit.catalog["Q18"]`` work although ``aiaudit.catalog`` is also this package."""

    def __getitem__(self, key: str) -> Entry:
        return catalog[key]

    def __iter__(self) -> Iterator[str]:
        return iter(catalog)

    def __len__(self) -> int:
        return len(catalog)

    def __contains__(self, key: object) -> bool:
        return key in catalog


sys.modules[__name__].__class__ = _CatalogModule
