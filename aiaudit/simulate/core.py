"""``simulate()``: build the world, plant the scenarios, generate and write every shard, write the truth.

Why shards of (day, account, region) run in a fork pool: the baseline dominates the cost and each shard
is independent (its own random stream, its own files), so two cores halve the time and the bytes do
not depend on the number of workers. Scenario records are made first, in this process, because they
register effects the shards apply; they are then routed to the shard whose files they belong in.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiaudit.core.errors import InputError
from aiaudit.simulate.baseline import generate_shard
from aiaudit.simulate.defects import write_defects
from aiaudit.simulate.emit import Emitter
from aiaudit.simulate.output import ShardResult, write_shard
from aiaudit.simulate.rand import derive, iso, parse_iso
from aiaudit.simulate.scenarios import SCENARIOS, Incident, run_scenarios
from aiaudit.simulate.truth import write_config, write_truth
from aiaudit.simulate.world import World, build_world

OUR_DIRS = ("cloudtrail", "invocations", "spans", "runtime_logs", "defects")
OUR_FILES = ("truth.json", "aiaudit.toml")

ShardKey = tuple[int, str, str]  # (day, account key, region)

#: What ``pipelines=`` accepts: the four pipelines, and ``cloudtrail-management`` for a trail that records
#: management events only (the default trail set-up: no data events).
PIPELINE_CHOICES = ("cloudtrail", "cloudtrail-management", "invocations", "spans", "runtime_logs")
ALL_PIPELINES = ("cloudtrail", "invocations", "spans", "runtime_logs")


@dataclass
class SimulationSummary:
    """What was written: records and files per pipeline, incidents, timing."""

    out: Path
    seed: int
    start: str
    end: str
    scale: float
    scenarios: list[str]
    records: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    bytes_written: int = 0
    incidents: list[dict[str, Any]] = field(default_factory=list)
    pipelines: tuple[str, ...] = ALL_PIPELINES
    dropped: dict[str, int] = field(default_factory=dict)
    defects: list[dict[str, Any]] = field(default_factory=list)
    elapsed_s: float = 0.0

    def text(self) -> str:
        lines = [
            f"simulated {self.start} .. {self.end} (seed {self.seed}, scale {self.scale:g}) into {self.out}",
            "records: " + ", ".join(f"{k} {v:,}" for k, v in self.records.items()),
            "files:   " + ", ".join(f"{k} {v:,}" for k, v in self.files.items()),
            f"bytes:   {self.bytes_written:,} compressed/on disk; {self.elapsed_s:.1f} s "
            f"({self.records.get('cloudtrail', 0) / max(self.elapsed_s, 1e-9):,.0f} CloudTrail events/s)",
            f"incidents ({len(self.incidents)}):",
        ]
        for inc in self.incidents:
            lines.append(
                f"  {inc['id']:<32} {inc['window']['start']} .. {inc['window']['end']}  "
                f"{len(inc['request_ids'])} request ids, {len(inc['session_ids'])} sessions"
            )
        if self.defects:
            lines.append(f"defects: {len(self.defects)} malformed files (see truth.json 'defects')")
        lines.append("ground truth: truth.json; environment baseline: aiaudit.toml")
        return "\n".join(lines)


# Set before forking; read by shard workers (fork shares them without pickling).
_STATE: dict[str, Any] = {}


def simulate(
    out: Path | str,
    *,
    days: int = 3,
    end: str = "2026-11-20T00:00:00Z",
    seed: int = 7,
    scale: float = 1.0,
    scenarios: tuple[str, ...] | list[str] = ("all",),
    with_defects: bool = False,
    workers: int | None = None,
    pipelines: tuple[str, ...] | list[str] = ALL_PIPELINES,
    account_ids: Mapping[str, str] | None = None,
) -> SimulationSummary:
    """Write a simulated organisation's telemetry with planted incidents under ``out``.

    ``pipelines`` names what the simulated accounts deliver (real accounts rarely deliver all four:
    CloudTrail alone is the commonest set-up); ``cloudtrail-management`` is CloudTrail without data events.
    Everything still *happens*; only the records of pipelines not delivered are not written.

    ``account_ids`` pins account ids by key (``{"prod": "111111111111"}``; keys ``management``, ``prod``,
    ``dev``, ``data``), so folders simulated as separate member accounts carry the ids a multi-account
    source names (the emulator serving each folder as that account)."""
    started = time.monotonic()
    out = Path(out)
    names = _scenario_names(scenarios)
    delivered = _pipeline_names(pipelines)
    if days < 1:
        raise InputError(f"--days must be at least 1, not {days}", where="--days")
    if not scale > 0:
        raise InputError(f"--scale must be positive, not {scale}", where="--scale")
    try:
        end_t = parse_iso(end)
    except ValueError as exc:
        raise InputError(str(exc), where="--end") from None
    start_t = end_t - days * 86400
    pinned = _account_ids(account_ids)
    _prepare(out)
    world = build_world(seed, start_t, end_t, pinned)
    scenario_em, incidents = run_scenarios(world, names, scale)
    routed, lost = _route(world, scenario_em, days)
    keys = sorted(_baseline_keys(world, days) | set(routed))
    _STATE.update(world=world, routed=routed, scale=scale, out=out, delivered=delivered)
    results: dict[ShardKey, dict[str, Any]] = {}
    n_workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    try:
        if n_workers > 1 and len(keys) > 1:
            ctx = multiprocessing.get_context("fork")
            order = sorted(keys, key=lambda k: (-_weight(world, k), k))
            # Forked workers must never collect objects inherited from the parent: a DuckDB cursor left for
            # the garbage collector (a notebook's, a test's) crashes a child whose copy has no DuckDB threads.
            gc.collect()
            gc.freeze()
            try:
                with ctx.Pool(n_workers) as pool:
                    for key, res in pool.imap_unordered(_run_shard, order):
                        results[key] = res
            finally:
                gc.unfreeze()
        else:
            for key in keys:
                results[key] = _run_shard(key)[1]
    finally:
        _STATE.clear()
    summary = SimulationSummary(
        out=out, seed=seed, start=iso(start_t), end=iso(end_t), scale=scale, scenarios=names, pipelines=delivered
    )
    _merge(summary, results, incidents, lost)

    defects: list[dict[str, Any]] = []
    if with_defects:
        defects = write_defects(out, world)
    summary.defects = defects
    write_truth(out, world, summary, incidents, defects)
    write_config(out, world, days)
    summary.elapsed_s = time.monotonic() - started
    return summary


def _pipeline_names(pipelines: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    wanted = [p.strip() for p in pipelines if p.strip()]
    unknown = [p for p in wanted if p not in PIPELINE_CHOICES]
    if unknown or not wanted:
        raise InputError(
            f"unknown pipeline {unknown[0] if unknown else '(none)'!r}; choose from: {', '.join(PIPELINE_CHOICES)}",
            where="--pipelines",
        )
    if "cloudtrail" in wanted and "cloudtrail-management" in wanted:
        raise InputError("give cloudtrail or cloudtrail-management, not both", where="--pipelines")
    return tuple(p for p in PIPELINE_CHOICES if p in wanted)


def _scenario_names(scenarios: tuple[str, ...] | list[str]) -> list[str]:
    wanted = list(scenarios) or ["all"]
    if "none" in wanted:
        return []
    if "all" in wanted:
        return list(SCENARIOS)
    unknown = [n for n in wanted if n not in SCENARIOS]
    if unknown:
        raise InputError(
            f"unknown scenario {unknown[0]!r}; choose from: all, none, {', '.join(SCENARIOS)}", where="--scenario"
        )
    return [n for n in SCENARIOS if n in wanted]


ACCOUNT_KEYS = ("management", "prod", "dev", "data")


def _account_ids(given: Mapping[str, str] | None) -> dict[str, str]:
    out = dict(given or {})
    for key, value in out.items():
        if key not in ACCOUNT_KEYS:
            raise InputError(f"unknown account {key!r} (one of {', '.join(ACCOUNT_KEYS)})", where="account_ids")
        if not (isinstance(value, str) and len(value) == 12 and value.isdigit()):
            raise InputError(f"{key}: {value!r} is not a 12-digit AWS account id", where="account_ids")
    if len(set(out.values())) != len(out):
        raise InputError("two accounts were given the same id", where="account_ids")
    return out


def _prepare(out: Path) -> None:
    """Refuse to mix with unrelated files; replace a previous simulation's output."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a folder", where="--out")
    if out.exists() and any(out.iterdir()):
        if not (out / "truth.json").is_file():
            raise InputError(
                f"{out} is not empty and holds no earlier simulation (no truth.json); choose an empty or new folder",
                where="--out",
            )
        for name in OUR_DIRS:
            if (out / name).is_dir():
                shutil.rmtree(out / name)
        for name in OUR_FILES:
            (out / name).unlink(missing_ok=True)
        store = out / ".aiaudit"
        if store.is_dir():
            shutil.rmtree(store)
    out.mkdir(parents=True, exist_ok=True)


