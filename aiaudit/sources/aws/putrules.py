"""PutLogEvents rules: which events CloudWatch Logs accepts, and how to cut a stream into batches.

The rules as the PutLogEvents API reference states them now (botocore's ``logs`` model carries the same
text; https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html):

- "The maximum batch size is 1,048,576 bytes. This size is calculated as the sum of all event messages
  in UTF-8, plus 26 bytes for each log event."
- "The maximum number of log events in a batch is 10,000."
- "Each log event can be no larger than 1 MB" (raised from 256 KB in April 2025). An event is counted
  with its 26 bytes here, since one that alone exceeds the batch maximum can never be sent.
- "The log events in the batch must be in chronological order by their timestamp."
- "For valid events (within 14 days in the past to 2 hours in future), the time span in a single batch
  cannot exceed 24 hours."
- "Events more than 2 hours in the future are rejected" and "events older than 14 days or preceding the
  log group's retention period are rejected while processing remaining valid events."

Why screened here rather than left to AWS: an event AWS drops is reported back only as an index range
(``rejectedLogEventsInfo``), and an oversized or out-of-order batch fails whole. Screening first lets
the summary name each rejected event's reason, and keeps every sent batch valid.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD_BYTES = 26
MAX_BATCH_EVENTS = 10_000
MAX_EVENT_BYTES = 1_048_576  # message UTF-8 bytes + the 26 bytes of overhead
MAX_BATCH_SPAN_MS = 24 * 3600 * 1000
MAX_AGE_MS = 14 * 24 * 3600 * 1000
MAX_FUTURE_MS = 2 * 3600 * 1000
DAY_MS = 24 * 3600 * 1000

#: Why an event was not sent (the summary's columns).
TOO_OLD = "too old (over 14 days)"
EXPIRED = "before the group's retention"
TOO_NEW = "over 2 h in the future"
OVERSIZED = "over 1 MB"
RESERVED = "reserved group (aws/)"
REFUSED = "refused by AWS"
REASONS = (TOO_OLD, EXPIRED, TOO_NEW, OVERSIZED, RESERVED, REFUSED)


@dataclass(frozen=True)
class Event:
    """One log event to send: epoch ms and the message text (its UTF-8 size computed once)."""

    timestamp: int
    message: str
    size: int  # UTF-8 bytes of message

    @classmethod
    def of(cls, timestamp: int, message: str) -> Event:
        return cls(int(timestamp), message, len(message.encode("utf-8")))

    @property
    def cost(self) -> int:
        """What the event counts for in a batch's size."""
        return self.size + EVENT_OVERHEAD_BYTES


def rejection(event: Event, now_ms: int, retention_days: int | None = None) -> str | None:
    """Why CloudWatch Logs would not keep ``event`` at ``now_ms``, or None when it would."""
    if event.cost > MAX_EVENT_BYTES:
        return OVERSIZED
    if event.timestamp > now_ms + MAX_FUTURE_MS:
        return TOO_NEW
    if event.timestamp < now_ms - MAX_AGE_MS:
        return TOO_OLD
    if retention_days and event.timestamp < now_ms - retention_days * DAY_MS:
        return EXPIRED
    return None


def batches(events: Iterable[Event]) -> Iterator[list[Event]]:
    """Valid PutLogEvents batches from events in chronological order: a new batch starts when the next
    event would make it exceed 10,000 events, 1,048,576 bytes, or 24 hours between its first and last
    event. Events must already be screened (:func:`rejection`) and sorted; unsorted input is an error."""
    batch: list[Event] = []
    size = 0
    last = None
    for event in events:
        if last is not None and event.timestamp < last:
            raise ValueError(f"events out of order: {event.timestamp} after {last}")
        last = event.timestamp
        if batch and (
            len(batch) >= MAX_BATCH_EVENTS
            or size + event.cost > MAX_BATCH_BYTES
            or event.timestamp - batch[0].timestamp > MAX_BATCH_SPAN_MS
        ):
            yield batch
            batch, size = [], 0
        batch.append(event)
        size += event.cost
    if batch:
        yield batch


def rejected_by_aws(info: dict[str, int] | None, count: int) -> dict[str, int]:
    """Events of a sent batch that AWS dropped, by reason, from PutLogEvents' ``rejectedLogEventsInfo``:
    ``tooOldLogEventEndIndex`` (exclusive end), ``expiredLogEventEndIndex`` (exclusive end: the events
    before the retention period) and ``tooNewLogEventStartIndex`` (inclusive start), as botocore's model
    documents them."""
    if not info:
        return {}
    out: dict[str, int] = {}
    old_end = max(int(info.get("tooOldLogEventEndIndex", 0) or 0), 0)
    expired_end = max(int(info.get("expiredLogEventEndIndex", 0) or 0), 0)
    new_start = info.get("tooNewLogEventStartIndex")
    if old_end:
        out[TOO_OLD] = min(old_end, count)
    if expired_end > old_end:
        out[EXPIRED] = min(expired_end, count) - min(old_end, count)
    if new_start is not None and 0 <= int(new_start) < count:
        out[TOO_NEW] = count - max(int(new_start), max(old_end, expired_end))
    return {k: v for k, v in out.items() if v > 0}
