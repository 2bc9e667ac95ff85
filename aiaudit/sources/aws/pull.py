"""``aiaudit pull``: copy the S3 delivery files of a time range into a local folder, then ingest them.

Why it works this way:

- **Listing** walks the documented key layout (:mod:`aiaudit.sources.aws.s3keys`) folder by folder, then
  lists only the day folders in range (with a day of slack each side, since keys carry the delivery
  time). A pull of three days from an organisation trail costs a few list calls per account and region,
  never a listing of the whole bucket.
- **The folder mirrors the bucket**: ``DIR/<key>`` for every object, with the object's LastModified as
  the file's mtime, so the folder loads exactly as an ``aws s3 sync`` copy would (the readers take the
  account, region and delivery time from the path, and offloaded ``data/`` bodies are found by key).
- **Resumable**: a file is fetched to a hidden ``.<name>.part`` and renamed into place when complete; a
  hidden append-only manifest (``DIR/.aiaudit-pull.jsonl``) records each finished object's size and
  ETag. A re-run skips files present with the same size and ETag (for a single-part upload the ETag is
  the MD5, so a folder copied by other means is verified by content instead); hidden names are never
  read by the store.
- **Parallel**, with a progress bar on a terminal; one failed object is reported and never stops the
  others; Ctrl-C stops cleanly (no partial file is left under a real name) and the next run resumes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from aiaudit.core.errors import AiauditError, InputError, SourceError
from aiaudit.core.timerange import TimeRange, iso
from aiaudit.sources.aws.client import Cancelled, call, make_client, make_session
from aiaudit.sources.aws.options import AwsOptions
from aiaudit.sources.aws.s3keys import RegionFolder, S3Url, days_in_range, region_folders
from aiaudit.sources.connect import connect

MANIFEST_NAME = ".aiaudit-pull.jsonl"
CHUNK = 1 << 20


@dataclass(frozen=True)
class S3Object:
    key: str
    size: int
    etag: str  # without the quotes S3 puts around it
    modified: float | None = None  # LastModified, epoch seconds


class Manifest:
    """What earlier pulls finished: ``(bucket, key) -> (size, etag)``, one JSON line per object.

    Append-only while pulling (an interrupt loses at most the line being written, and a torn last line
    is ignored on reading), compacted at the end of a run.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / MANIFEST_NAME
        self.entries: dict[tuple[str, str], tuple[int, str]] = {}
        self._handle: Any = None
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    item = json.loads(line)
                    self.entries[(item["bucket"], item["key"])] = (int(item["size"]), str(item["etag"]))
                except (ValueError, KeyError, TypeError):
                    continue  # a line torn by an interrupt: that object is simply fetched again

    def get(self, bucket: str, key: str) -> tuple[int, str] | None:
        return self.entries.get((bucket, key))

    def record(self, bucket: str, key: str, size: int, etag: str) -> None:
        self.entries[(bucket, key)] = (size, etag)
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the run
        self._handle.write(json.dumps({"bucket": bucket, "key": key, "size": size, "etag": etag}) + "\n")
        self._handle.flush()

    def close(self, *, compact: bool = False) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if compact and self.entries:
            tmp = self.path.with_name(self.path.name + ".tmp")
            lines = [
                json.dumps({"bucket": b, "key": k, "size": s, "etag": e})
                for (b, k), (s, e) in sorted(self.entries.items())
            ]
            tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
            os.replace(tmp, self.path)


@dataclass
class PullReport:
    """What a pull listed, fetched, skipped and ingested."""

    url: str
    out: Path
    time_range: TimeRange
    first_day: str
    last_day: str
    folders: list[RegionFolder] = field(default_factory=list)
    list_calls: int = 0
    objects: int = 0
    bytes_total: int = 0
    downloaded: int = 0
    bytes_downloaded: int = 0
    already_present: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (key, reason)
    notes: list[str] = field(default_factory=list)
    ingest: Any = None  # the IngestReport of the local store, when ingested
    elapsed_s: float = 0.0

    @property
    def complete(self) -> bool:
        return not self.failed

    def __str__(self) -> str:
        accounts = sorted({f.account for f in self.folders})
        regions = sorted({f.region for f in self.folders})
        services = sorted({f.service for f in self.folders})
        lines = [
            f"pulled {self.url} -> {self.out}",
            f"range {iso(self.time_range.start)} .. {iso(self.time_range.end)}; day folders {self.first_day} .. "
            f"{self.last_day} (a day of slack each side: keys carry the delivery time)",
            f"looked in {len(self.folders)} region folder(s): {', '.join(services) or 'none'}; "
            f"accounts {', '.join(accounts) or '-'}; regions {', '.join(regions) or '-'} "
            f"({self.list_calls} list calls)",
            f"objects {self.objects:,} ({self.bytes_total:,} bytes): downloaded {self.downloaded:,} "
            f"({self.bytes_downloaded:,} bytes), already present {self.already_present:,}, failed {len(self.failed):,}",
        ]
        for key, reason in self.failed[:10]:
            lines.append(f"  failed: {key}: {reason}")
        if len(self.failed) > 10:
            lines.append(f"  ... and {len(self.failed) - 10} more failures (run again to retry them)")
        lines.extend(f"note: {n}" for n in self.notes)
        if self.ingest is not None:
            lines.append(str(self.ingest))
        return "\n".join(lines)