def _baseline_keys(world: World, days: int) -> set[ShardKey]:
    return {
        (day, acct.key, region) for day in range(days) for acct in world.accounts.values() for region in acct.regions
    }


def _weight(world: World, key: ShardKey) -> float:
    _, acct, region = key
    total = sum(a.rate for a in world.actors.values() if a.account.key == acct and a.region == region)
    total += sum(
        60 * g.sessions_per_hour for g in world.agents.values() if g.account.key == acct and g.region == region
    )
    return total


def _route(world: World, em: Emitter, days: int) -> tuple[dict[ShardKey, Emitter], set[str]]:
    """Hand each scenario record to the shard (day, account, region) whose files it belongs in."""
    by_id = {a.id: a.key for a in world.accounts.values()}
    agent_where = {a.name: (a.account.key, a.region) for a in world.agents.values()}
    routed: dict[ShardKey, Emitter] = {}
    lost: set[str] = set()

    def target(t: float, acct_key: str, region: str) -> Emitter | None:
        if not world.start <= t < world.end:
            return None
        key = (int((t - world.start) // 86400), acct_key, region)
        if key not in routed:
            routed[key] = Emitter(world, derive(world.seed, "routed", *key))
        return routed[key]

    for item in em.ct:
        dest = target(item[0], by_id[item[1]], item[2])
        if dest is None:
            lost.add(item[5])
        else:
            dest.ct.append(item)
    for mil in em.mil:
        dest = target(mil[0], by_id[mil[1]], mil[2])
        if dest is not None:
            dest.mil.append(mil)
    for span in em.spans:
        dest = target(span[0], by_id[span[1]], span[2])
        if dest is not None:
            dest.spans.append(span)
    for rt in em.rt:
        acct_key, region = agent_where[rt[1]]
        dest = target(rt[0], acct_key, region)
        if dest is not None:
            dest.rt.append(rt)
    return routed, lost


def _run_shard(key: ShardKey) -> tuple[ShardKey, dict[str, Any]]:
    world: World = _STATE["world"]
    day, acct_key, region = key
    em = Emitter(world, derive(world.seed, "shard", day, acct_key, region))
    if region in world.accounts[acct_key].regions:
        generate_shard(world, em, day, acct_key, region, _STATE["scale"])
    extra = _STATE["routed"].get(key)
    if extra is not None:
        em.ct.extend(extra.ct)
        em.mil.extend(extra.mil)
        em.spans.extend(extra.spans)
        em.rt.extend(extra.rt)
    result = ShardResult()
    write_shard(world, _STATE["out"], em, day, result, pipelines=_STATE["delivered"])
    plain = {
        "counts": dict(result.counts),
        "files": dict(result.files),
        "bytes": result.bytes,
        "tagged": {k: list(v) for k, v in result.tagged.items()},
        "suppressed": {k: {p: list(r) for p, r in v.items()} for k, v in result.suppressed.items()},
        "dropped": dict(result.dropped),
        "gone": sorted(result.gone),
    }
    return key, plain


def _merge(
    summary: SimulationSummary, results: dict[ShardKey, dict[str, Any]], incidents: list[Incident], lost: set[str]
) -> None:
    records: dict[str, int] = defaultdict(int)
    files: dict[str, int] = defaultdict(int)
    dropped: dict[str, int] = defaultdict(int)
    tagged: dict[str, list[str]] = defaultdict(list)
    suppressed: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    gone: set[str] = set()
    for key in sorted(results):
        res = results[key]
        for k, v in res["counts"].items():
            records[k] += v
        for k, v in res["files"].items():
            files[k] += v
        for k, v in res["dropped"].items():
            dropped[k] += v
        summary.bytes_written += res["bytes"]
        gone.update(res["gone"])
        for inc_id, rids in res["tagged"].items():
            tagged[inc_id].extend(rids)
        for inc_id, pipes in res["suppressed"].items():
            for pipe, rids in pipes.items():
                suppressed[inc_id][pipe].extend(rids)
    for inc in incidents:
        # its own effect's removals, and calls another incident's effect erased from every pipeline (the
        # llmjacking calls a later single-region trail no longer records): truth lists only ids a record carries
        removed_ct = set(suppressed[inc.id].get("cloudtrail", ())) | gone
        inc.request_ids = [r for r in inc.request_ids if r not in lost and r not in removed_ct]
        inc.request_ids += [r for r in tagged.get(inc.id, ()) if r not in removed_ct]
        inc.request_ids += suppressed[inc.id].get("invocations", [])
        for pipe, rids in suppressed[inc.id].items():
            inc.details.setdefault("suppressed", {})[pipe] = {"count": len(rids), "sample": sorted(rids)[:20]}
        data = inc.to_json()
        summary.incidents.append(data)
    order = ("cloudtrail", "invocations", "spans", "runtime_logs")
    summary.records = {k: records.get(k, 0) for k in order}
    summary.files = {k: files.get(k, 0) for k in (*order, "invocations_data")}
    summary.dropped = dict(sorted(dropped.items()))
