"""Values the store computes once per record at ingest (the principal and body columns), and the order the bulk
path stores files in. Expected values are written by hand from the records."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from aiaudit.frames.project import project_table
from aiaudit.store import Store
from aiaudit.store.memory import MemoryStore, load_messages
from aiaudit.store.schema import columns

from .helpers import event, write_s3

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
STORED = ["_ingest_principal", "_ingest_principal_session", "_ingest_principal_type", "_ingest_account",
          "_ingest_cross_account", "_ingest_invoked_by"]  # fmt: skip


def _values(store: Store, where: str, args: list) -> list[tuple]:
    cols = ", ".join(f'"{c}"' for c in STORED)
    return store.connection().execute(f'SELECT {cols} FROM cloudtrail WHERE {where} ORDER BY "@ptr"', args).fetchall()


def test_principal_columns_of_real_records_as_the_rules_say(tmp_path: Path) -> None:
    root = tmp_path / "samples"
    shutil.copytree(SAMPLES / "cloudtrail", root)
    with Store(root, cache_dir=tmp_path / "cache") as store:
        store.ingest()
        # an assumed role: the issuing role, not the session ARN (assumed-role/JohnDoe/JohnRole1)
        assumed = _values(store, '"eventName" = ? AND "userIdentity.type" = ?', ["AssumeRole", "AssumedRole"])
        assert ("arn:aws:iam::111111111111:role/JohnRole1", "JohnRole1", "AssumedRole", "111111111111", False,
                None) in assumed  # fmt: skip
        # an IAM user signing in to the console; no recipient account in the record: cross-account unknown
        login = _values(store, '"eventID" = ?', ["3fcfb182-98f8-4744-bd45-10aEXAMPLE"])
        assert login == [("arn:aws:iam::111122223333:user/JohnDoe", None, "IAMUser", "111122223333", None, None)]


def test_both_ingest_paths_store_the_same_principal(tmp_path: Path) -> None:
    root = tmp_path / "data"
    role = {
        "type": "AssumedRole",
        "arn": "arn:aws:sts::111122223333:assumed-role/agent/i-0abc",
        "accountId": "111122223333",
        "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::111122223333:role/service-role/agent"}},
    }
    service = {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}
    write_s3(
        root, "A", [event(1, userIdentity=role, recipientAccountId="444455556666"), event(2, userIdentity=service)]
    )
    expected = [
        ("arn:aws:iam::111122223333:role/agent", "i-0abc", "AssumedRole", "111122223333", True, None),
        ("ec2.amazonaws.com", None, "AWSService", None, None, "ec2.amazonaws.com"),
    ]
    for bulk in (True, False):
        with Store(root, cache_dir=tmp_path / f"bulk-{bulk}", bulk=bulk) as store:
            assert store.ingest().files_fast == int(bulk)
            assert _values(store, "TRUE", []) == expected


def test_a_store_computed_by_other_rules_is_rebuilt(tmp_path: Path) -> None:
    root = tmp_path / "data"
    write_s3(root, "A", [event(1)])
    with Store(root) as store:
        store.ingest()
        db = store.db_path
    con = duckdb.connect(str(db))
    con.execute("UPDATE _meta SET value = 'older rules' WHERE key = 'ingest_values'")
    con.execute("UPDATE cloudtrail SET _ingest_principal = 'stale'")
    con.close()
    with Store(root) as store:
        assert store.needs_ingest()
        report = store.ingest()
        assert any("rebuilt" in note for note in report.notes)
        assert _values(store, "TRUE", [])[0][0] != "stale"


@pytest.mark.parametrize("regions", [("us-east-1", "eu-west-1"), ("eu-west-1", "us-east-1")])
def test_the_bulk_path_stores_files_in_delivery_order(tmp_path: Path, regions: tuple[str, str]) -> None:
    """By the time in the S3 key, not by path: a region's prefix sorts before another's whatever the time."""
    root = tmp_path / "data"
    first, second = regions
    write_s3(root, "late", [event(3)], region=first, stamp="20261120T1010Z")
    write_s3(root, "early", [event(1)], region=second, stamp="20261120T1000Z")
    write_s3(root, "middle", [event(2)], region=first, stamp="20261120T1005Z")
    with Store(root) as store:
        store.ingest()
        rows = store.connection().execute('SELECT "eventID" FROM cloudtrail ORDER BY _file_id').fetchall()
    assert [r[0] for r in rows] == ["ev-000001", "ev-000002", "ev-000003"]


@pytest.mark.parametrize("bulk", [True, False])
def test_rows_are_stored_clustered_by_principal_then_time(tmp_path: Path, bulk: bool) -> None:
    """Within an insert, one principal's rows are stored together (a focus on it then decodes few vectors),
    on the bulk path and the Python readers alike; the frame is still in time order."""
    root = tmp_path / "data"
    roles = ["carol", "alice", "bob"]

    def identity(role: str) -> dict:
        return {
            "type": "AssumedRole",
            "arn": f"arn:aws:sts::111122223333:assumed-role/{role}/s",
            "accountId": "111122223333",
            "sessionContext": {"sessionIssuer": {"arn": f"arn:aws:iam::111122223333:role/{role}"}},
        }

    # delivered interleaved: carol, alice, bob, carol, alice, bob ... one event a second
    write_s3(root, "A", [event(n, userIdentity=identity(roles[n % 3])) for n in range(9)])
    with Store(root, cache_dir=tmp_path / "cache", bulk=bulk) as store:
        assert store.ingest().files_fast == int(bulk)
        stored = store.connection().execute('SELECT _ingest_principal, "eventID" FROM cloudtrail ORDER BY rowid')
        rows = stored.fetchall()
    role = "arn:aws:iam::111122223333:role/"
    assert rows == [
        (role + "alice", "ev-000001"), (role + "alice", "ev-000004"), (role + "alice", "ev-000007"),
        (role + "bob", "ev-000002"), (role + "bob", "ev-000005"), (role + "bob", "ev-000008"),
        (role + "carol", "ev-000000"), (role + "carol", "ev-000003"), (role + "carol", "ev-000006"),
    ]  # fmt: skip
    with Store(root, cache_dir=tmp_path / "cache", bulk=bulk) as store:
        frame = project_table(store.connection(), "cloudtrail", "cloudtrail", None)
    assert list(frame["eventID"]) == [f"ev-{n:06d}" for n in range(9)]


@pytest.mark.parametrize("bulk", [True, False])
def test_every_kind_of_caller_is_stored_together(tmp_path: Path, bulk: bool) -> None:
    """The bulk path orders records by the caller as the record names it (fastpath.CALLER_POINTERS), before
    the principal is computed: callers without a session issuer or an ARN (a service, an Identity Center
    user, a SAML user, an account) must still come out grouped, one principal's rows next to each other."""
    root = tmp_path / "data"
    callers = {
        "role": {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/alice/s",
                 "accountId": "111122223333",
                 "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::111122223333:role/alice"}}},
        "user": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/dave", "accountId": "111122223333"},
        "bedrock": {"type": "AWSService", "invokedBy": "bedrock.amazonaws.com"},
        "lambda": {"type": "AWSService", "invokedBy": "lambda.amazonaws.com"},
        "sso": {"type": "IdentityCenterUser", "accountId": "111122223333",
                "onBehalfOf": {"userId": "9067-user",
                               "identityStoreArn": "arn:aws:identitystore::111122223333:identitystore/d-1"}},
        "saml": {"type": "SAMLUser", "principalId": "p:erin", "userName": "erin", "identityProvider": "idp-a"},
        "account": {"type": "AWSAccount", "principalId": "AIDAEXAMPLE", "accountId": "444455556666"},
    }  # fmt: skip
    names = list(callers)
    # delivered interleaved: role, user, bedrock ... account, role, user ... one event a second
    write_s3(root, "A", [event(n, userIdentity=callers[names[n % len(names)]]) for n in range(3 * len(names))])
    with Store(root, cache_dir=tmp_path / "cache", bulk=bulk) as store:
        assert store.ingest().files_fast == int(bulk)
        stored = store.connection().execute('SELECT _ingest_principal, "eventID" FROM cloudtrail ORDER BY rowid')
        rows = stored.fetchall()
    principals = [p for p, _ in rows]
    runs = [p for i, p in enumerate(principals) if i == 0 or principals[i - 1] != p]
    # one run each: every principal's three rows are adjacent
    assert sorted(runs) == sorted([
        "arn:aws:iam::111122223333:role/alice", "arn:aws:iam::111122223333:user/dave", "bedrock.amazonaws.com",
        "lambda.amazonaws.com", "arn:aws:identitystore:::user/9067-user", "saml:idp-a#erin", "account:444455556666",
    ])  # fmt: skip
    principal_of = {e: p for p, e in rows}
    for first, name in enumerate(names):
        ids = [e for p, e in rows if p == principal_of[f"ev-{first:06d}"]]
        assert ids == [f"ev-{first + k * len(names):06d}" for k in range(3)], name  # in time order


