"""The hand-curated seed records: valid, every quote verbatim in its article, and the key values exactly mapped."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from trialguard.ingest import read_paths
from trialguard.ingest.records import _validator
from trialguard.ingest.yaml_documents import PlainLoader
from trialguard.quotes import quote_in_text

from conftest import FIXTURES

SEEDS = FIXTURES / "seeds"
RECORDS = sorted(SEEDS.glob("*.yaml"))
STEMS = ["000_693a2ea73ebc0759", "001_c5d9f591c5b0c3c0", "002_d6c885be462bb0f8", "003_4e21d2fb698166af",
         "004_c6221abd67a46fe7"]


def load(path: Path) -> dict:
    return yaml.load(path.read_text("utf-8"), Loader=PlainLoader)


def quotes(node, where=""):
    """(JSON pointer, quote) of every quote in a record."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("quote", "published_quote"):
                yield f"{where}/{key}", value
            else:
                yield from quotes(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from quotes(value, f"{where}/{i}")


@pytest.fixture(scope="module")
def ds():
    return read_paths([str(SEEDS)])


def rows(table, source, cols, **where):
    t = table[table["source_id"] == source]
    for col, value in where.items():
        t = t[t[col] == value]
    t = t[cols].astype(object)
    return t.where(t.notna(), None).values.tolist()


def test_one_record_and_one_article_per_seed():
    assert [p.stem for p in RECORDS] == STEMS
    assert sorted(p.stem for p in SEEDS.glob("*.txt")) == STEMS


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.stem[:3])
def test_seed_record_is_valid(path):
    rec = load(path)
    assert [e.message for e in _validator().iter_errors(rec)] == []
    assert rec["source"]["id"] == path.stem
    assert rec["source"]["text"] == f"{path.stem}.txt"


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.stem[:3])
def test_every_quote_is_in_the_article(path):
    rec = load(path)
    article = (SEEDS / rec["source"]["text"]).read_text("utf-8")
    found = list(quotes(rec))
    assert len(found) > 5
    assert [(where, q) for where, q in found if not quote_in_text(q, article)] == []


def test_seeds_ingest_without_rejections(ds):
    assert (ds.records.read, ds.records.checked, ds.records.rejected) == (5, 5, 0)
    assert len(ds.rejections) == 0
    assert sorted(ds.sources["source_id"]) == STEMS
    assert sorted(Path(s).name for s in ds.skipped) == [f"{s}.txt" for s in STEMS]
    assert sorted(ds.texts["source_id"]) == STEMS


def test_003_counts_and_stats(ds):
    cols = ["measure", "category", "count", "denom", "percent_text", "exclusive"]
    assert rows(ds.counts, STEMS[3], cols, measure="sex") == [["sex", "female", 10, 12, "83.3", True]]
    assert rows(ds.counts, STEMS[3], cols, measure="infection") == [["infection", None, 7, 12, "58", None]]
    assert rows(ds.counts, STEMS[3], ["count", "denom", "time_frame"], measure="no relapse") == [
        [11, 12, "median follow-up of 5.5 months"]]
    assert rows(ds.counts, STEMS[3], ["count", "denom", "percent_text"],
                measure="CAR-T cells persisting more than 6 months after infusion") == [[None, 12, "17"]]
    assert rows(ds.stats, STEMS[3], ["param", "value_text", "lower_text", "upper_text", "unit", "n"],
                measure="age") == [["median", "49.5", "30", "67", "years", 12]]
    assert rows(ds.stats, STEMS[3], ["param", "value_text", "unit"], measure="follow-up") == [
        ["median", "5.5", "months"]]
    assert rows(ds.groups, STEMS[3], ["trial_id", "group_id", "n"]) == [["ct103a-nmosd-iit", "all", 12]]


def test_004_sledai_sex_and_prior_therapies(ds):
    cols = ["category", "count", "denom", "exclusive", "exhaustive", "time_frame", "loc"]
    assert rows(ds.counts, STEMS[4], cols, measure="SLEDAI-2K score") == [
        ["0", 4, 5, True, None, "after 3 months", "/trials/0/cohorts/0/counts/8"],
        ["2", 2, 5, True, None, "after 3 months", "/trials/0/cohorts/0/counts/9"],
    ]
    assert rows(ds.counts, STEMS[4], cols[:5], measure="sex") == [["female", 4, 5, True, True],
                                                                  ["male", 1, 5, True, True]]
    assert rows(ds.counts, STEMS[4], cols[:5], measure="prior therapy") == [
        ["pulse glucocorticoid therapy", 5, 5, False, False], ["hydroxychloroquine", 5, 5, False, False],
        ["mycophenolate mofetil", 5, 5, False, False], ["belimumab", 5, 5, False, False],
        ["cyclophosphamide", 3, 5, False, False], ["azathioprine", 2, 5, False, False]]
    assert rows(ds.events, STEMS[4], ["event_type", "date_lo", "date_hi"]) == [
        ["enrolled_first", "2021-02-14", "2021-02-14"], ["enrolled_last", "2022-02-02", "2022-02-02"],
        ["published", "2022-09-15", "2022-09-15"]]


