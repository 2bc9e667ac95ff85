"""CloudTrail advanced event selectors (``SEL-BR-*``, ``SEL-AC-*``, ``SEL-ORG-*``): templates filled in for an
account, a region and resource ids; validated; merged with a trail's current selectors; coverage.

Why merge: ``PutEventSelectors`` **replaces** a trail's whole selector set
(https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_PutEventSelectors.html), so printing only
the recommended selectors would silently drop whatever the trail records today — management events included.
The merge keeps every current selector, adds the recommended ones the trail does not already record, always
keeps a management-events selector, and refuses to exceed CloudTrail's limit of 500 condition values per trail
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html). The call must be made
in the trail's home Region (``InvalidHomeRegionException`` otherwise).

Field rules (AdvancedFieldSelector, https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html):
trails accept ``eventCategory`` (required), ``eventSource`` and ``readOnly`` for management events;
``eventCategory``, ``resources.type`` (required), ``eventName``, ``eventSource``, ``eventType``, ``readOnly``,
``resources.ARN``, ``sessionCredentialFromConsole`` and ``userIdentity.arn`` for data events; ``eventCategory``,
``eventSource`` (required), ``eventName``, ``errorCode`` and ``vpcEndpointId`` for network activity events.
``readOnly``, ``eventCategory`` and ``resources.type`` take ``Equals`` only; selectors have no wildcards; one
selector may not have two field selectors on the same field (the guide's §"Lambda production-only" note).
Resource types: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html
(Bedrock's 18 in https://docs.aws.amazon.com/bedrock/latest/userguide/logging-using-cloudtrail.html, AgentCore's
14 in the AgentCore developer guide).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiaudit.catalog import catalog
from aiaudit.core.errors import InputError
from aiaudit.core.result import Result
from aiaudit.core.timerange import TimeRange

#: CloudTrail's quota: condition values across all advanced event selectors of one trail.
MAX_VALUES = 500
OPERATORS = ("Equals", "StartsWith", "EndsWith", "NotEquals", "NotStartsWith", "NotEndsWith")
EQUALS_ONLY = {"eventCategory", "readOnly", "resources.type"}
FIELDS: dict[str, set[str]] = {
    "Management": {"eventCategory", "eventSource", "readOnly"},
    "Data": {
        "eventCategory",
        "eventName",
        "eventSource",
        "eventType",
        "resources.type",
        "readOnly",
        "resources.ARN",
        "sessionCredentialFromConsole",
        "userIdentity.arn",
    },
    "NetworkActivity": {"eventCategory", "eventSource", "eventName", "errorCode", "vpcEndpointId"},
}
BEDROCK_TYPES = tuple(
    f"AWS::Bedrock::{name}"
    for name in (
        "AgentAlias",
        "AsyncInvoke",
        "FlowAlias",
        "Guardrail",
        "InlineAgent",
        "KnowledgeBase",
        "Model",
        "PromptVersion",
        "Session",
        "FlowExecution",
        "AutomatedReasoningPolicy",
        "AutomatedReasoningPolicyVersion",
        "DataAutomationProject",
        "DataAutomationInvocation",
        "DataAutomationProfile",
        "Blueprint",
        "AdvancedOptimizePromptJob",
        "Tool",
    )
)
AGENTCORE_TYPES = tuple(
    f"AWS::BedrockAgentCore::{name}"
    for name in (
        "CodeInterpreter",
        "CodeInterpreterCustom",
        "Browser",
        "BrowserCustom",
        "WorkloadIdentity",
        "WorkloadIdentityDirectory",
        "TokenVault",
        "OAuth2CredentialProvider",
        "APIKeyCredentialProvider",
        "Runtime",
        "RuntimeEndpoint",
        "Gateway",
        "Memory",
        "Evaluator",
    )
)
OTHER_TYPES = (
    "AWS::S3::Object",
    "AWS::S3::AccessPoint",
    "AWS::S3Outposts::Object",
    "AWS::S3ObjectLambda::AccessPoint",
    "AWS::Lambda::Function",
    "AWS::DynamoDB::Table",
    "AWS::DynamoDB::Stream",
    "AWS::EC2::Snapshot",
    "AWS::Glue::Table",
    "AWS::ManagedBlockchain::Node",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::SecretsManager::Secret",
    "AWS::SageMaker::Endpoint",
    "AWS::SageMaker::FeatureGroup",
    "AWS::KMS::Key",
    "AWS::CloudTrail::Channel",
)
RESOURCE_TYPES = frozenset(BEDROCK_TYPES + AGENTCORE_TYPES + OTHER_TYPES)
#: Event sources with network activity events the guide uses or suggests (plus CloudTrail's own examples).
NETWORK_SOURCES = frozenset(
    {
        "bedrock.amazonaws.com",
        "s3.amazonaws.com",
        "lambda.amazonaws.com",
        "kms.amazonaws.com",
        "sagemaker.amazonaws.com",
        "secretsmanager.amazonaws.com",
        "cloudtrail.amazonaws.com",
        "ec2.amazonaws.com",
    }
)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_LEFT_OVER = re.compile(r"\{[^}]*\}|\b(?:ACCOUNT_ID|REGION|[A-Z][A-Z0-9]*_(?:ID|NAME|PREFIX))\b")
_FIELD_NAME = re.compile(r"[\w|\d|\.|_]+")


@dataclass(frozen=True)
class Template:
    id: str
    group: str
    name: str
    field_selectors: tuple[Mapping[str, Any], ...]
    placeholders: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def category(self) -> str:
        return _condition(self.field_selectors, "eventCategory")[1][0]


def spec(entry: Any) -> Template:
    block = entry.spec
    return Template(
        entry.id, block["group"], block["name"], tuple(block["field_selectors"]), dict(block.get("placeholders") or {})
    )


def partition_of(region: str) -> str:
    """``cn-north-1`` → ``aws-cn``, ``us-gov-west-1`` → ``aws-us-gov``, otherwise ``aws``."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def fill(
    template: Template, account: str, region: str, resources: Mapping[str, Sequence[str]]
) -> dict[str, Any] | None:
    """The selector for ``account``/``region`` with resource ids filled in (None when a required placeholder
    is missing). A value meets its first missing optional placeholder by ending there: the ARN prefix then
    covers every resource of the type, as the guide says to do for "all resources"."""
    if not re.fullmatch(r"\d{12}", account):
        raise InputError(f"{account!r} is not a 12-digit account id", where="--account")
    if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region):
        raise InputError(f"{region!r} is not a Region name", where="--region")
    known = {"account": [account], "region": [region], "partition": [partition_of(region)]}
    for name, spec_ in template.placeholders.items():
        given = [v for v in resources.get(name, ()) if v]
        if given:
            known[name] = list(given)
        elif spec_.get("required"):
            return None
    selectors = []
    for item in template.field_selectors:
        out: dict[str, Any] = {"Field": item["Field"]}
        for op in OPERATORS:
            if op in item:
                values: list[str] = []
                for value in item[op]:
                    for filled in _expand(str(value), known, prefix=op in ("StartsWith", "NotStartsWith")):
                        if filled not in values:
                            values.append(filled)
                out[op] = values
        selectors.append(out)
    return {"Name": template.name, "FieldSelectors": selectors}