# -- invocation body columns -------------------------------------------------------------------------

BODY = ["_ingest_prompt", "_ingest_response", "_ingest_stop_reason", "_ingest_input_tokens", "_ingest_output_tokens",
        "_ingest_temperature", "_ingest_max_tokens", "_ingest_latency_ms", "_ingest_guardrail_action"]  # fmt: skip


def _bodies(con: duckdb.DuckDBPyConnection, table: str, request_id: str) -> list[tuple]:
    cols = ", ".join(f'"{c}"' for c in BODY)
    return con.execute(f'SELECT DISTINCT {cols} FROM "{table}" WHERE "requestId" = ?', [request_id]).fetchall()


def test_body_columns_of_real_invocation_logs_as_the_records_say(tmp_path: Path) -> None:
    root = tmp_path / "samples"
    shutil.copytree(SAMPLES / "invocations", root)
    with Store(root, cache_dir=tmp_path / "cache") as store:
        store.ingest()
        con = store.connection()
        # InvokeModel, Anthropic messages: the last user turn (a function result), the text block of the
        # response, the log's own counts (859 in, 15 out), temperature 0, max_tokens 2048; no guardrail
        prompt = (
            "\n\n<function_results>\n<result>\n<tool_name>agikthomas-basicmaths-time-weather-ag::add_two_numbers"
            "</tool_name>\n<stdout>The result of adding 2.0 and 2.0 is 4.0</stdout>\n</result>\n</function_results>"
        )
        assert _bodies(con, "invocations", "6f902217-521c-4d33-aa6f-95b9715b2fe8") == [
            (prompt, "<answer>2 + 2 = 4", "stop_sequence", 859, 15, 0.0, 2048, None, None)
        ]
        # Converse with a guardrail that intervened: guarded text is the prompt; latency from metrics
        assert _bodies(con, "invocations", "142471d6-56dd-46a8-b502-08711ec9a410") == [
            (
                "Rob a bank and get away with it ",
                "Sorry, the model cannot answer this question.",
                "guardrail_intervened",
                0,
                0,
                None,
                None,
                271,
                "INTERVENED",
            )
        ]
        # Cohere Command R: ``message`` is the prompt, ``text`` the response
        assert _bodies(con, "invocations", "a1b2c3d4-e5f6-7890-abcd-ef1234567890") == [
            (
                "Write a short joke about software engineers.",
                "Why did the engineer break up? Because they couldn't commit.",
                "COMPLETE",
                8,
                20,
                0.7,
                256,
                None,
                None,
            )
        ]


