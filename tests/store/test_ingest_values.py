"""Values the store computes once per record at ingest (the principal columns), and the order the bulk
path stores files in. Expected values are written by hand from the records."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from aiaudit.store import Store

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