def _expand(value: str, known: Mapping[str, list[str]], *, prefix: bool) -> list[str]:
    names = _PLACEHOLDER.findall(value)
    cut = next((i for i, name in enumerate(names) if name not in known), None)
    if cut is not None:
        if not prefix:
            raise InputError(f"{{{names[cut]}}} has no value (give --resource {names[cut]}=ID)", where="--resource")
        value = value[: value.index("{" + names[cut] + "}")]
        names = names[:cut]
    out = []
    for combo in itertools.product(*(known[name] for name in names)):
        text = value
        for name, filled in zip(names, combo):
            text = text.replace("{" + name + "}", filled, 1)
        out.append(text)
    return out


def recommended(
    account: str,
    region: str,
    resources: Mapping[str, Sequence[str]] | None = None,
    groups: Iterable[str] = ("org", "bedrock", "agentcore"),
) -> tuple[list[dict[str, Any]], list[str]]:
    """Every selector of ``groups`` filled in, and notes on the ones left out (a required resource missing)."""
    wanted = set(groups)
    unknown_groups = wanted - {"org", "bedrock", "agentcore"}
    if unknown_groups:
        raise InputError(
            f"unknown selector group {sorted(unknown_groups)[0]!r} (org, bedrock, agentcore)", where="--group"
        )
    resources = resources or {}
    templates = [spec(catalog[i]) for i in catalog if catalog[i].kind == "event_selector"]
    known_names = {name for t in templates for name in t.placeholders}
    unknown = sorted(set(resources) - known_names)
    if unknown:
        raise InputError(
            f"no selector has a placeholder {unknown[0]!r} (known: {', '.join(sorted(known_names))})",
            where="--resource",
        )
    order = {"org": 0, "bedrock": 1, "agentcore": 2}
    out, notes = [], []
    for template in sorted(templates, key=lambda t: (order[t.group], t.id)):
        if template.group not in wanted:
            continue
        selector = fill(template, account, region, resources)
        if selector is None:
            missing = [n for n, s in template.placeholders.items() if s.get("required") and not resources.get(n)]
            notes.append(
                f"{template.id} left out: give --resource {missing[0]}=... "
                f"({template.placeholders[missing[0]]['description']})"
            )
            continue
        out.append(selector)
    return out, notes