def test_002_cohort_parts_doses_and_unknown_denominators(ds):
    assert rows(ds.groups, STEMS[2], ["group_id", "n", "parent", "parts_exhaustive"]) == [
        ["all", 12, None, True], ["dose-level-1", 3, "all", None], ["dose-level-2", 3, "all", None],
        ["expansion", 6, "all", None]]
    assert rows(ds.doses, STEMS[2], ["group_id", "raw"]) == [
        ["dose-level-1", "0.5×106 CAR-T cells/kg"], ["dose-level-1", "0.5×106 CAR-T cells/kg"],
        ["dose-level-2", "1.0×106 CAR-T cells/kg"], ["dose-level-2", "1.0×106 CAR-T cells/kg"]]
    pct = ds.counts[ds.counts["percent_text"].notna()]
    assert rows(pct, STEMS[2], ["measure", "count", "denom", "percent_text"]) == [
        ["improved visual acuity", None, None, "50"], ["improved walking ability", None, None, "67"],
        ["improved bladder function", None, None, "75"]]
    assert rows(ds.events, STEMS[2], ["event_type", "date_lo", "date_hi"], event_type="data_cutoff") == [
        ["data_cutoff", "2022-03-20", "2022-03-20"]]
    assert rows(ds.claims, STEMS[2], ["kind", "event_type", "modality", "indication", "geography",
                                      "claim_date_lo", "claim_date_hi"], geography="world")[0] == [
        "first", "ind", "CAR-T", "NMOSD", "world", "2022-03-20", "2025-01-14"]


def test_000_fumanba_percentages(ds):
    cols = ["group_id", "denom", "percent_text", "time_frame"]
    assert rows(ds.counts, STEMS[0], cols, trial_id="fumanba-1") == [
        ["evaluable", 103, "96.1", None], ["evaluable", 103, "77.7", None], ["evaluable", 103, "94.2", None],
        ["evaluable", None, "80.8", "12 months post infusion"],
        ["evaluable", None, "50", "12 months after infusion"], ["evaluable", None, "40", "24 months after infusion"],
        ["no-prior-car-t", None, "98.9", None], ["no-prior-car-t", None, "82.4", None]]
    assert rows(ds.stats, STEMS[0], ["param", "value_text", "unit", "time_frame"],
                measure="progression-free survival") == [["rate", "85.5", "%", "12 months"]]
    assert rows(ds.stats, STEMS[0], ["param", "value_text", "unit"],
                measure="persistence of Equecabtagene Autoleucel") == [["median", "307.5", "days"]]


def test_000_lupus_patient_events_and_claims(ds):
    cols = ["event_type", "date_text", "date_lo", "date_hi", "modality", "targets", "indication", "geography"]
    events = rows(ds.events, STEMS[0], cols, trial_id="pkush-cd19-bcma-cart")
    assert ["treated", "mid-September 2019", "2019-09-11", "2019-09-20", "CAR-T", "CD19 BCMA",
            "diffuse large B-cell lymphoma; systemic lupus erythematosus", "China"] in events
    assert ["presented", "December 2019", "2019-12-01", "2019-12-31", "CAR-T", "CD19 BCMA",
            "diffuse large B-cell lymphoma; systemic lupus erythematosus", "China"] in events
    claims = rows(ds.claims, STEMS[0], ["kind", "event_type", "geography", "claim_date"], trial_id="pkush-cd19-bcma-cart")
    assert claims == [["first", "cure", "global", None]] * 3


def test_001_patient_claim_and_approvals(ds):
    assert rows(ds.claims, STEMS[1], ["kind", "event_type", "modality", "indication", "geography", "claim_date_lo"],
                geography="world") == [["first", "treated", "CAR-T", "lupus", "world", "2024-04-24"]]
    assert rows(ds.events, STEMS[1], ["product", "date_lo", "geography"], event_type="approval") == [
        ["Kymriah (CTL-019)", "2017-08-30", "United States"], ["Yiqi Lirensai injection (FKC876)", "2021-06-22", "China"]]
    assert rows(ds.events, STEMS[1], ["date_lo"], event_type="published") == [["2021-08-05"]]
    assert rows(ds.counts, STEMS[1], ["category", "count", "denom"], measure="sex") == [["female", 1, 1]]


def test_003_never_reported_claim(ds):
    assert rows(ds.claims, STEMS[3], ["kind", "event_type", "modality", "targets", "indication", "claim_date_lo"],
                kind="never_reported") == [["never_reported", "treated", "CAR-T", "BCMA", "autoimmune diseases",
                                            "2023-02-03"]]
