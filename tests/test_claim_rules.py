"""TG701-TG704 on the seed fixtures and on minimal claim/event tables."""

import pytest
from conftest import FIXTURES

from trialguard.config import Config
from trialguard.dataset import Dataset, frame
from trialguard.engine import run
from trialguard.validators.claims import (claim_order_undetermined, claim_scope_partial_overlap,
                                          first_claim_contradicted, never_reported_contradicted)

S000, S001, S002, S003, S004 = ("000_693a2ea73ebc0759", "001_c5d9f591c5b0c3c0", "002_d6c885be462bb0f8",
                                "003_4e21d2fb698166af", "004_c6221abd67a46fe7")


@pytest.fixture(scope="module")
def seed_findings():
    result = run([str(FIXTURES / "seeds")], Config())
    f = result.findings
    return f[f["rule"].str.startswith("TG7")]


def test_seed_claim_conflicts_exactly(seed_findings):
    got = sorted((r.rule, r.source_id, r.loc, r.evidence["other"]["source_id"], r.severity)
                 for r in seed_findings.itertuples())
    assert sorted(got) == sorted([
        ("TG701", S001, "/claims/0", S000, "error"), ("TG701", S001, "/claims/1", S000, "error"),
        ("TG701", S001, "/claims/2", S000, "error"), ("TG701", S004, "/claims/0", S000, "error"),
        ("TG702", S003, "/claims/0", S000, "error")])
    assert S002 not in set(seed_findings["source_id"])  # "world's first IND application for CAR-T in NMOSD" stands


def test_seed_finding_names_both_sides(seed_findings):
    f = seed_findings[seed_findings["source_id"] == S003].iloc[0]
    ev = f["evidence"]
    assert ev["quote"] == "However, CAR-BCMA T-cell therapy has never been reported to treat autoimmune diseases"
    assert ev["other"]["quote"] == ("In mid-September 2019, she underwent the compound dual-target CAR-T (CD19/BCMA) "
                                    "cell immunotherapy.")
    assert ev["other"]["date"] == "mid-September 2019"
    assert ev["dates"] == {"claim": "2023-02-03", "claimed_event": "2023-02-03",
                           "claimed_event_dated_by": "undated; no later than the claim's date",
                           "other_event": "2019-09-11..2019-09-20"}
    assert {d["facet"]: (d["claim"], d["event"], d["relation"]) for d in ev["facets"]} == {
        "modality": ("CAR-T cell therapy", "CAR-T cell therapy", "contained"),
        "targets": ("BCMA", "BCMA/CD19", "contained"),
        "indication": ("autoimmune disease", "diffuse large B-cell lymphoma, systemic lupus erythematosus",
                       "contained"),
        "geography": ("(any)", "China", "contained"),
        "population": ("(any)", "(any)", "contained"),
    }
    assert "000_693a2ea73ebc0759 reports a treated event dated 2019-09-11..2019-09-20" in f["message"]


# -- minimal tables ----------------------------------------------------------------------------------------

def dataset(claims, events, sources=()):
    ds = Dataset()
    ds.tables.update(claims=frame("claims", claims), events=frame("events", events),
                     sources=frame("sources", list(sources)))
    return ds


def claim(**kw):
    row = dict(trial_id="", source_id="B", file="b.yaml", loc="/claims/0", kind="first", event_type="treated",
               modality="CAR-T", indication="systemic lupus erythematosus", claim_date="2021-08-05", hedged=False,
               quote="the first lupus patient in the world to receive CAR-T")
    row.update(kw)
    return row


def event(**kw):
    row = dict(trial_id="t-a", source_id="A", file="a.yaml", loc="/events/0", event_type="treated",
               date_text="mid-September 2019", date_lo="2019-09-11", date_hi="2019-09-20", modality="CAR-T",
               targets="CD19 BCMA", indication="DLBCL; SLE", geography="China", quote="she underwent CAR-T")
    row.update(kw)
    return row


def codes(ds, *rules):
    out = []
    for r in rules:
        f = r(ds)
        out += [(s, sev) for s, sev in zip(f["source_id"], f["severity"].fillna(""))]
    return out


