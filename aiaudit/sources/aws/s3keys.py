"""Where AWS delivers logs in S3, and which folders a time range needs.

Why a module of its own: ``aiaudit pull`` must never list a whole bucket (an organisation trail holds
millions of keys), so it walks the documented key layout folder by folder (ListObjectsV2 with a ``/``
delimiter) down to the region folders, then lists only the day folders in range. The layouts, as AWS
documents them:

- CloudTrail, "Finding your CloudTrail log files"
  (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html):
  ``bucket/prefix/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json.gz``; an organization
  trail adds the organization id: ``AWSLogs/<o-id>/<account>/CloudTrail/<region>/YYYY/MM/DD/``. File
  names are ``<account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<16 chars>.json.gz``, where the date is the
  *delivery* time and "a log file delivered at a specific time can contain records written at any point
  before that time" (cloudtrail-log-file-examples.html) — hence a day of slack on each side.
- CloudTrail Insights, "Delivery of Insights events" (insights-events-understanding.html): the same tree
  under the ``CloudTrail-Insight`` folder. ``CloudTrail-Digest`` (log-file validation) holds no events
  and is not pulled.
- Bedrock model invocation logging, "Monitor model invocation using CloudWatch Logs and Amazon S3"
  (https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html): Bedrock writes
  under ``prefix/AWSLogs/<account>/BedrockModelInvocationLogs/`` (the bucket policy it asks for grants
  ``s3:PutObject`` on exactly that), one folder per region, then ``YYYY/MM/DD/HH/``; bodies over 100 KB
  and media go to the hour's ``data/`` folder, which the invocation records point at
  (``input.inputBodyS3Path``). A day folder is listed whole, so ``data/`` comes along.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from aiaudit.core.errors import InputError
from aiaudit.core.timerange import TimeRange

AWSLOGS = "AWSLogs"
#: Service folders under an account that hold records we read (digests and other services are left alone).
SERVICES = ("CloudTrail", "CloudTrail-Insight", "BedrockModelInvocationLogs")
#: Keys are filed by delivery time: files of the first and last day can hold records a day away.
SLACK = timedelta(days=1)
#: How many folder levels above ``AWSLogs/`` the walk looks when the URL stops higher up (a bucket with
#: one prefix per pipeline: ``s3://logs/cloudtrail/AWSLogs/...`` and ``s3://logs/bedrock/AWSLogs/...``).
MAX_DEPTH_ABOVE = 2

_ACCOUNT = re.compile(r"^\d{12}$")
_ORG = re.compile(r"^o-[a-z0-9]{10,32}$")

#: ``lister(prefix)`` → the child folder names directly under ``prefix`` (ListObjectsV2, Delimiter="/").
Lister = Callable[[str], list[str]]


@dataclass(frozen=True)
class S3Url:
    """``s3://bucket/prefix``: the prefix is a folder (``""`` or ending in ``/``)."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, text: str) -> S3Url:
        if not isinstance(text, str) or not text.startswith("s3://"):
            raise InputError(f"{text!r} is not an S3 URL: write s3://BUCKET[/PREFIX]", where="url")
        bucket, _, prefix = text[len("s3://") :].partition("/")
        if not bucket:
            raise InputError(f"{text!r}: no bucket name after s3://", where="url")
        parts = [p for p in prefix.split("/") if p]
        if any(p in (".", "..") for p in parts):
            raise InputError(f"{text!r}: '.' and '..' are not folders of a key layout", where="url")
        return cls(bucket, "".join(p + "/" for p in parts))

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


@dataclass(frozen=True)
class RegionFolder:
    """One ``.../<service>/<region>/`` folder: the day folders below it are what a pull lists."""

    prefix: str  # ends with "/"
    account: str
    service: str
    region: str
    organization: str | None = None

    def day_prefixes(self, days: Iterable[date]) -> list[str]:
        return [f"{self.prefix}{d.year:04d}/{d.month:02d}/{d.day:02d}/" for d in days]