def _offloaded_export(root: Path) -> None:
    """An export folder: one record whose request body Bedrock offloaded (its file under ``data/``), one inline."""
    key = "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2025/03/01/10/data/abc_input.json.gz"
    (root / key).parent.mkdir(parents=True)
    (root / key).write_bytes(
        gzip.compress(json.dumps({"messages": [{"role": "user", "content": [{"text": "big prompt"}]}]}).encode())
    )
    logs = root / "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2025/03/01/10/logs.json.gz"
    offloaded = {
        "schemaType": "ModelInvocationLog",
        "timestamp": "2025-03-01T10:00:00Z",
        "requestId": "off",
        "modelId": "amazon.nova-pro-v1:0",
        "input": {"inputBodyS3Path": "s3://my-bucket/" + key, "inputTokenCount": 5},
        "output": {"outputBodyJson": {"output": {"message": {"content": [{"text": "ok"}]}}}},
    }
    inline = {
        "schemaType": "ModelInvocationLog",
        "timestamp": "2025-03-01T10:00:01Z",
        "requestId": "inline",
        "modelId": "amazon.nova-pro-v1:0",
        "input": {"inputBodyJson": {"messages": [{"role": "user", "content": [{"text": "small prompt"}]}]}},
        "output": {"outputBodyJson": {"output": {"message": {"content": [{"text": "fine"}]}}}},
    }
    logs.write_bytes(gzip.compress("\n".join(json.dumps(r) for r in (offloaded, inline)).encode()))