# -- validation -------------------------------------------------------------------------------------
def _condition(field_selectors: Iterable[Mapping[str, Any]], name: str) -> tuple[str, list[str]]:
    for item in field_selectors:
        if item.get("Field") == name:
            op = next((o for o in OPERATORS if o in item), "")
            return op, list(item.get(op) or [])
    return "", []


def count_values(selectors: Iterable[Mapping[str, Any]]) -> int:
    """Condition values, as CloudTrail counts them against its 500-per-trail quota."""
    return sum(
        len(item.get(op) or []) for sel in selectors for item in sel.get("FieldSelectors", []) for op in OPERATORS
    )


def validate(selectors: Sequence[Mapping[str, Any]], *, strict_types: bool = True) -> list[str]:
    """Everything CloudTrail (or the guide's own warning about placeholders) would refuse, one message each."""
    errors: list[str] = []
    for index, sel in enumerate(selectors):
        name = sel.get("Name") or f"selector {index + 1}"
        where = f"{name}"
        if len(str(sel.get("Name") or "")) > 1000:
            errors.append(f"{where}: Name is longer than 1,000 characters")
        items = sel.get("FieldSelectors")
        if not isinstance(items, list) or not items:
            errors.append(f"{where}: FieldSelectors must be a non-empty list")
            continue
        seen: set[str] = set()
        for item in items:
            fname = item.get("Field")
            if not isinstance(fname, str) or not _FIELD_NAME.fullmatch(fname) or len(fname) > 1000:
                errors.append(f"{where}: {fname!r} is not a field name")
                continue
            if fname in seen:
                errors.append(f"{where}: two field selectors on {fname} (CloudTrail allows one per field)")
            seen.add(fname)
            ops = [op for op in item if op != "Field"]
            if not ops or any(op not in OPERATORS for op in ops):
                errors.append(f"{where}: {fname} needs operators from {', '.join(OPERATORS)}")
            if fname in EQUALS_ONLY and ops != ["Equals"]:
                errors.append(f"{where}: {fname} takes Equals only")
            for op in ops:
                values = item.get(op)
                if not isinstance(values, list) or not values:
                    errors.append(f"{where}: {fname}.{op} must be a non-empty list")
                    continue
                for value in values:
                    if not isinstance(value, str) or not 1 <= len(value) <= 2048:
                        errors.append(f"{where}: {fname}.{op} value {value!r} must be text of 1 to 2,048 characters")
                    elif _LEFT_OVER.search(value):
                        errors.append(f"{where}: {fname} value {value!r} still holds a placeholder")
                    elif "*" in value:
                        errors.append(f"{where}: {fname} value {value!r} uses '*'; selectors have no wildcards")
        op, category = _condition(items, "eventCategory")
        if op != "Equals" or len(category) != 1 or category[0] not in FIELDS:
            errors.append(f"{where}: eventCategory must equal one of {', '.join(FIELDS)}")
            continue
        kind = category[0]
        extra = sorted(seen - FIELDS[kind])
        if extra:
            errors.append(f"{where}: {kind} selectors do not take {', '.join(extra)}")
        if "readOnly" in seen and not set(_condition(items, "readOnly")[1]) <= {"true", "false"}:
            errors.append(f"{where}: readOnly equals true or false")
        if kind == "Data":
            types = _condition(items, "resources.type")[1]
            if len(types) != 1:
                errors.append(f"{where}: a data selector needs exactly one resources.type")
            elif strict_types and types[0] not in RESOURCE_TYPES:
                errors.append(f"{where}: {types[0]!r} is not a CloudTrail data-event resource type")
        if kind == "NetworkActivity":
            op, sources = _condition(items, "eventSource")
            if op != "Equals" or not sources:
                errors.append(f"{where}: a network activity selector needs eventSource Equals")
            elif strict_types and not set(sources) <= NETWORK_SOURCES:
                errors.append(f"{where}: no network activity events for {sorted(set(sources) - NETWORK_SOURCES)[0]}")
            op, codes = _condition(items, "errorCode")
            if codes and (op != "Equals" or set(codes) != {"VpceAccessDenied"}):
                errors.append(f"{where}: errorCode can only equal VpceAccessDenied")
        if kind == "Management" and "eventSource" in seen:
            op, sources = _condition(items, "eventSource")
            if op != "NotEquals" or not set(sources) <= {"kms.amazonaws.com", "rdsdata.amazonaws.com"}:
                errors.append(
                    f"{where}: management selectors can only exclude kms.amazonaws.com or rdsdata.amazonaws.com"
                )
    total = count_values(selectors)
    if total > MAX_VALUES:
        errors.append(f"{total} condition values; a trail allows at most {MAX_VALUES} across its selectors")
    return errors


