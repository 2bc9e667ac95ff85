"""Writes one shard's records in the real delivery layouts, applying scenario effects on the way.

Why effects are applied here and not when records are made: what the *pipelines* keep differs from
what *happened* (logging deleted, selectors dropped, a region silently not logging). The call is made
either way; only its record in one pipeline disappears, and the writer notes which request ids an
incident removed so ``truth.json`` can list them.

Layouts (see docs/simulate.md): CloudTrail S3 delivery files of 5-15 minutes with events in no
particular order; Bedrock invocation-log S3 files under hour folders with large bodies in ``data/``;
``aws/spans`` exports as gzipped JSON lines; runtime logs per agent as JSON lines. Gzip headers carry
no time and no file name, so the same seed gives the same bytes.
"""

from __future__ import annotations

import gzip
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from aiaudit.simulate.emit import Emitter
from aiaudit.simulate.rand import Ids, derive
from aiaudit.simulate.world import World

GZIP_LEVEL = 1  # speed over size; readers do not care, and the bytes stay deterministic


@dataclass
class ShardResult:
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    files: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    bytes: int = 0
    tagged: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # incident -> request ids
    # incident -> pipeline -> request ids whose record an effect removed from that pipeline
    suppressed: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    dropped: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # reason -> count
    # request ids an effect removed from CloudTrail whose call left no invocation record either: no record
    # carries them any more, so no incident's truth may list them
    gone: set[str] = field(default_factory=set)