def days_in_range(time_range: TimeRange, slack: timedelta = SLACK) -> list[date]:
    """The UTC dates whose folders can hold records of ``time_range``: one more day on each side."""
    first = (time_range.start - slack).date()
    last = (time_range.end + slack).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def region_folders(
    lister: Lister,
    url: S3Url,
    *,
    accounts: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
) -> list[RegionFolder]:
    """Every region folder of a known service under ``url``, found by listing folders only.

    The URL may stop anywhere: above ``AWSLogs/`` (up to :data:`MAX_DEPTH_ABOVE` levels), at it, at an
    organization or account folder, at a service or at a region. ``accounts``/``regions`` narrow the
    walk (named regions are not listed at all; named accounts under an organization are not either).
    """
    wanted_accounts = _clean(accounts, _ACCOUNT, "account", "12 digits")
    wanted_regions = _clean(regions, None, "region", "")
    parts = url.prefix.rstrip("/").split("/") if url.prefix else []
    if AWSLOGS in parts:
        at = len(parts) - 1 - parts[::-1].index(AWSLOGS)
        base = "".join(p + "/" for p in parts[: at + 1])
        roots = [base]
        rest = parts[at + 1 :]
    else:
        roots = _find_awslogs(lister, url.prefix, MAX_DEPTH_ABOVE)
        rest = []
    found: list[RegionFolder] = []
    for root in roots:
        found.extend(_walk(lister, root, rest, wanted_accounts, wanted_regions))
    return sorted(set(found), key=lambda f: f.prefix)


def _clean(values: Iterable[str] | None, pattern: re.Pattern[str] | None, what: str, shape: str) -> set[str] | None:
    if values is None:
        return None
    out = {v.strip() for v in values if v and v.strip()}
    for value in out:
        if pattern is not None and not pattern.match(value):
            raise InputError(f"{what} {value!r} is not an AWS {what} id ({shape})", where=f"--{what}s")
    return out or None


def _find_awslogs(lister: Lister, prefix: str, depth: int) -> list[str]:
    children = lister(prefix)
    if AWSLOGS in children:
        return [f"{prefix}{AWSLOGS}/"]
    if depth == 0:
        return []
    found: list[str] = []
    for child in children:
        found.extend(_find_awslogs(lister, f"{prefix}{child}/", depth - 1))
    return found


def _walk(
    lister: Lister,
    awslogs: str,
    rest: list[str],
    accounts: set[str] | None,
    regions: set[str] | None,
) -> Iterator[RegionFolder]:
    """From ``AWSLogs/``: [o-id/] account/ service/ region/. ``rest`` are levels the URL already fixed."""
    given = list(rest)
    level = given.pop(0) if given else None
    if level is not None and not (_ORG.match(level) or _ACCOUNT.match(level)):
        raise InputError(f"{awslogs}{level}/ is neither an organization id nor an account folder", where="url")
    if level is not None and _ORG.match(level):
        org_prefix = f"{awslogs}{level}/"
        account = given.pop(0) if given else None
        candidates = [account] if account else (sorted(accounts) if accounts else _accounts(lister, org_prefix))
        for acct in candidates:
            if accounts is None or acct in accounts:
                yield from _services(lister, f"{org_prefix}{acct}/", acct, level, given, regions)
        return
    if level is not None:
        if accounts is None or level in accounts:
            yield from _services(lister, f"{awslogs}{level}/", level, None, given, regions)
        return
    for child in lister(awslogs):
        if _ORG.match(child):
            org_prefix = f"{awslogs}{child}/"
            candidates = sorted(accounts) if accounts else _accounts(lister, org_prefix)
            for acct in candidates:
                yield from _services(lister, f"{org_prefix}{acct}/", acct, child, [], regions)
        elif _ACCOUNT.match(child) and (accounts is None or child in accounts):
            yield from _services(lister, f"{awslogs}{child}/", child, None, [], regions)


def _accounts(lister: Lister, prefix: str) -> list[str]:
    return [c for c in lister(prefix) if _ACCOUNT.match(c)]


def _services(
    lister: Lister,
    account_prefix: str,
    account: str,
    org: str | None,
    given: list[str],
    regions: set[str] | None,
) -> Iterator[RegionFolder]:
    rest = list(given)
    if len(rest) > 2:
        raise InputError(
            f"the URL goes below the region folder ({'/'.join(rest)}/): name the region folder or higher; "
            "the days come from the time range",
            where="url",
        )
    if rest:
        service = rest.pop(0)
        if service not in SERVICES:
            raise InputError(
                f"{account_prefix}{service}/ is not a folder aiaudit pulls (one of {', '.join(SERVICES)})", where="url"
            )
        services = [service]
    else:
        services = [s for s in lister(account_prefix) if s in SERVICES]
    for service in services:
        service_prefix = f"{account_prefix}{service}/"
        if rest:
            names = [rest[0]]
        elif regions:
            names = sorted(regions)
        else:
            names = lister(service_prefix)
        for region in names:
            if regions is None or region in regions:
                yield RegionFolder(f"{service_prefix}{region}/", account, service, region, org)
