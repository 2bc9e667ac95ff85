"""The same questions through ``aws:`` against ``aiaudit emulate`` and through ``local:`` give the same
answers, including when the emulator's cap forces splitting."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd

from aiaudit import connect
from aiaudit.core.config import Config
from aiaudit.core.timerange import TimeRange
from aiaudit.sources.aws.emulator import Emulator, serve, url_of
from aiaudit.sources.aws.options import AwsOptions
from aiaudit.sources.aws.source import AwsSource
from aiaudit.sources.spec import parse_spec

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
QUERY = "SELECT `eventName`, `eventSource`, `@ptr` FROM `cloudtrail`"


def test_local_and_emulated_aws_agree(tmp_path, monkeypatch) -> None:
    local = connect(f"local:{SAMPLES}", cache_dir=str(tmp_path / "store"))
    span = local.data_span()
    assert span is not None
    expected = local.query(QUERY, span).frame
    assert len(expected) == 24  # every CloudTrail record in the samples (the digest is not one)
    server = serve(Emulator(local, cap=3))
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url_of(server))
        opts = AwsOptions(cache=False, progress=False, poll_initial_s=0.01, projection_language="sql")
        aws = AwsSource(parse_spec("aws:@us-east-1"), Config(), options=opts)
        got = aws.query(QUERY, span)
        assert got.complete and any(w.startswith("split:") for w in got.warnings)
        key = ["@ptr"]
        pd.testing.assert_frame_equal(
            got.frame.sort_values(key).reset_index(drop=True)[list(expected.columns)],
            expected.sort_values(key).reset_index(drop=True),
            check_dtype=False,
        )
        remote_ct = aws.cloudtrail(span).sort_values("@ptr").reset_index(drop=True)
        local_ct = local.cloudtrail(span).sort_values("@ptr").reset_index(drop=True)
        pd.testing.assert_frame_equal(remote_ct, local_ct)
    finally:
        server.shutdown()
        local.close()


def test_without_a_range_both_backends_read_the_same_window(tmp_path, monkeypatch) -> None:
    """No range means the ``[environment] default_lookback`` ending at the data's newest record on both
    backends (aiaudit.core.timerange.default_window), so ``src.cloudtrail()`` and ``src.query(q)`` return
    the same rows through ``aws:`` (real boto3 against the emulator) as through ``local:``. The samples
    span years, so the window leaves their older records out on both sides."""
    local = connect(f"local:{SAMPLES}", cache_dir=str(tmp_path / "store"))
    span = local.data_span()
    assert span is not None
    window = TimeRange(span.end - timedelta(days=30), span.end)  # the default lookback, by hand
    server = serve(Emulator(local, cap=3))
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url_of(server))
        opts = AwsOptions(cache=False, progress=False, poll_initial_s=0.01, projection_language="sql")
        aws = AwsSource(parse_spec("aws:@us-east-1"), Config(), options=opts)
        assert aws.data_span() is not None and aws.data_span().end == span.end

        everything = local.query(QUERY, span).frame
        expected = local.query(QUERY, window).frame
        assert 0 < len(expected) < len(everything)  # the rule is visible in this data
        for got in (local.query(QUERY), aws.query(QUERY)):
            assert got.time_range == window
            pd.testing.assert_frame_equal(
                got.frame.sort_values("@ptr").reset_index(drop=True)[list(expected.columns)],
                expected.sort_values("@ptr").reset_index(drop=True),
                check_dtype=False,
            )
        for pipeline in ("cloudtrail", "invocations", "spans", "runtime_logs"):
            remote = aws.projection(pipeline).sort_values("@ptr").reset_index(drop=True)
            here = local.projection(pipeline).sort_values("@ptr").reset_index(drop=True)
            assert set(here["@ptr"]) == set(local.projection(pipeline, window)["@ptr"]), pipeline
            pd.testing.assert_frame_equal(remote, here, obj=pipeline)
    finally:
        server.shutdown()
        local.close()
