"""Test-only rules for the gate tests, registered for one test and removed after it.

They flag simple things the ingestion skeleton already reads, at the location of the offending value, so the
gate (baselines, --since, SARIF lines) can be tested before the real rule families exist:
TG991 a trial title carrying the marker "[BAD]"; TG993 (cross-source) a curated source naming a trial whose
registry title carries "[STALE]". A curated record with an unknown source kind is a real ingestion finding
(TG006 at /source/kind), which the tests use as it is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trialguard.findings import Severity, emit
from trialguard.validators.registry import REGISTRY, Rule

TITLE_POINTER = "/protocolSection/identificationModule/briefTitle"


def _title_loc(rows: pd.DataFrame) -> pd.Series:
    """Where the title sits: the record's position prefix (array index / NDJSON line) + the title field."""
    prefix = rows["loc"].astype(str).str.extract(r"^((?:line:\d+)?(?:/\d+)*)", expand=False).fillna("")
    xml = rows["file"].astype(str).str.endswith(".xml")
    return pd.Series(np.where(xml, "/clinical_study/brief_title", prefix + TITLE_POINTER), index=rows.index)


def title_marker(ds) -> pd.DataFrame:
    t = ds.trials
    bad = t[t["title"].fillna("").str.contains("[BAD]", regex=False)].copy()
    bad["loc"] = _title_loc(bad)
    return emit(bad, message="title carries the marker [BAD]", observed=bad["title"], expected="no marker")


def stale_reference(ds) -> pd.DataFrame:
    s = ds.sources.copy()
    s["named"] = s["title"].fillna("").str.extract(r"(NCT\d{8})", expand=False)
    t = ds.trials[ds.trials["title"].fillna("").str.contains("[STALE]", regex=False)].copy()
    t["loc"] = _title_loc(t)
    pairs = s.merge(t[["trial_id", "file", "loc", "title"]], left_on="named", right_on="trial_id",
                    suffixes=("", "_reg"))
    pairs["trial_id"] = pairs["named"]
    pairs["loc"] = "/source/title"
    evidence = [{"other": {"source_id": f"ctgov:{n}", "file": f, "loc": loc}}
                for n, f, loc in zip(pairs["named"], pairs["file_reg"], pairs["loc_reg"])]
    return emit(pairs, message="names " + pairs["named"] + ", whose registry title is marked stale",
                observed=pairs["named"], evidence=pd.Series(evidence, index=pairs.index, dtype="object"))


TEST_RULES = [
    Rule("TG991", "test-title-marker", Severity.ERROR, "A trial title carries the marker [BAD].",
         "Test rule: flags a value the test put there.", title_marker),
    Rule("TG993", "test-stale-reference", Severity.ERROR, "A source names a trial whose title is marked stale.",
         "Test rule: a cross-source finding (the other side is the registry record).", stale_reference,
         scope="cross"),
]


@pytest.fixture
def gate_rules():
    """Register the test rules for one test; the registry is restored afterwards."""
    for r in TEST_RULES:
        assert r.code not in REGISTRY, f"{r.code} is taken by a real rule; renumber the test rules"
        REGISTRY[r.code] = r
    try:
        yield TEST_RULES
    finally:
        for r in TEST_RULES:
            REGISTRY.pop(r.code, None)
