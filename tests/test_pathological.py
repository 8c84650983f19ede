"""A single pathological record (10,000 baseline groups; 1,000,000 adverse-event rows) is read and checked like
any other: accepted, every row kept, no ingestion finding. Only the outcome is asserted; time and memory are
measured by bench/pathological.py (linear in the record's size).

The 1,000,000-row case needs ~1.5 GB and ~20 CPU-seconds, so it runs when TG_SLOW=1; a 100,000-row record of
the same shape always runs."""

from __future__ import annotations

import json
import os

import pytest

from bench.pathological import many_adverse_events, wide_baseline
from trialguard.config import Config
from trialguard.engine import validate
from trialguard.ingest import read_paths


def check(tmp_path, study: dict):
    f = tmp_path / "big.json"
    f.write_text(json.dumps(study), encoding="utf-8")
    result = validate(read_paths([f.as_posix()]), Config())
    ds = result.dataset
    assert (ds.records.read, ds.records.checked, ds.records.rejected) == (1, 1, 0)
    assert not result.findings["rule"].str.startswith("TG0").any()
    return result


def test_record_with_10000_baseline_groups(tmp_path):
    result = check(tmp_path, wide_baseline(10_000))
    ds = result.dataset
    base = ds.groups[ds.groups["block"] == "baseline"]
    assert len(base) == 10_001 and base["is_total"].sum() == 1
    assert (base["parent"] == "BGTOTAL").sum() == 10_000
    assert len(ds.counts[ds.counts["block"] == "baseline"]) == 2 * 10_001
    assert len(ds.stats[ds.stats["block"] == "baseline"]) == 10_001
    assert len(ds.flow) == 3 * 10_000
    # the record is consistent (sexes sum to N, enrollment = STARTED, baseline N = STARTED): nothing to report
    # from the sum and flow families, whatever the number of groups
    assert not result.findings["rule"].str.match(r"TG2|TG30").any()


@pytest.mark.parametrize("rows", [
    100_000,
    pytest.param(1_000_000, marks=pytest.mark.skipif(not os.environ.get("TG_SLOW"), reason="set TG_SLOW=1")),
])
def test_record_with_very_many_adverse_event_rows(tmp_path, rows):
    result = check(tmp_path, many_adverse_events(rows, n_groups=10))
    ae = result.dataset.adverse_events
    terms = ae[ae["kind"] == "term"]
    assert len(terms) == rows and terms["term"].nunique() == rows // 10
    assert (terms["affected"] <= terms["at_risk"]).all()
    assert not result.findings["rule"].str.startswith("TG32").any()
