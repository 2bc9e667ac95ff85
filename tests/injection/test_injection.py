"""Hostile values through every way a value reaches a query, on both backends: data, never syntax.

Each of 1,000+ generated values (``hostile.py``) is planted in a store as the ``eventName`` and
``requestID`` of its own CloudTrail event; then bound as a query parameter (``Source.query(params=)``,
which the CLI's ``--param``, catalogue and playbook parameters and notebook widgets all reach) and
used as a focus filter (``src.cloudtrail(request_id=...)``, which ``aiaudit pivot`` calls). It must
match exactly its own event, and on the AWS backend (real boto3 against ``aiaudit emulate`` on
loopback) the text sent must have the shape of the same query with a harmless value: the same tree
once literals are masked, with the value as one literal, exactly.

A second language plugs in through ``languages.LANGUAGES`` (parameter syntax, parser, shape).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from aiaudit.core.config import Config
from aiaudit.core.errors import QuerySyntaxError
from aiaudit.core.timerange import TimeRange
from aiaudit.sources.aws.emulator import Emulator, serve, url_of
from aiaudit.sources.aws.options import AwsOptions
from aiaudit.sources.aws.source import AwsSource
from aiaudit.sources.connect import connect
from aiaudit.sources.spec import parse_spec

from .hostile import hostile_values
from .languages import LANGUAGES, Language

VALUES = hostile_values(1000)
TR = TimeRange(datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 5, 2, tzinfo=UTC))
BATCH = 25


def _request_id(i: int) -> str:
    return f"req-{i:05d}"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "data"
    root.mkdir()
    with (root / "events.jsonl").open("w", encoding="utf-8") as out:
        for i, value in enumerate(VALUES):
            event = {
                "eventVersion": "1.08",
                "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"},
                "eventTime": f"2024-05-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
                "eventSource": "s3.amazonaws.com",
                "eventName": value,
                "requestID": _request_id(i),
                "eventID": f"evt-{i}",
                "requestParameters": {"hostile": value},
            }
            out.write(json.dumps(event) + "\n")
    return root


@pytest.fixture(scope="module")
def local(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return connect(f"local:{data}", cache_dir=str(tmp_path_factory.mktemp("hostile-store")))


@pytest.fixture(scope="module")
def aws(local: Any) -> Any:
    """An AwsSource whose boto3 client talks to the emulator (backed by the local source) on loopback."""
    emulator = Emulator(local)
    server = serve(emulator)
    patch = pytest.MonkeyPatch()
    patch.setenv("AWS_ENDPOINT_URL", url_of(server))
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        patch.setenv(name, value)
    patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    patch.delenv("AWS_PROFILE", raising=False)
    opts = AwsOptions(
        cache=False, progress=False, poll_initial_s=0.01, retry_base_s=0.01, sdk_attempts=1, projection_language="sql"
    )
    source = AwsSource(parse_spec("aws:@us-east-1"), Config(), options=opts)
    yield source, emulator
    server.shutdown()
    server.server_close()
    patch.undo()


def test_at_least_a_thousand_distinct_hostile_values() -> None:
    assert len(set(VALUES)) == len(VALUES) >= 1000
    assert any(len(v) >= 65_536 for v in VALUES) and "\x00" in VALUES and "`" in VALUES


@pytest.mark.parametrize("lang", LANGUAGES, ids=lambda lang: lang.name)
def test_bound_text_keeps_its_shape_and_holds_the_value_exactly(lang: Language) -> None:
    """The AWS backend's binder: the text it would send, for every value, parsed back."""
    query = lang.equals
    benign = lang.shape(lang.bind(query, {"v": "harmless"}))
    for value in VALUES:
        sent = lang.bind(query, {"v": value})
        if lang.max_text is not None and len(sent) > lang.max_text:
            with pytest.raises(QuerySyntaxError, match="at most 10000"):
                lang.shape(sent)
            continue
        assert lang.shape(sent) == benign, repr(value[:80])
        assert lang.literals(sent) == [value], repr(value[:80])


@pytest.mark.parametrize("lang", LANGUAGES, ids=lambda lang: lang.name)
def test_local_backend_matches_each_value_exactly(local: Any, lang: Language) -> None:
    query = lang.equals
    wrong = []
    for i, value in enumerate(VALUES):
        if lang.max_text is not None and len(lang.bind(query, {"v": value})) > lang.max_text:
            with pytest.raises(QuerySyntaxError, match="at most 10000"):
                local.query(query, TR, language=lang.name, params={"v": value}, log_groups=lang.log_groups)
            continue
        result = local.query(query, TR, language=lang.name, params={"v": value}, log_groups=lang.log_groups)
        got = result.frame["requestID"].tolist() if len(result.frame) else []
        if got != [_request_id(i)]:
            wrong.append((value[:60], got[:3]))
    assert wrong == []


#: Logs Insights accepts at most 10,000 characters of query text: longer values get a precise error.
AWS_MAX_QUERY = 10_000
SHORT = [i for i, v in enumerate(VALUES) if len(v) < 200]
LONG = [i for i, v in enumerate(VALUES) if len(v) >= 200]


