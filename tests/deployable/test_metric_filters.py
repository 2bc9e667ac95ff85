"""MF01–MF25: each filter matches its hand-written events and none of its near misses, the same through the
event text (as TestMetricFilter) and through the store's hot columns (as the back-test reads them)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from aiaudit.catalog import catalog, concepts
from aiaudit.catalog.kinds import metric_filter
from aiaudit.core.errors import InputError
from aiaudit.query.filterpattern import matches, parse
from aiaudit.query.filterpattern.compile import necessary_text
from aiaudit.query.filterpattern.nodes import Comparison, walk

from . import records

MF_IDS = sorted(i for i in catalog if catalog[i].kind == "metric_filter")
DAY = (pd.Timestamp("2026-03-02T00:00:00Z"), pd.Timestamp("2026-03-03T00:00:00Z"))


def test_every_metric_filter_has_cases() -> None:
    assert [f"MF{n:02d}" for n in range(1, 26)] == MF_IDS
    assert sorted(records.MF_CASES) == MF_IDS


@pytest.mark.parametrize("entry_id", MF_IDS)
def test_filter_matches_its_events_as_text(entry_id: str) -> None:
    hits, misses = records.MF_CASES[entry_id]
    pattern = metric_filter.spec(catalog[entry_id]).pattern
    assert matches(pattern, [json.dumps(e) for e in hits]) == [True] * len(hits)
    assert matches(pattern, [json.dumps(e) for e in misses]) == [False] * len(misses)


@pytest.mark.parametrize("entry_id", MF_IDS)
def test_filter_matches_its_events_in_the_store(entry_id: str, cases_src: object) -> None:
    hits, misses = records.MF_CASES[entry_id]
    mf = metric_filter.spec(catalog[entry_id])
    found = set(metric_filter.matched_events(cases_src.store, mf, *DAY)["request_id"])  # type: ignore[attr-defined]
    assert {e["requestID"] for e in hits} <= found
    assert not {e["requestID"] for e in misses} & found


@pytest.mark.parametrize("entry_id", [i for i in MF_IDS if catalog[i].spec.get("concepts")])
def test_filter_values_are_the_shared_concept_lists(entry_id: str) -> None:
    """A filter that names a concept compares that field with exactly the concept's values (so MF04 and Q08,
    MF10 and Q04, MF18 and Q14 cannot drift apart again)."""
    tree = parse(catalog[entry_id].spec["pattern"])
    for selector, concept in catalog[entry_id].spec["concepts"].items():
        values = {
            leaf.value.text for leaf in walk(tree.expr) if isinstance(leaf, Comparison) and leaf.field.text == selector
        }  # type: ignore[union-attr]
        assert values == set(concepts()[concept]), (selector, concept)


def test_change_roles_are_compiled_into_the_pattern() -> None:
    mf = metric_filter.spec(catalog["MF04"])
    roles = ("arn:aws:iam::111122223333:role/deploy", "arn:aws:iam::111122223333:role/ci/release")
    text = mf.effective_pattern(roles)
    assert text.startswith("{ (($.eventSource") and text.endswith(")) }")
    assert '$.userIdentity.arn != "arn:aws:sts::111122223333:assumed-role/deploy/*"' in text
    assert '$.userIdentity.arn != "arn:aws:sts::111122223333:assumed-role/release/*"' in text  # the path is dropped
    events = [
        records.event("UpdateGuardrail", "by-deploy", ident=records.role("deploy")),
        records.event("UpdateGuardrail", "by-release", ident=records.role("release", path="ci/")),
        records.event("UpdateGuardrail", "by-deployer", ident=records.role("deployer")),  # not a prefix match
        records.event("UpdateGuardrail", "by-user", ident=records.user("deploy")),
        records.event("UpdateGuardrail", "by-service", ident=records.SERVICE),  # no userIdentity.arn at all
    ]
    assert matches(text, [json.dumps(e) for e in events]) == [False, False, True, True, True]
    assert metric_filter.spec(catalog["MF06"]).effective_pattern(roles) == metric_filter.spec(catalog["MF06"]).pattern


def test_change_roles_that_overflow_the_pattern_are_refused() -> None:
    roles = [f"arn:aws:iam::111122223333:role/deploy-pipeline-role-number-{n:03d}" for n in range(20)]
    with pytest.raises(InputError, match="1024 characters"):
        metric_filter.spec(catalog["MF04"]).effective_pattern(roles)


def test_every_pattern_is_within_awss_limits() -> None:
    for entry_id in MF_IDS:
        text = catalog[entry_id].spec["pattern"]
        assert len(text) <= 1024
        assert re.fullmatch(r"[^:*$]{1,255}", catalog[entry_id].spec["metric_name"])


@pytest.mark.parametrize("entry_id", MF_IDS)
def test_remote_prefilter_never_drops_a_matching_event(entry_id: str) -> None:
    """Off the local store, back-tests fetch only events whose text holds the pattern's required strings."""

    def holds(need: object, text: str) -> bool:
        if need is None:
            return True
        if isinstance(need, str):
            return need in text
        kind, parts = need  # type: ignore[misc]
        results = [holds(part, text) for part in parts]
        return all(results) if kind == "and" else any(results)

    pattern = catalog[entry_id].spec["pattern"]
    events = [json.dumps(e) for hits, misses in records.MF_CASES.values() for e in hits + misses]
    for text, hit in zip(events, matches(pattern, events)):
        assert not hit or holds(necessary_text(pattern), text)