def pull(
    url: str,
    out: str | Path,
    time_range: TimeRange,
    *,
    accounts: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    profile: str | None = None,
    region: str | None = None,
    workers: int = 8,
    progress: bool | None = None,
    ingest: bool = True,
    options: AwsOptions | None = None,
    client: Any = None,
    on_file: Callable[[str], None] | None = None,
) -> PullReport:
    """Copy the delivery files of ``time_range`` under ``url`` into ``out`` (keys kept), then ingest.

    ``accounts``/``regions`` narrow the walk. ``profile`` picks credentials (default chain otherwise);
    ``region`` is where the S3 client starts (botocore follows a bucket's redirect). ``on_file(key)`` is
    called in the calling thread after each object lands (progress hooks; an exception it raises stops
    the pull as an interrupt would).
    """
    started = time.monotonic()
    if workers < 1:
        raise InputError("workers must be at least 1", where="--workers")
    target = S3Url.parse(url)
    folder = Path(out).expanduser()
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} exists and is not a folder", where="--out")
    opts = options or AwsOptions.from_env()
    if client is None:
        session = make_session(profile)
        client = make_client(session, "s3", region or session.region_name or "us-east-1", pool=workers)
    lister = _Lister(client, target.bucket, opts)
    days = days_in_range(time_range)
    report = PullReport(
        url=str(target), out=folder, time_range=time_range, first_day=days[0].isoformat(), last_day=days[-1].isoformat()
    )
    report.folders = region_folders(lister.folders, target, accounts=accounts, regions=regions)
    if not report.folders:
        report.notes.append(
            f"no CloudTrail, CloudTrail-Insight or BedrockModelInvocationLogs folder under {target} "
            "(looked for AWSLogs/[o-id/]ACCOUNT/SERVICE/REGION/)"
        )
    prefixes = [p for f in report.folders for p in f.day_prefixes(days)]
    objects = _list_all(lister, prefixes, workers)
    report.list_calls = lister.calls
    wanted: list[tuple[S3Object, Path]] = []
    for obj in objects:
        dest = local_path(folder, obj.key)
        if dest is None:
            report.notes.append(f"skipped key {obj.key!r}: not a safe relative path")
            continue
        wanted.append((obj, dest))
    report.objects = len(wanted)
    report.bytes_total = sum(o.size for o, _ in wanted)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(folder)
    todo: list[tuple[S3Object, Path]] = []
    try:
        for obj, dest in wanted:
            if is_current(dest, obj, manifest.get(target.bucket, obj.key)):
                report.already_present += 1
                if manifest.get(target.bucket, obj.key) is None:
                    manifest.record(target.bucket, obj.key, obj.size, obj.etag)
            else:
                todo.append((obj, dest))
        _download_all(client, target.bucket, todo, manifest, report, opts, workers, progress, on_file)
    finally:
        manifest.close(compact=True)
    if ingest:
        with connect(f"local:{folder}", ingest=False) as src:
            report.ingest = src.ingest(progress=_show(progress))  # type: ignore[attr-defined]
    report.elapsed_s = time.monotonic() - started
    return report


def local_path(root: Path, key: str) -> Path | None:
    """``root/<key>``, or None for a key that is a folder marker or would leave ``root`` (``..``, ``/x``)."""
    if not key or key.endswith("/") or key.startswith("/"):
        return None
    parts = key.split("/")
    if any(p in ("", ".", "..") for p in parts) or any(p.startswith(".") for p in parts):
        return None  # hidden names are the manifest's and the store's, never data
    return root.joinpath(*parts)


def is_current(path: Path, obj: S3Object, recorded: tuple[int, str] | None) -> bool:
    """True when ``path`` already holds ``obj``: same size and the ETag a pull recorded, or — for a file
    copied by other means — an MD5 equal to a single-part ETag (multipart ETags are not an MD5)."""
    try:
        size = path.stat().st_size
    except OSError:
        return False
    if size != obj.size:
        return False
    if recorded is not None:
        return recorded == (obj.size, obj.etag)
    if len(obj.etag) == 32 and "-" not in obj.etag:
        digest = hashlib.md5(usedforsecurity=False)
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
        return digest.hexdigest() == obj.etag.lower()
    return False