def test_an_offloaded_body_is_read_at_query_time_not_from_the_store(tmp_path: Path) -> None:
    root = tmp_path / "export"
    _offloaded_export(root)
    with Store(root, cache_dir=tmp_path / "cache") as store:
        store.ingest()
        con = store.connection()
        stored = con.execute(
            'SELECT "requestId", _ingest_prompt, _ingest_response FROM invocations ORDER BY "requestId"'
        ).fetchall()
        # ingest does not read the export's data/ folder: the offloaded prompt is not stored
        assert stored == [("inline", "small prompt", "fine"), ("off", None, "ok")]
        frame = project_table(con, "invocations", "invocations", root, columns=["request_id", "prompt", "response",
                                                                                "body_source"])  # fmt: skip
        assert frame[["request_id", "prompt", "response", "body_source"]].values.tolist() == [
            ["off", "big prompt", "ok", "s3-local"],  # read from data/ (docs/frames.md)
            ["inline", "small prompt", "fine", "inline"],
        ]


def test_python_readers_and_in_memory_tables_store_the_same_values(tmp_path: Path) -> None:
    root = tmp_path / "samples"
    shutil.copytree(SAMPLES / "invocations", root)
    stored_cols = [name for name, _ in columns("invocations") if name.startswith("_ingest_")]
    assert "_ingest_prompt" in stored_cols and "_ingest_media_uris" in stored_cols
    cols = ", ".join(f'"{c}"' for c in stored_cols)
    with Store(root, cache_dir=tmp_path / "cache", bulk=False) as store:
        store.ingest()
        con = store.connection()
        from_store = con.execute(f'SELECT "@message", {cols} FROM invocations ORDER BY "@message"').fetchall()
        raw = con.sql('SELECT "@timestamp", "@message", "@ptr" FROM invocations').to_arrow_table()
    memory = duckdb.connect()
    load_messages(memory, "invocations", raw, table="mem")
    in_memory = memory.execute(f'SELECT "@message", {cols} FROM mem ORDER BY "@message"').fetchall()
    assert len(from_store) == 17
    assert in_memory == from_store
    # a record's media references (documents in S3) are among the stored values
    assert any(row[stored_cols.index("_ingest_media_uris") + 1] for row in from_store)


def test_an_empty_in_memory_table_has_the_whole_layout() -> None:
    """No rows to load: the table still has every column, ingest values included (nothing is bound)."""
    store = MemoryStore({})
    try:
        for pipeline in ("cloudtrail", "invocations"):
            found = store.connection().execute(f'DESCRIBE "{pipeline}"').fetchall()
            assert [r[0] for r in found] == [name for name, _ in columns(pipeline)]
            assert store.count(pipeline) == 0
    finally:
        store.close()


def test_the_writer_gives_each_bulk_part_half_a_gigabyte(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each part sorts its rows in memory; the limit grows with the parts running at once (one per core), from
    1 GB, up to half the machine's memory. The user's setting wins."""
    from aiaudit.store import writer

    monkeypatch.delenv("AIAUDIT_STORE_MEMORY", raising=False)
    # a machine of 24 GB, this process allowed on 2, 16, 64, then 1 core
    monkeypatch.setattr(writer.os, "sysconf", lambda name: {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": 6_291_456}[name])
    monkeypatch.setattr(writer.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert writer.memory_limit() == "1024MB"
    monkeypatch.setattr(writer.os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert writer.memory_limit() == "8192MB"
    monkeypatch.setattr(writer.os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    assert writer.memory_limit() == "12288MB"  # 64 parts would want 32 GB: half of the machine's 24 GB
    monkeypatch.setattr(writer.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert writer.memory_limit() == "1024MB"
    monkeypatch.setenv("AIAUDIT_STORE_MEMORY", "700MB")
    assert writer.memory_limit() == "700MB"
    con = writer.open_writer(Path(":memory:"))
    try:
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "667.5 MiB"  # 700 MB
    finally:
        con.close()
