"""The bulk path: CloudTrail S3 delivery files parsed by DuckDB itself, many files per statement.

Why: Python's json module is the bottleneck of a 1M-event load (several µs per event even before any
frame is built). DuckDB reads gzip, parses JSON and derives columns in C++ on every core. The route is
each file's line read as text (``read_csv`` with no delimiter, quote or escape: a delivery file is one
compact JSON document on one line), ``json_extract(doc, '$.Records[*]')`` (one compact JSON text per
event, byte-identical to the Python reader's ``@message``: same key order, same number and escape
rendering), ``unnest`` with the element index, and one ``json_extract_string`` over all hot-column
pointers. A part's first try names the line end (``new_line = '\\n'``, :data:`LINE_END`): left to the
reader, detecting it scanned every multi-megabyte document for a line end it mostly does not have
(1.1 CPU-s and 0.4 s of a 1M-event ingest on two cores: 16.35–16.47 s against 16.82–16.85 s, alternated
runs). The reader's strict mode then refuses a Windows line end, so the writer retries a refused part
file by file with the line end detected (``line_end=None``) and such files stay on the bulk path; the
strict mode stays on, as without it a stray ``\\x01`` could end a document early instead of failing.
``read_json_objects`` parsed every document twice (once to find it, once to extract the records): 0.3
CPU-s more per 128k events (1.0–1.1 against 0.7–0.9 CPU-s for a 64-file batch, single thread).
``read_json`` with a typed ``Records`` column was measured 4-8x slower on these multi-megabyte documents.
A document spread over several lines fails ``json_extract`` (the batch is retried file by file, and the
file goes to the reader); several documents on several lines repeat ``_line`` (rejected).

The fast path only *claims* what it can prove matches the Python reader; everything else goes back to
the reader, per file: a record that is not an object, lacks CloudTrail keys, is an export wrapper, or
has an ``eventTime`` other than ``YYYY-MM-DDTHH:MM:SSZ``; a file with no records or several documents;
and any file DuckDB rejects (bad gzip, bad UTF-8, bad JSON), found by retrying a failed batch file by
file. Rejected rows are inserted with a marker and deleted in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from aiaudit.query.fields import Extraction
from aiaudit.readers import path_hints
from aiaudit.store.tables import WRAPPER_POINTERS, extraction, insert_columns, insert_rows, lit, q, row_query

#: ``_time_flag`` of a row the fast path cannot vouch for (deleted before commit, file re-read in Python).
REJECT = "\x00fastpath-reject"
#: Largest single JSON document DuckDB will buffer (real CloudTrail files are a few MB); the CSV reader's
#: buffer is set just above it (its default is 16 times the line size).
MAX_DOCUMENT = 64 * 1024 * 1024
#: The line end a part's first try names, as ``read_csv``'s ``new_line`` option spells a line feed (see
#: the module docstring); None lets the reader detect it.
LINE_END = r"\n"
#: Files per INSERT within a part. Each INSERT sorts its records (:data:`CALLER_POINTERS`) and the sort
#: holds them in memory: 32 files at a time kept the peak RSS of a 1M-event ingest at 1.2 GB. With the
#: records sorted before their columns are computed, 64 files at once took the same memory but 0.7 s
#: longer over 1M events (16.5 against 15.8 s), for 20 vectors instead of 28 holding one role's rows.
#: The part stays one transaction, so its row groups still fill across its INSERTs.
SORTED_FILES = 32
#: What the bulk path orders each INSERT's records by, read from the record's text before any column is
#: computed: the caller, the first of these fields present (a role's session issuer, an ARN, the service
#: that acted, an Identity Center user, a federated user's name, an account), then ``eventTime``. It
#: keeps one principal's rows together, as the readers' path does by sorting the finished rows by the
#: computed principal (:data:`aiaudit.store.tables.CLUSTER_KEYS`), so a focus on a principal decodes few
#: vectors. Why not sort the finished rows here as well: that sort carries ~70 columns per row, and cost
#: 3.0 s of an 18.2 s ingest of 1M events on two cores; ordering the records themselves (three columns,
#: and one more parse of each record for these fields) costs about 1 s. The benchmark's role held its
#: 22,886 rows in 28 vectors either way.
CALLER_POINTERS = (
    "/userIdentity/sessionContext/sessionIssuer/arn",
    "/userIdentity/arn",
    "/userIdentity/invokedBy",
    "/userIdentity/onBehalfOf/userId",
    "/userIdentity/userName",
    "/userIdentity/accountId",
)
_TIME_RE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"


class BatchFailed(Exception):
    """DuckDB refused the batch (bad gzip, UTF-8 or JSON somewhere in it)."""


@dataclass
class FastFile:
    """One file handed to the fast path, with what the row SQL needs to know about it."""

    path: Path
    file_id: int
    ptr_prefix: str
    stream: str | None


def eligible(path: Path, root: Path) -> bool:
    """S3 delivery layout of CloudTrail events (``.../CloudTrail/<region>/.../*.json.gz``)."""
    name = path.name
    return name.endswith((".json.gz", ".json")) and path_hints(path, root).layout == "cloudtrail-s3"


def delivery_order(path: Path, root: Path, rel: str) -> tuple[int, str]:
    """The order the bulk path reads files in: by the delivery time in the S3 key, then by path.

    Why not by path: a trail delivers every region under its own prefix, so in path order each region's
    files run through the whole time range, and every row group of the store then held events from all
    of it. In delivery order a row group holds a short stretch of time, and a query over a time range
    (a projection's time slices, a detection window) reads only the row groups that meet it. Measured over
    a million events from 5 regions spanning 42 hours: a row group spanned 25–41 hours in path order and
    5–11 hours in delivery order, and a full frame re-opened in 3.53 s instead of 3.98 s (one run each)."""
    key = path_hints(path, root).delivery_ms
    return (key if key is not None else -1, rel)


def stream_of(path: Path, root: Path) -> str | None:
    return path_hints(path, root).log_stream


def _insert_sql(log_group: str, line_end: str | None) -> str:
    h_expr, picks = extraction("cloudtrail", "m", WRAPPER_POINTERS)
    event_time = picks["eventTime"]
    ok = (
        f"starts_with(msg, '{{') AND regexp_full_match(coalesce({event_time}, ''), '{_TIME_RE}')"
        f" AND ({picks['eventVersion']} IS NOT NULL OR {picks['eventName']} IS NOT NULL)"
        + "".join(f" AND {picks[p]} IS NULL" for p in WRAPPER_POINTERS)
    )
    parsed = f"try_strptime({event_time}, '%Y-%m-%dT%H:%M:%SZ')::TIMESTAMPTZ"
    key = Extraction("cloudtrail", "k")  # the sort key's fields, in one parse of each record
    caller = "coalesce(" + ", ".join(key.add_pointer(p) for p in CALLER_POINTERS) + ")"
    when = key.add_pointer("/eventTime")
    new_line = "" if line_end is None else f" new_line = {lit(line_end)},"
    return f"""
INSERT INTO {q("cloudtrail")} ({insert_columns("cloudtrail")})
WITH docs AS (
    SELECT filename, json_extract(doc, '$.Records[*]') AS recs
    FROM read_csv(?, columns = {{'doc': 'VARCHAR'}}, header = false, auto_detect = false, delim = '\x01',
                  quote = '', escape = '', compression = 'gzip', filename = true,{new_line}
                  max_line_size = {MAX_DOCUMENT}, buffer_size = {MAX_DOCUMENT + 1})
), items AS (
    SELECT filename, unnest(recs) AS m, generate_subscripts(recs, 1) AS ord FROM docs
), keyed AS (
    SELECT filename, m, ord, {key.sql("m")} AS k FROM items
), ordered AS (
    SELECT filename, m, ord FROM keyed ORDER BY {caller}, {when}
), parsed AS (
    SELECT filename, ord, m::VARCHAR AS msg, {h_expr} AS h FROM ordered
), src AS (
    SELECT p.*, f.file_id, f.ptr_prefix || '-' || ord::VARCHAR AS ptr, ord::INTEGER AS line,
           {lit(log_group)} AS log, f.stream,
           CASE WHEN {ok} THEN {parsed} END AS ts,
           CASE WHEN {ok} AND {parsed} IS NOT NULL THEN NULL ELSE {lit(REJECT)} END AS flag,
           ?::TIMESTAMPTZ AS ing, true AS is_json
    FROM parsed AS p JOIN _fast_files AS f USING (filename)
)
{row_query("cloudtrail", picks, "src", order=())}
"""


def load_batch(
    con: Any, files: list[FastFile], log_group: str, ingest_time: Any, line_end: str | None = LINE_END
) -> list[FastFile]:
    """Insert the files' events; return the files the fast path rejected (their rows are removed).
    ``line_end``: the line end the files are read with, None to detect it per file.

    Runs inside the caller's transaction. On a DuckDB error it raises :class:`BatchFailed`: the
    transaction is then aborted, and the caller rolls back and retries file by file.
    """
    if not files:
        return []
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _fast_files"
        " (filename VARCHAR, file_id INTEGER, ptr_prefix VARCHAR, stream VARCHAR)"
    )
    insert_rows(
        con,
        "_fast_files",
        ["filename", "file_id", "ptr_prefix", "stream"],
        [(str(f.path), f.file_id, f.ptr_prefix, f.stream) for f in files],
    )
    sql = _insert_sql(log_group, line_end)
    try:
        for start in range(0, len(files), SORTED_FILES):
            con.execute(sql, [[str(f.path) for f in files[start : start + SORTED_FILES]], ingest_time])
    except duckdb.InterruptException:
        raise KeyboardInterrupt from None
    except (duckdb.BinderException, duckdb.ParserException, duckdb.CatalogException):
        raise  # a bug in the statement, not a property of the files
    except duckdb.Error as exc:  # unreadable input: bad gzip, UTF-8 or JSON, an oversized document
        raise BatchFailed(str(exc)) from exc
    ids = [f.file_id for f in files]
    bad = {
        row[0]
        for row in con.execute(
            f"""SELECT _file_id FROM {q("cloudtrail")} WHERE _file_id BETWEEN ? AND ?
                GROUP BY _file_id
                HAVING count(*) FILTER (WHERE _time_flag = ?) > 0 OR count(*) <> max(_line)
                    OR count(DISTINCT _line) <> count(*)""",
            [min(ids), max(ids), REJECT],
        ).fetchall()
    }
    present = {
        row[0]
        for row in con.execute(
            f"SELECT DISTINCT _file_id FROM {q('cloudtrail')} WHERE _file_id BETWEEN ? AND ?", [min(ids), max(ids)]
        ).fetchall()
    }
    rejected = [f for f in files if f.file_id in bad or f.file_id not in present]
    if rejected:
        con.execute(
            f"DELETE FROM {q('cloudtrail')} WHERE _file_id IN (SELECT unnest(?::INTEGER[]))",
            [[f.file_id for f in rejected]],
        )
    return rejected