def _batches() -> list[list[int]]:
    return [SHORT[i : i + BATCH] for i in range(0, len(SHORT), BATCH)]


@pytest.mark.parametrize("lang", LANGUAGES, ids=lambda lang: lang.name)
def test_aws_backend_refuses_values_too_long_for_a_query_precisely(aws: Any, lang: Language) -> None:
    source, _ = aws
    query = lang.equals
    for i in LONG:
        run = {"language": lang.name, "params": {"v": VALUES[i]}, "log_groups": lang.log_groups}
        if len(lang.bind(query, {"v": VALUES[i]})) <= AWS_MAX_QUERY:
            assert source.query(query, TR, **run).frame["requestID"].tolist() == [_request_id(i)]
            continue
        with pytest.raises(QuerySyntaxError, match="at most 10000"):
            source.query(query, TR, **run)


@pytest.mark.parametrize("lang", LANGUAGES, ids=lambda lang: lang.name)
def test_aws_backend_through_the_emulator_sends_the_same_shape(aws: Any, lang: Language) -> None:
    """Real boto3 → emulator → local engine; the text sent is checked, and the rows that come back."""
    source, emulator = aws
    query = lang.within
    benign_shape = None
    wrong = []
    for batch in _batches():
        values = [VALUES[i] for i in batch]
        benign = [f"harmless-{i}" for i in range(len(values))]
        source.query(query, TR, language=lang.name, params={"vs": benign}, log_groups=lang.log_groups)
        benign_shape = lang.shape(_last_text(emulator))
        result = source.query(query, TR, language=lang.name, params={"vs": values}, log_groups=lang.log_groups)
        got = result.frame["requestID"].tolist() if len(result.frame) else []
        sent = _last_text(emulator)
        assert lang.shape(sent) == benign_shape, repr(values[0][:80])
        assert sorted(lang.literals(sent)) == sorted(values)
        if got != [_request_id(i) for i in batch]:
            wrong.append((values[0][:60], got[:3]))
    assert wrong == []


def _last_text(emulator: Emulator) -> str:
    return list(emulator.queries.values())[-1].text


def _where_nodes(text: str) -> set[type]:
    """Node types of the WHERE clause (none when the value has no safe token to push down)."""
    where = sqlglot.parse_one(text, read="spark").args.get("where")
    return {type(node) for node in where.walk()} if where is not None else set()


#: What a focus pushdown may contain: ORs of ANDs of ``@message LIKE 'literal'``, nothing else.
_FOCUS_NODES = {exp.Where, exp.Paren, exp.Or, exp.And, exp.Like, exp.Column, exp.Identifier, exp.Literal}


@pytest.mark.parametrize("backend", ["local", "aws"])
def test_focus_filter_and_pivot_values_are_data(backend: str, local: Any, aws: Any) -> None:
    """``src.cloudtrail(request_id=value)`` (what ``aiaudit pivot`` and the notebooks call) with hostile
    request ids planted as the events' ``requestParameters.hostile``... and as request ids below."""
    source = local if backend == "local" else aws[0]
    emulator = None if backend == "local" else aws[1]
    step = 4 if backend == "local" else 20  # a projection costs ~0.2 s: a quarter locally, a twentieth over HTTP
    wrong = []
    for i in range(0, len(VALUES), step):
        if backend == "aws" and len(VALUES[i]) >= 200:
            continue  # over the query-length limit: the test above
        frame = source.cloudtrail(TR, event_name=VALUES[i])
        # focus values are stripped of surrounding whitespace (pasted values): they match that value
        want = [_request_id(j) for j, v in enumerate(VALUES) if v == VALUES[i].strip() and v]
        if frame["requestID"].tolist() != want:
            wrong.append((VALUES[i][:60], frame["requestID"].tolist()[:3]))
        if emulator is not None:
            nodes = _where_nodes(_last_text(emulator))
            assert nodes <= _FOCUS_NODES, (VALUES[i][:60], nodes - _FOCUS_NODES)
    assert wrong == []


def test_cli_param_values_are_data(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``aiaudit query --param v=VALUE`` (the CLI's typed parameters) for every fifth value that stays
    text (numbers, booleans and ``[a,b]`` lists are typed by design); output as JSON."""
    from aiaudit.cli import main
    from aiaudit.cli.common import parse_params

    checked = 0
    for i in range(0, len(VALUES), 5):
        value = VALUES[i]
        if not isinstance(parse_params([f"v={value}"])["v"], str) or len(value) >= 200:
            continue
        argv = [
            "query",
            "SELECT requestID FROM `cloudtrail` WHERE eventName = :v",
            "--param",
            f"v={value}",
            "--source",
            f"local:{data}",
            "--start",
            "2024-05-01T00:00:00Z",
            "--end",
            "2024-05-02T00:00:00Z",
            "--format",
            "json",
        ]
        assert main(argv) == 0, repr(value[:60])
        rows = json.loads(capsys.readouterr().out)
        assert rows == [{"requestID": _request_id(i)}], repr(value[:60])
        checked += 1
    assert checked >= 150