# -- current selectors: read, merge, coverage -------------------------------------------------------
_CAMEL = {
    "name": "Name",
    "fieldSelectors": "FieldSelectors",
    "field": "Field",
    "equals": "Equals",
    "startsWith": "StartsWith",
    "endsWith": "EndsWith",
    "notEquals": "NotEquals",
    "notStartsWith": "NotStartsWith",
    "notEndsWith": "NotEndsWith",
}


def _pascal(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {_CAMEL.get(k, k): _pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_pascal(v) for v in value]
    return value


def from_basic(selectors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Basic ``EventSelectors`` as the advanced selectors that record the same (the conversion CloudTrail's
    console offers), so a merge can keep them."""
    out: list[dict[str, Any]] = []
    for index, sel in enumerate(selectors, start=1):
        rw = str(sel.get("ReadWriteType") or "All")
        read_only = [] if rw == "All" else [{"Field": "readOnly", "Equals": ["true" if rw == "ReadOnly" else "false"]}]
        if sel.get("IncludeManagementEvents", True):
            items: list[dict[str, Any]] = [{"Field": "eventCategory", "Equals": ["Management"]}, *read_only]
            excluded = list(sel.get("ExcludeManagementEventSources") or [])
            if excluded:
                items.append({"Field": "eventSource", "NotEquals": excluded})
            out.append({"Name": f"Management events (from event selector {index})", "FieldSelectors": items})
        for resource in sel.get("DataResources") or []:
            rtype = resource.get("Type")
            items = [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": [rtype]},
                *read_only,
            ]
            prefixes = [
                v for v in resource.get("Values") or [] if v not in ("arn:aws:s3", "arn:aws:s3:::", "arn:aws:lambda")
            ]
            if prefixes:
                items.append({"Field": "resources.ARN", "StartsWith": prefixes})
            out.append({"Name": f"{rtype} data events (from event selector {index})", "FieldSelectors": items})
    return out


def current_selectors(doc: Any) -> tuple[list[dict[str, Any]], str | None]:
    """A trail's current selectors, and its ARN when the document names it, from any of: the JSON of
    ``aws cloudtrail get-event-selectors``; a list of advanced selectors; a CloudTrail ``PutEventSelectors``
    event (or a ``{"Records": [...]}`` file holding some: the last one counts)."""
    if isinstance(doc, Mapping) and isinstance(doc.get("Records"), list):
        puts = [r for r in doc["Records"] if isinstance(r, Mapping) and r.get("eventName") == "PutEventSelectors"]
        if not puts:
            raise InputError("no PutEventSelectors event in the records", where="--current")
        doc = max(puts, key=lambda r: str(r.get("eventTime") or ""))
    if isinstance(doc, Mapping) and doc.get("eventName") == "PutEventSelectors":
        params = doc.get("requestParameters") or {}
        response = doc.get("responseElements") or {}
        arn = response.get("trailARN") or params.get("trailName")
        if params.get("advancedEventSelectors") is not None:
            return _pascal(params["advancedEventSelectors"]), arn
        basic = [_pascal_basic(s) for s in params.get("eventSelectors") or []]
        return from_basic(basic), arn
    if isinstance(doc, list):
        return _pascal(doc), None
    if isinstance(doc, Mapping):
        arn = doc.get("TrailARN")
        if doc.get("AdvancedEventSelectors"):
            return _pascal(doc["AdvancedEventSelectors"]), arn
        if doc.get("EventSelectors"):
            return from_basic(doc["EventSelectors"]), arn
        if "AdvancedEventSelectors" in doc or "EventSelectors" in doc:
            return [], arn
    raise InputError(
        "not a get-event-selectors result, a selector list or a PutEventSelectors event", where="--current"
    )


def _pascal_basic(sel: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "ReadWriteType": sel.get("readWriteType", sel.get("ReadWriteType", "All")),
        "IncludeManagementEvents": sel.get("includeManagementEvents", sel.get("IncludeManagementEvents", True)),
        "DataResources": [
            {"Type": r.get("type", r.get("Type")), "Values": r.get("values", r.get("Values", []))}
            for r in sel.get("dataResources", sel.get("DataResources", []))
        ],
        "ExcludeManagementEventSources": sel.get("excludeManagementEventSources", []),
    }


def _covers(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> str:
    """``full`` when ``current`` records every event ``wanted`` does, ``partial`` when it is the same kind of
    selector with narrower conditions, ``none`` otherwise."""
    cur, want = current.get("FieldSelectors") or [], wanted.get("FieldSelectors") or []
    if _condition(cur, "eventCategory") != _condition(want, "eventCategory"):
        return "none"
    category = _condition(want, "eventCategory")[1][0]
    anchor = {"Data": "resources.type", "NetworkActivity": "eventSource"}.get(category)
    if anchor:
        cur_op, cur_values = _condition(cur, anchor)
        _, want_values = _condition(want, anchor)
        if cur_op != "Equals" or not set(want_values) <= set(cur_values):
            return "none"
    wanted_by_field = {item["Field"]: item for item in want}
    for item in cur:
        name = item["Field"]
        if name in ("eventCategory", anchor):
            continue
        if not _broader(item, wanted_by_field.get(name)):
            return "partial"
    return "full"


def _broader(cur: Mapping[str, Any], want: Mapping[str, Any] | None) -> bool:
    """Whether condition ``cur`` lets through everything ``want`` (None: no condition) does."""
    if want is None:
        return False
    cur_op = next(o for o in OPERATORS if o in cur)
    want_op = next((o for o in OPERATORS if o in want), "")
    cur_values, want_values = cur[cur_op], want.get(want_op) or []
    if cur_op == "Equals":
        return want_op == "Equals" and set(want_values) <= set(cur_values)
    if cur_op == "StartsWith":
        return want_op in ("Equals", "StartsWith") and all(
            any(w.startswith(c) for c in cur_values) for w in want_values
        )
    if cur_op == "EndsWith":
        return want_op in ("Equals", "EndsWith") and all(any(w.endswith(c) for c in cur_values) for w in want_values)
    return want_op == cur_op and set(cur_values) <= set(want_values)


def _label(selector: Mapping[str, Any]) -> str:
    items = selector.get("FieldSelectors") or []
    category = (_condition(items, "eventCategory")[1] or ["?"])[0]
    anchor = _condition(items, "resources.type")[1] or _condition(items, "eventSource")[1]
    return f"{category} {', '.join(anchor)}".strip()


def coverage(current: Sequence[Mapping[str, Any]], wanted: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Per recommended selector: ``recorded`` (by which current selector), ``narrower`` (a current selector of
    the same kind filters more) or ``not recorded``."""
    rows = []
    for want in wanted:
        status, by = "not recorded", ""
        for cur in current:
            verdict = _covers(cur, want)
            if verdict == "full":
                status, by = "recorded", str(cur.get("Name") or "")
                break
            if verdict == "partial" and status == "not recorded":
                status, by = "narrower", str(cur.get("Name") or "")
        rows.append({"selector": str(want.get("Name")), "records": _label(want), "status": status, "by": by})
    return rows


@dataclass
class Merge:
    selectors: list[dict[str, Any]]
    coverage: list[dict[str, str]]
    added: list[str]
    notes: list[str]


def merge(current: Sequence[Mapping[str, Any]], wanted: Sequence[Mapping[str, Any]]) -> Merge:
    """The set to send: every current selector, plus each recommended one the trail does not fully record,
    and a management-events selector when neither had one. Raises ``InputError`` over the 500-value quota."""
    rows = coverage(current, wanted)
    out = [dict(sel) for sel in current]
    added = []
    for want, row in zip(wanted, rows):
        if row["status"] != "recorded":
            out.append(dict(want))
            added.append(str(want.get("Name")))
    notes = []
    if not any(_condition(s.get("FieldSelectors") or [], "eventCategory")[1] == ["Management"] for s in out):
        out.insert(
            0, {"Name": "Management events", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}
        )
        added.insert(0, "Management events")
        notes.append(
            "added a management-events selector: PutEventSelectors replaces the whole set, and a trail without "
            "one stops recording management events"
        )
    names = [str(s.get("Name") or "") for s in out]
    for index, name in enumerate(names):
        if name and names.index(name) != index:
            out[index]["Name"] = f"{name} ({index + 1})"
    total = count_values(out)
    if total > MAX_VALUES:
        raise InputError(
            f"the merged set has {total} condition values; CloudTrail allows {MAX_VALUES} per trail — leave a group "
            "out (--group), narrow the current selectors, or give fewer resource ids",
            where="selectors",
        )
    return Merge(out, rows, added, notes)


# -- the kind protocol ----------------------------------------------------------------------------
def check(entry: Any) -> None:
    template = spec(entry)
    where = str(entry.path or entry.id)
    used = {
        n
        for item in template.field_selectors
        for op in OPERATORS
        for v in item.get(op) or []
        for n in _PLACEHOLDER.findall(str(v))
    }
    undeclared = sorted(used - set(template.placeholders) - {"account", "region", "partition"})
    if undeclared:
        raise InputError(
            f"event_selector: placeholder {{{undeclared[0]}}} is not declared in placeholders", where=where
        )
    example = fill(template, "111122223333", "us-east-1", {n: ["example"] for n in template.placeholders})
    problems = validate([example] if example else [])
    if problems:
        raise InputError("event_selector: " + "; ".join(problems), where=where)
    expected = {"bedrock": "SEL-BR-", "agentcore": "SEL-AC-", "org": "SEL-ORG-"}[template.group]
    if not entry.id.startswith(expected):
        raise InputError(f"event_selector.group {template.group} needs an id starting {expected}", where=where)


def detect(ctx: Any, entry: Any, **params: Any) -> list[Any]:
    """Selectors configure what CloudTrail records; they report nothing."""
    return []


def render(entry: Any, account: str = "111122223333", region: str = "us-east-1", **resources: Any) -> str:
    filled = fill(spec(entry), account, region, {k: v if isinstance(v, list) else [v] for k, v in resources.items()})
    return json.dumps(filled, indent=2) + "\n"


def run(entry: Any, src: Any, time_range: TimeRange, **params: Any) -> Result:
    raise InputError(f"{entry.id} is an event selector: print it with `aiaudit setup selectors`", where=entry.id)