def test_earlier_event_inside_scope_is_an_error():
    ds = dataset([claim()], [event()])
    f = first_claim_contradicted(ds)
    assert list(f["source_id"]) == ["B"] and list(f["loc"]) == ["/claims/0"]
    assert f["evidence"].iloc[0]["other"]["source_id"] == "A"


def test_hedged_claim_is_one_step_lower_and_says_so():
    f = first_claim_contradicted(dataset([claim(hedged=True)], [event()]))
    assert list(f["severity"]) == ["warning"]
    assert "hedged" in f["message"].iloc[0]


def test_later_event_and_other_scope_do_not_contradict():
    assert first_claim_contradicted(dataset([claim()], [event(date_lo="2022-01-01", date_hi="2022-01-31")])).empty
    assert first_claim_contradicted(dataset([claim()], [event(indication="multiple myeloma")])).empty
    assert first_claim_contradicted(dataset([claim(targets="BCMA")], [event(targets="CD19")])).empty
    assert first_claim_contradicted(dataset([claim()], [event(event_type="ind")])).empty


def test_same_source_trial_or_product_is_the_claimed_event_itself():
    assert first_claim_contradicted(dataset([claim(source_id="A")], [event()])).empty
    assert first_claim_contradicted(dataset([claim(trial_id="t-a")], [event()])).empty
    assert first_claim_contradicted(dataset([claim(product="CT103A")],
                                            [event(product="Equecabtagene Autoleucel")])).empty


def test_non_global_and_unscoped_claims_are_not_checked():
    ds = dataset([claim(kind="one_of_first"), claim(kind="first_local", loc="/claims/1"),
                  claim(modality="", indication="", loc="/claims/2")], [event()])
    assert first_claim_contradicted(ds).empty and claim_scope_partial_overlap(ds).empty


def test_country_claim_is_checked_only_against_events_in_that_country():
    ds = dataset([claim(geography="China")], [event(geography="Germany", source_id="G"), event(geography="",
                                                                                              source_id="U")])
    assert first_claim_contradicted(ds).empty and claim_scope_partial_overlap(ds).empty
    assert list(first_claim_contradicted(dataset([claim(geography="China")], [event()]))["source_id"]) == ["B"]


def test_partial_overlap_is_a_warning():
    ds = dataset([claim()], [event(indication="autoimmune disease")])
    f = claim_scope_partial_overlap(ds)
    assert list(f["severity"].fillna("warning")) == ["warning"]
    assert "indication partial" in f["message"].iloc[0]
    assert first_claim_contradicted(ds).empty


def test_overlapping_intervals_are_info():
    ds = dataset([claim(event_date_lo="2019-09-01", event_date_hi="2019-09-30")], [event()])
    assert first_claim_contradicted(ds).empty
    assert list(claim_order_undetermined(ds)["source_id"]) == ["B"]


def test_never_reported_counts_reports_of_any_type():
    ds = dataset([claim(kind="never_reported", event_type="treated", targets="BCMA", indication="autoimmune diseases",
                        claim_date="2023-02-03")],
                 [event(event_type="presented", date_text="December 2019", date_lo="2019-12-01",
                        date_hi="2019-12-31")])
    assert list(never_reported_contradicted(ds)["source_id"]) == ["B"]
    assert first_claim_contradicted(ds).empty


def test_cure_counts_as_an_earlier_treatment():
    ds = dataset([claim()], [event(event_type="cure", date_lo="2020-06-01", date_hi="2020-06-30")])
    assert list(first_claim_contradicted(ds)["source_id"]) == ["B"]


def test_undated_claim_falls_back_to_its_source_publication_date():
    src = [{"source_id": "B", "published": "2019-08"}]
    assert first_claim_contradicted(dataset([claim(claim_date=None)], [event()], src)).empty
    src = [{"source_id": "B", "published": "2024-04-24"}]
    assert list(first_claim_contradicted(dataset([claim(claim_date=None)], [event()], src))["source_id"]) == ["B"]


def test_deterministic_one_finding_per_claim_and_other_source():
    ds = dataset([claim()], [event(loc="/events/1", date_lo="2019-12-07", date_hi="2019-12-10",
                                   event_type="treated"), event()])
    f = first_claim_contradicted(ds)
    assert len(f) == 1 and f["evidence"].iloc[0]["other"]["loc"] == "/events/0"  # the earliest