class _Lister:
    """ListObjectsV2 with retries; counts calls (the report shows them: a pull must stay cheap)."""

    def __init__(self, client: Any, bucket: str, opts: AwsOptions) -> None:
        self.client, self.bucket, self.opts = client, bucket, opts
        self.calls = 0
        self._lock = threading.Lock()

    def pages(self, prefix: str, delimiter: str | None) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
            if delimiter:
                kwargs["Delimiter"] = delimiter
            if token:
                kwargs["ContinuationToken"] = token
            with self._lock:
                self.calls += 1
            page = _call(self.opts, self.client.list_objects_v2, **kwargs)
            yield page
            token = page.get("NextContinuationToken") if page.get("IsTruncated") else None
            if not token:
                return

    def folders(self, prefix: str) -> list[str]:
        names: list[str] = []
        for page in self.pages(prefix, "/"):
            for item in page.get("CommonPrefixes", []) or []:
                name = str(item.get("Prefix", ""))[len(prefix) :].rstrip("/")
                if name and "/" not in name:
                    names.append(name)
        return names

    def objects(self, prefix: str) -> list[S3Object]:
        found: list[S3Object] = []
        for page in self.pages(prefix, None):
            for item in page.get("Contents", []) or []:
                modified = item.get("LastModified")
                found.append(
                    S3Object(
                        key=str(item["Key"]),
                        size=int(item.get("Size", 0)),
                        etag=str(item.get("ETag", "")).strip('"'),
                        modified=modified.timestamp() if hasattr(modified, "timestamp") else None,
                    )
                )
        return found


def _call(opts: AwsOptions, fn: Callable[..., Any], **kwargs: Any) -> Any:
    return call(
        fn,
        retries=opts.retries,
        base=opts.retry_base_s,
        ceiling=opts.retry_max_s,
        sleep=opts.sleep or time.sleep,
        service="s3",
        **kwargs,
    )


def _list_all(lister: _Lister, prefixes: list[str], workers: int) -> list[S3Object]:
    if not prefixes:
        return []
    with ThreadPoolExecutor(max_workers=min(workers, len(prefixes))) as pool:
        parts = list(pool.map(lister.objects, prefixes))
    seen: dict[str, S3Object] = {}
    for part in parts:
        for obj in part:
            seen.setdefault(obj.key, obj)
    return sorted(seen.values(), key=lambda o: o.key)


def _show(progress: bool | None) -> bool:
    return sys.stderr.isatty() if progress is None else progress


def _download_all(
    client: Any,
    bucket: str,
    todo: list[tuple[S3Object, Path]],
    manifest: Manifest,
    report: PullReport,
    opts: AwsOptions,
    workers: int,
    progress: bool | None,
    on_file: Callable[[str], None] | None,
) -> None:
    if not todo:
        return
    cancel = threading.Event()
    bar = tqdm(total=sum(o.size for o, _ in todo), unit="B", unit_scale=True, desc="pull") if _show(progress) else None
    pool = ThreadPoolExecutor(max_workers=workers)
    pending: dict[Future[tuple[int, str]], S3Object] = {}
    try:
        for obj, dest in todo:
            pending[pool.submit(_download, client, bucket, obj, dest, cancel, opts)] = obj
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                obj = pending.pop(future)
                try:
                    size, etag = future.result()
                except Cancelled:
                    continue
                except (AiauditError, OSError) as exc:
                    report.failed.append((obj.key, str(exc)))
                    _fatal(exc, pending, cancel)
                    continue
                manifest.record(bucket, obj.key, size, etag)
                report.downloaded += 1
                report.bytes_downloaded += size
                if bar is not None:
                    bar.update(size)
                if on_file is not None:
                    on_file(obj.key)
    except BaseException:
        cancel.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if bar is not None:
            bar.close()


def _fatal(exc: BaseException, pending: dict[Future[tuple[int, str]], S3Object], cancel: threading.Event) -> None:
    """Credentials and permissions fail every object alike: stop instead of reporting each one."""
    if isinstance(exc, SourceError) and (exc.permission or "credentials" in str(exc).lower()):
        cancel.set()
        raise exc


def _download(
    client: Any, bucket: str, obj: S3Object, dest: Path, cancel: threading.Event, opts: AwsOptions
) -> tuple[int, str]:
    """GetObject into ``.<name>.part`` beside ``dest``, then rename; the ETag of what was fetched."""
    if cancel.is_set():
        raise Cancelled()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.part")
    response = _call(opts, client.get_object, cancel=cancel, Bucket=bucket, Key=obj.key)
    body = response["Body"]
    size = 0
    try:
        with open(tmp, "wb") as handle:
            for chunk in body.iter_chunks(CHUNK):
                if cancel.is_set():
                    raise Cancelled()
                handle.write(chunk)
                size += len(chunk)
        expected = response.get("ContentLength")
        if expected is not None and int(expected) != size:
            raise SourceError(f"GetObject {obj.key}: got {size} bytes of {expected}")
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    finally:
        body.close()
    modified = response.get("LastModified")
    stamp = modified.timestamp() if hasattr(modified, "timestamp") else obj.modified
    if stamp is not None:
        os.utime(dest, (stamp, stamp))
    return size, str(response.get("ETag", obj.etag)).strip('"')
