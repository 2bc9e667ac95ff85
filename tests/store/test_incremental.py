"""Incremental ingest, duplicates, store location and a self-contained store."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from aiaudit.core.errors import SourceError
from aiaudit.store import Store

from .helpers import bump_mtime, event, write_s3

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"


def _ids(store: Store) -> list[str]:
    return sorted(store.select_raw("cloudtrail", None)["eventID"])


def test_only_new_changed_and_removed_files_are_read(tmp_path: Path) -> None:
    root = tmp_path / "data"
    a = write_s3(root, "A", [event(1), event(2)])
    b = write_s3(root, "B", [event(3)])
    store = Store(root)
    assert store.needs_ingest()
    first = store.ingest()
    assert (first.files_new, first.records_kept) == (2, 3)
    assert not store.needs_ingest()
    again = store.ingest()
    assert (again.files_new, again.files_unchanged, again.records_read) == (0, 2, 0)

    write_s3(root, "C", [event(4)])
    assert store.needs_ingest()
    r = store.ingest()
    assert (r.files_new, r.files_unchanged, r.records_read) == (1, 2, 1)

    write_s3(root, "A", [event(1), event(2), event(5)])  # re-written with another event: changed
    bump_mtime(a)
    r = store.ingest()
    assert (r.files_changed, r.records_read) == (1, 3)
    assert _ids(store) == ["ev-000001", "ev-000002", "ev-000003", "ev-000004", "ev-000005"]

    bump_mtime(b)  # same content, new mtime: touched, not re-read
    assert not store.needs_ingest()
    r = store.ingest()
    assert (r.files_touched, r.records_read) == (1, 0)

    b.unlink()
    assert store.needs_ingest()
    r = store.ingest()
    assert r.files_removed == 1
    assert _ids(store) == ["ev-000001", "ev-000002", "ev-000004", "ev-000005"]
    assert list(store.inventory().files["records_kept"]) == [3, 1]
    store.close()


def test_redelivered_events_are_stored_once(tmp_path: Path) -> None:
    root = tmp_path / "data"
    write_s3(root, "A", [event(1), event(2)])
    write_s3(root, "B", [event(2), event(3)], region="eu-west-1")  # event 2 delivered again
    write_s3(root, "C", [event(3, errorCode="Other")])  # same eventID, other content: kept
    with Store(root) as store:
        report = store.ingest()
        assert (report.records_read, report.records_kept, report.duplicates) == (5, 4, 1)
        assert report.groups["cloudtrail"].duplicates == 1
        assert _ids(store) == ["ev-000001", "ev-000002", "ev-000003", "ev-000003"]
        assert int(store.inventory().groups.set_index("pipeline").loc["cloudtrail", "duplicates"]) == 1
        assert "1 duplicates" in str(report)


def test_removing_the_kept_copy_brings_the_duplicate_back(tmp_path: Path) -> None:
    root = tmp_path / "data"
    a = write_s3(root, "A", [event(1)])
    write_s3(root, "B", [event(1), event(2)])
    with Store(root) as store:
        assert store.ingest().duplicates == 1
        a.unlink()
        r = store.ingest()
        assert (r.files_removed, r.files_reread, r.duplicates) == (1, 1, 0)
        assert _ids(store) == ["ev-000001", "ev-000002"]


def test_duplicates_within_one_batch_and_across_paths(tmp_path: Path) -> None:
    root = tmp_path / "data"
    write_s3(root, "A", [event(1), event(1)])  # the same event twice in one file
    (root / "copy.json").write_text('{"Records": [' + __import__("json").dumps(event(1)) + "]}")  # via the readers
    with Store(root) as store:
        r = store.ingest()
        assert (r.records_read, r.records_kept, r.duplicates) == (3, 1, 2)


def test_unwritable_data_folder_uses_the_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "data"
    write_s3(root, "A", [event(1)])
    root.chmod(stat.S_IRUSR | stat.S_IXUSR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    try:
        with Store(root) as store:
            report = store.ingest()
            assert str(store.db_path).startswith(str(tmp_path / "xdg" / "aiaudit"))
            assert "not writable" in str(report)
    finally:
        root.chmod(stat.S_IRWXU)


@pytest.mark.skipif(not SAMPLES.exists() or SAMPLES.stat().st_mode & 0o222, reason="needs the read-only samples")
def test_read_only_samples_folder_goes_to_the_default_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    with Store(SAMPLES) as store:
        report = store.ingest()
        assert store.db_path.parent.parent == tmp_path / "xdg" / "aiaudit"
        assert report.note and "not writable" in report.note
        assert store.count("cloudtrail") > 0
    with Store(SAMPLES, read_only=True) as reader:  # finds the same cached store
        assert reader.count("cloudtrail") > 0


def test_read_only_never_writes(tmp_path: Path) -> None:
    root = tmp_path / "data"
    write_s3(root, "A", [event(1)])
    with pytest.raises(SourceError, match="no store"):
        Store(root, read_only=True)
    assert not (root / ".aiaudit").exists()
    Store(root).ingest()
    write_s3(root, "B", [event(2)])
    before = {p: p.stat().st_mtime_ns for p in (root / ".aiaudit").iterdir()}
    with Store(root, read_only=True) as reader:
        assert reader.needs_ingest()
        with pytest.raises(SourceError, match="read-only"):
            reader.ingest()
        assert reader.count("cloudtrail") == 1
    assert {p: p.stat().st_mtime_ns for p in (root / ".aiaudit").iterdir()} == before


def test_store_answers_after_the_data_folder_moved_away(tmp_path: Path) -> None:
    root = tmp_path / "data"
    write_s3(root, "A", [event(1), event(2)])
    cache = tmp_path / "cache"
    Store(root, cache_dir=cache).ingest()
    shutil.rmtree(root)
    with Store(root, cache_dir=cache) as store:
        assert not store.needs_ingest()
        report = store.ingest()
        assert report.missing_root and store.count("cloudtrail") == 2
        ptr = store.select_raw("cloudtrail", None)["@ptr"].iloc[0]
        assert store.record(ptr)["eventID"] == "ev-000001"


def test_moving_folder_with_its_store_keeps_everything(tmp_path: Path) -> None:
    root = tmp_path / "data"
    write_s3(root, "A", [event(1)])
    Store(root).ingest()
    moved = tmp_path / "moved"
    root.rename(moved)
    with Store(moved) as store:
        assert not store.needs_ingest()
        assert store.count("cloudtrail") == 1


def test_changed_log_group_names_rebuild(tmp_path: Path) -> None:
    root = tmp_path / "data"
    write_s3(root, "A", [event(1)])
    Store(root).ingest()
    with Store(root, log_groups={"cloudtrail": "org-trail"}) as store:
        assert store.needs_ingest()
        report = store.ingest()
        assert "rebuilt" in str(report)
        assert list(store.select_raw("cloudtrail", None)["@log"]) == ["org-trail"]


def test_duplicates_across_concurrent_parts_are_stored_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One file per part: parts run at the same time in separate transactions, so only the check after
    all parts (not one inside each part) can see that B and D repeat events of A and C."""
    from aiaudit.store import writer

    monkeypatch.setattr(writer, "FAST_BATCH_FILES", 1)
    root = tmp_path / "data"
    write_s3(root, "A", [event(1), event(2)])
    write_s3(root, "B", [event(2)])
    write_s3(root, "C", [event(3)])
    write_s3(root, "D", [event(3), event(1), event(4)])
    with Store(root) as store:
        r = store.ingest()
        assert (r.files_fast, r.records_read, r.records_kept, r.duplicates) == (4, 7, 4, 3)
        assert _ids(store) == ["ev-000001", "ev-000002", "ev-000003", "ev-000004"]
        files = (
            store.connection()
            .execute(
                "SELECT regexp_extract(path, '_([A-D])\\.json', 1), records_read, records_kept, duplicates "
                "FROM _files ORDER BY 1"
            )
            .fetchall()
        )
        assert files == [("A", 2, 2, 0), ("B", 1, 0, 1), ("C", 1, 1, 0), ("D", 3, 1, 2)]
        meta = dict(store.connection().execute("SELECT key, value FROM _meta").fetchall())
        assert "dedupe_from" not in meta  # removed with the duplicates: nothing left to check