def _gz(path: Path, text: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = gzip.compress(text.encode("utf-8"), compresslevel=GZIP_LEVEL, mtime=0)
    path.write_bytes(data)
    return len(data)


def _plain(path: Path, text: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(data)
    return len(data)


def write_shard(
    world: World,
    out: Path,
    em: Emitter,
    day: int,
    result: ShardResult,
    pipelines: tuple[str, ...] = ("cloudtrail", "invocations", "spans", "runtime_logs"),
) -> None:
    """Write everything ``em`` collected for one day (baseline + routed scenario items), for the pipelines
    the simulated accounts deliver (``cloudtrail-management``: CloudTrail without data events)."""
    eff = world.effects
    management_only = "cloudtrail-management" in pipelines
    if management_only or "cloudtrail" not in pipelines:
        em.ct = [item for item in em.ct if management_only and not item[3]]
    if "invocations" not in pipelines:
        em.mil = []
    if "spans" not in pipelines:
        em.spans = []
    if "runtime_logs" not in pipelines:
        em.rt = []
    day_tag = time.strftime("%Y%m%d", time.gmtime(world.start + day * 86400))
    # -- CloudTrail -------------------------------------------------------------------------------
    by_stream: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
    ct_removed: set[str] = set()
    for t, acct, region, flag, line, rid, tag in em.ct:
        if tag:
            result.tagged[tag].append(rid)
        if flag == "D" and eff.data_events_off and t >= eff.data_events_off[0]:
            result.suppressed[eff.data_events_off[1]]["cloudtrail"].append(rid)
            result.dropped["data event not selected"] += 1
            ct_removed.add(rid)
            continue
        if eff.single_region and t >= eff.single_region[0] and region != eff.single_region[1]:
            result.suppressed[eff.single_region[2]]["cloudtrail"].append(rid)
            result.dropped["region not recorded"] += 1
            ct_removed.add(rid)
            continue
        by_stream[(acct, region)].append((t, line))
    for (acct, region), items in sorted(by_stream.items()):
        items.sort(key=lambda item: item[0])
        rng = derive(world.seed, "ct-files", acct, region, day)
        ids = Ids(rng)
        start = world.start + day * 86400
        i = 0
        while i < len(items):
            end = start + 300 + rng.random() * 600
            batch: list[str] = []
            while i < len(items) and items[i][0] < end:
                batch.append(items[i][1])
                i += 1
            if batch:
                rng.shuffle(batch)
                delivered = end + 60 + rng.random() * 240
                stamp = time.strftime("%Y%m%dT%H%MZ", time.gmtime(delivered))
                folder = time.strftime("%Y/%m/%d", time.gmtime(delivered))
                name = f"{acct}_CloudTrail_{region}_{stamp}_{ids.mixed(16)}.json.gz"
                path = out / "cloudtrail" / "AWSLogs" / world.org_id / acct / "CloudTrail" / region / folder / name
                result.bytes += _gz(path, '{"Records":[' + ",".join(batch) + "]}")
                result.files["cloudtrail"] += 1
                result.counts["cloudtrail"] += len(batch)
            start = end
    # -- invocation logs --------------------------------------------------------------------------
    by_hour: dict[tuple[str, str, int], list[tuple[float, str]]] = defaultdict(list)
    for t, acct, region, line, rid, tag, offload in em.mil:
        if region not in _logging_regions(world, acct):
            result.dropped["invocation logging not configured"] += 1
            continue
        incident = eff.mil_dropped(acct, region, t)
        if incident:
            result.suppressed[incident]["invocations"].append(rid)
            result.dropped["invocation logging off"] += 1
            continue
        if tag:
            result.tagged[tag].append(rid)
        ct_removed.discard(rid)
        if offload is not None:
            rel, body = offload
            result.bytes += _gz(out / "invocations" / rel, body)
            result.files["invocations_data"] += 1
        by_hour[(acct, region, int(t // 3600))].append((t, line))
    for (acct, region, hour), items in sorted(by_hour.items()):
        items.sort(key=lambda item: item[0])
        rng = derive(world.seed, "mil-files", acct, region, hour, day)
        ids = Ids(rng)
        folder = time.strftime("%Y/%m/%d/%H", time.gmtime(hour * 3600))
        i = 0
        cut = hour * 3600.0
        while i < len(items):
            cut += 300 + rng.random() * 900
            batch = []
            while i < len(items) and (items[i][0] < cut or cut >= hour * 3600 + 3600):
                batch.append(items[i][1])
                i += 1
            if not batch:
                continue
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(min(cut, hour * 3600 + 3599)))
            name = f"{stamp}{int(rng.random() * 1000):03d}Z_{ids.hex(16)}.json.gz"
            path = out / "invocations" / "AWSLogs" / acct / "BedrockModelInvocationLogs" / region / folder / name
            result.bytes += _gz(path, "\n".join(batch) + "\n")
            result.files["invocations"] += 1
            result.counts["invocations"] += len(batch)
    result.gone |= ct_removed
    # -- spans --------------------------------------------------------------------------------------
    spans_by: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
    for t, acct, region, line in em.spans:
        spans_by[(acct, region)].append((t, line))
    for (acct, region), items in sorted(spans_by.items()):
        items.sort(key=lambda item: item[0])
        path = out / "spans" / f"aws-spans-{acct}-{region}-{day_tag}.jsonl.gz"
        result.bytes += _gz(path, "\n".join(line for _, line in items) + "\n")
        result.files["spans"] += 1
        result.counts["spans"] += len(items)
    # -- runtime logs -------------------------------------------------------------------------------
    # otel-rt-logs: OTel log records as JSON lines (their resource names the log group and stream);
    # runtime-logs: stdout text as a CloudWatch export task writes it: <prefix>/<task id>/<stream>/000000.gz
    rt_by: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
    for t, agent_name, stream, line in em.rt:
        rt_by[(agent_name, stream)].append((t, line))
    for (agent_name, stream), items in sorted(rt_by.items()):
        items.sort(key=lambda item: item[0])
        agent = world.agents[agent_name]
        agent_dir = out / "runtime_logs" / f"{agent.runtime_id}-DEFAULT"
        text = "\n".join(line for _, line in items) + "\n"
        if stream == "otel-rt-logs":
            result.bytes += _plain(agent_dir / f"otel-rt-logs-{day_tag}.jsonl", text)
        else:
            ids = Ids(derive(world.seed, "export-task", agent_name, day))
            day_path = time.strftime("%Y/%m/%d", time.gmtime(world.start + day * 86400))
            export = agent_dir / ids.uuid() / day_path / f"[runtime-logs]{ids.uuid()}" / "000000.gz"
            result.bytes += _gz(export, text)
        result.files["runtime_logs"] += 1
        result.counts["runtime_logs"] += len(items)


def _logging_regions(world: World, account_id: str) -> tuple[str, ...]:
    for account in world.accounts.values():
        if account.id == account_id:
            return account.logging_regions
    return ()
