"""The dashboard entries (D01–D11, classic Logs Insights QL) on a small simulation agree with an
independent pandas computation over the simulator's raw files (dashboard_oracle.py)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from aiaudit.catalog import catalog
from aiaudit.simulate import simulate

from . import dashboard_oracle as oracle

DASHBOARDS = [f"D{n:02d}" for n in range(1, 12)]


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dashboards")
    simulate(out, days=1, scale=0.05, seed=11, end="2026-11-20T00:00:00Z")
    return out


@pytest.fixture(scope="module")
def src(sim: Path, tmp_path_factory: pytest.TempPathFactory):
    import aiaudit

    source = aiaudit.connect(f"local:{sim}", cache_dir=str(tmp_path_factory.mktemp("dashboards-store")))
    yield source
    source.close()


@pytest.fixture(scope="module")
def inv(sim: Path) -> pd.DataFrame:
    return oracle.invocations(sim)


@pytest.fixture(scope="module")
def spans(sim: Path) -> pd.DataFrame:
    return oracle.spans(sim)


def run(entry: str, src: Any, **params: Any) -> pd.DataFrame:
    return catalog[entry].run(src, src.data_span(), **params).frame


def table(frame: pd.DataFrame, keys: list[str]) -> dict[tuple, dict[str, Any]]:
    """Rows by their key columns (None for a missing key), values as plain Python."""
    out: dict[tuple, dict[str, Any]] = {}
    for row in frame.to_dict(orient="records"):
        key = tuple(None if _missing(row[k]) else _plain(row[k]) for k in keys)
        assert key not in out, f"duplicate key {key}"
        out[key] = {k: None if _missing(v) else _plain(v) for k, v in row.items() if k not in keys}
    return out


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.tz_convert("UTC")
    return value.item() if hasattr(value, "item") else value


def agree(engine: dict[tuple, dict[str, Any]], expected: dict[tuple, dict[str, Any]]) -> None:
    assert set(engine) == set(expected)
    for key, values in expected.items():
        for column, want in values.items():
            got = engine[key][column]
            if want is None or (isinstance(want, float) and math.isnan(want)):
                assert got is None, (key, column, got)
            elif isinstance(want, float):
                assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (key, column, got, want)
            else:
                assert got == want, (key, column, got, want)


def descending(frame: pd.DataFrame, column: str) -> None:
    values = [v for v in frame[column] if not _missing(v)]
    assert values == sorted(values, reverse=True)


def test_every_dashboard_entry_is_a_classic_view():
    for entry in DASHBOARDS:
        assert catalog[entry].kind == "view" and catalog[entry].language == "cwli"
        assert catalog[entry].path is not None and catalog[entry].path.parent.name == "dashboards"


def test_simulation_has_what_the_entries_read(inv, spans):
    assert len(inv) > 100 and inv["stop_reason"].nunique() >= 3 and spans["error"].sum() > 3


def test_d01_stop_reasons_by_model(src, inv):
    frame = run("D01", src)
    expected = inv.groupby(["modelId", "stop_reason"], dropna=False).size().rename("invocations").reset_index()
    agree(table(frame, ["modelId", "stop_reason"]), table(expected, ["modelId", "stop_reason"]))
    descending(frame, "invocations")


def test_d02_completed_versus_truncated_hourly(src, inv):
    frame = run("D02", src)
    rows = []
    for hour, group in inv.groupby(inv["time"].map(oracle.hour)):
        completed = int(group["stop_reason"].isin(oracle.COMPLETE).sum())
        truncated = int(group["stop_reason"].isin(oracle.TRUNCATED).sum())
        rows.append({"hour": hour, "completed": completed, "truncated": truncated, "invocations": len(group),
                     "truncated_pct": 100 * truncated / len(group)})  # fmt: skip
    agree(table(frame, ["hour"]), table(pd.DataFrame(rows), ["hour"]))
    assert list(frame["hour"]) == sorted(frame["hour"])  # stats rows without sort: by their groups


def test_d03_token_efficiency(src, inv):
    frame = run("D03", src)
    rows = []
    for model, group in inv.groupby("modelId"):
        total_in, total_out = group["input_tokens"].sum(), group["output_tokens"].sum()
        rows.append({"modelId": model, "invocations": len(group), "total_input": total_in, "total_output": total_out,
                     "avg_input": group["input_tokens"].mean(), "avg_output": group["output_tokens"].mean(),
                     "output_per_input": total_out / total_in if total_in else None})  # fmt: skip
    agree(table(frame, ["modelId"]), table(pd.DataFrame(rows), ["modelId"]))
    descending(frame, "total_input")


def test_d04_latency_percentiles(src, inv):
    frame = run("D04", src)
    timed = inv[inv["latency"].notna()]
    rows = []
    for key, group in timed.groupby(["modelId", "region", "inferenceRegion"], dropna=False):
        values = list(group["latency"])
        rows.append({"modelId": key[0], "region": key[1], "inferenceRegion": key[2], "invocations": len(group),
                     "p50_ms": oracle.nearest_rank(values, 50), "p95_ms": oracle.nearest_rank(values, 95),
                     "p99_ms": oracle.nearest_rank(values, 99)})  # fmt: skip
    expected = pd.DataFrame(rows)
    agree(
        table(frame, ["modelId", "region", "inferenceRegion"]),
        table(expected, ["modelId", "region", "inferenceRegion"]),
    )
    descending(frame, "p95_ms")


def test_d05_failed_traces_hourly(src, spans):
    frame = run("D05", src)
    agent = spans[spans["agent"]]
    traces = agent.groupby("traceId").agg(failed=("error", "max"), started=("time", "min"))
    rows = []
    for hour, group in traces.groupby(traces["started"].map(oracle.hour)):
        failed = int(group["failed"].sum())
        rows.append(
            {"hour": hour, "traces": len(group), "failed_traces": failed, "failed_pct": 100 * failed / len(group)}
        )
    agree(table(frame, ["hour"]), table(pd.DataFrame(rows), ["hour"]))


def test_d06_failed_spans(src, spans):
    frame = run("D06", src, limit=5)
    failed = spans[spans["agent"] & spans["error"]].sort_values("time", ascending=False)
    assert len(failed) > 5 and len(frame) == 5
    newest = failed.head(5)
    assert list(frame["spanId"]) == list(newest["spanId"])
    assert list(frame["operation"]) == list(newest["name"])
    assert list(frame["session_id"]) == list(newest["session_id"])
    assert list(frame["error"].astype(object).where(frame["error"].notna(), None)) == list(
        newest["message"].astype(object).where(newest["message"].notna(), None)
    )
    assert list(frame["duration_ms"]) == pytest.approx(list(newest["duration_ms"]))


def test_d07_component_p95(src, spans):
    frame = run("D07", src)
    agent = spans[spans["agent"]]
    rows = []
    for (service, name), group in agent.groupby(["service", "name"]):
        values = list(group["duration_ms"])
        rows.append({"service": service, "component": name, "spans": len(group), "avg_ms": sum(values) / len(values),
                     "p95_ms": oracle.nearest_rank(values, 95)})  # fmt: skip
    agree(table(frame, ["service", "component"]), table(pd.DataFrame(rows), ["service", "component"]))
    descending(frame, "p95_ms")


def test_d08_total_spend(src, inv):
    frame = run("D08", src)
    assert len(frame) == 1
    assert frame["spend_usd"].iloc[0] == pytest.approx(inv["cost"].sum(), rel=1e-9)
    assert frame["invocations"].iloc[0] == len(inv)


def test_d09_spend_by_model(src, inv):
    frame = run("D09", src)
    rows = [
        {"modelId": model, "spend_usd": group["cost"].sum(), "invocations": len(group),
         "input_tokens": group["input_tokens"].sum(), "output_tokens": group["output_tokens"].sum()}
        for model, group in inv.groupby("modelId")
    ]  # fmt: skip
    agree(table(frame, ["modelId"]), table(pd.DataFrame(rows), ["modelId"]))
    descending(frame, "spend_usd")
    assert frame["spend_usd"].sum() == pytest.approx(run("D08", src)["spend_usd"].iloc[0], rel=1e-9)


def test_d10_top_spenders_by_role(src, inv):
    frame = run("D10", src, limit=3)
    ranking = inv.groupby(["principal", "account"], dropna=False).agg(
        spend_usd=("cost", "sum"), invocations=("cost", "size")
    )
    ranking = ranking.sort_values("spend_usd", ascending=False).reset_index()
    assert len(frame) == 3
    assert list(frame["spend_usd"]) == pytest.approx(list(ranking["spend_usd"].head(3)), rel=1e-9)
    expected = table(ranking, ["principal", "account"])
    for key, values in table(frame, ["principal", "account"]).items():
        assert values["invocations"] == expected[key]["invocations"]
    assert "AmazonBedrockAgentCoreSDKRuntime" in " ".join(frame["principal"])  # roles, not session names


def test_d11_tokens_over_time(src, inv):
    frame = run("D11", src)
    rows = [
        {"hour": hour, "input_tokens": group["input_tokens"].sum(), "output_tokens": group["output_tokens"].sum(),
         "invocations": len(group)}
        for hour, group in inv.groupby(inv["time"].map(oracle.hour))
    ]  # fmt: skip
    agree(table(frame, ["hour"]), table(pd.DataFrame(rows), ["hour"]))


def test_prices_are_parameters(src, inv):
    doubled = {name: 2 * p.default for name, p in catalog["D08"].parameters.items() if name.endswith("_per_1k")}
    frame = run("D08", src, **doubled)
    assert frame["spend_usd"].iloc[0] == pytest.approx(2 * inv["cost"].sum(), rel=1e-9)


def test_cost_entries_price_the_same_way():
    """D08–D10 share one cost formula (the prices, the token fallbacks): one text, checked here."""
    texts = {e: catalog[e].query.split("| stats")[0] for e in ("D08", "D09", "D10")}
    assert texts["D08"] == texts["D09"] == texts["D10"].split("| parse")[0]
    assert catalog["D08"].parameters == {k: v for k, v in catalog["D10"].parameters.items() if k != "limit"}


def test_dry_run_renders_the_prices(src):
    text = catalog["D08"].dry_run(sonnet_input_per_1k=0.004)
    assert '* 0.004 + strcontains(modelId, "haiku") * 0.00025' in text and "{{" not in text
