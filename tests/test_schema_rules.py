"""TG1xx: the pandera schemas, and the adapter that makes one finding per failing value."""

import json

import pytest

from builders import brief, dataset, run
from trialguard.cli import cli
from trialguard.schemas import SCHEMAS
from trialguard.dataset import TABLES

P = {"trial_id": "NCT01234567", "source_id": "ctgov:NCT01234567", "file": "NCT01234567.json"}


def _trial(**kw):
    return {**P, "loc": "/protocolSection", **kw}


def test_every_table_has_a_schema():
    assert set(SCHEMAS) == set(TABLES)


@pytest.mark.parametrize("trial_id, ok", [("NCT01234567", True), ("NCT0123456", False), ("NCT012345678", False),
                                          ("nct01234567", False), ("ChiCTR2000032211", True)])
def test_nct_id_pattern(trial_id, ok):
    found = run(dataset(trials=[_trial(trial_id=trial_id)]), "TG1")
    assert brief(found) == ([] if ok else [("TG101", trial_id, "/protocolSection", "error")])


def test_negative_counts_one_finding_per_value():
    ds = dataset(counts=[{**P, "loc": "/c/0", "count": -1, "denom": -2}, {**P, "loc": "/c/1", "count": 0, "denom": 0}],
                 groups=[{**P, "loc": "/g/0", "block": "flow", "group_id": "FG000", "n": -3}])
    found = run(ds, "TG1")
    assert brief(found) == [("TG102", "NCT01234567", "/c/0", "error")] * 2 + [("TG102", "NCT01234567", "/g/0", "error")]
    assert sorted(found["observed"]) == ["count = -1", "denom = -2", "n = -3"]
    assert "counts.count is -1; a number of participants or events cannot be negative" in set(found["message"])


@pytest.mark.parametrize("text, code", [("0", None), ("100", None), ("100.0%", None), ("100.1", "TG103"),
                                        ("-0.5", "TG103"), ("NA", None), ("83,3", "TG104"), ("12..5", "TG104"),
                                        ("about 40", None), ("<5", None)])
def test_percent_text_range_and_readability(text, code):
    found = run(dataset(counts=[{**P, "loc": "/c/0", "percent_text": text}]), "TG1")
    assert found["rule"].tolist() == ([] if code is None else [code])


def test_percent_out_of_range_message():
    found = run(dataset(counts=[{**P, "loc": "/c/0", "percent_text": "108.3%"}]), "TG103")
    assert found["message"].tolist() == ["Percentage 108.3% is outside 0..100"]


def test_vocabularies_are_case_and_punctuation_insensitive():
    ok = [_trial(status="Active, not recruiting", enrollment_type="Anticipated", start_type="ACTUAL",
                 study_type="Observational [Patient Registry]")]
    assert run(dataset(trials=ok), "TG1").empty
    found = run(dataset(trials=[_trial(status="FINISHED", start_type="GUESSED")]), "TG1")
    assert brief(found) == [("TG105", "NCT01234567", "/protocolSection", "warning")] * 2
    assert sorted(found["message"]) == ["trials.start_type 'GUESSED' is not a known value",
                                        "trials.status 'FINISHED' is not a known value"]


@pytest.mark.parametrize("date, ok", [("2020", True), ("2020-02", True), ("2020-02-29", True), ("2021-02-29", False),
                                      ("2021-13", False), ("June 2003", False), ("", True)])
def test_dates_are_iso_calendar_dates(date, ok):
    found = run(dataset(trials=[_trial(start=date)]), "TG1")
    assert found["rule"].tolist() == ([] if ok else ["TG106"])


def test_duplicate_group_is_one_finding_not_one_per_column():
    g = {**P, "block": "flow", "group_id": "FG000", "title": "Drug", "n": 5}
    found = run(dataset(groups=[{**g, "loc": "/g/0"}, {**g, "loc": "/g/1"}, {**g, "loc": "/g/2"}]), "TG1")
    assert brief(found) == [("TG107", "NCT01234567", "/g/1", "error"), ("TG107", "NCT01234567", "/g/2", "error")]
    assert found["message"][0] == ("groups key (ctgov:NCT01234567, NCT01234567, flow, FG000) occurs more than once; "
                                   "rows after the first are duplicates")


def test_repeated_intervention_names_are_not_duplicate_keys():
    # NCT00547573 lists "Drug: tadalafil" twice (10 mg and 20 mg arms); intervention groups are keyed by name
    g = {**P, "block": "interventions", "group_id": "Drug: tadalafil"}
    assert run(dataset(groups=[{**g, "loc": "/i/0"}, {**g, "loc": "/i/1"}]), "TG1").empty


def test_parent_must_name_a_group_of_the_same_block():
    C = {**P, "block": "cohort"}
    ds = dataset(groups=[{**C, "loc": "/g/0", "group_id": "all", "n": 12},
                         {**C, "loc": "/g/1", "group_id": "dl1", "n": 3, "parent": "all"},
                         {**C, "loc": "/g/2", "group_id": "dl2", "n": 3, "parent": "al"},
                         {**P, "block": "flow", "loc": "/g/3", "group_id": "x", "parent": "all"}])
    found = run(ds, "TG1")
    assert brief(found) == [("TG108", "NCT01234567", "/g/2", "error"), ("TG108", "NCT01234567", "/g/3", "error")]


def test_not_available_and_inexact_number_text_is_accepted():
    # registry markers and thousands separators; curated records keep inexact amounts in words
    ds = dataset(counts=[{**P, "loc": "/c/0", "count_text": "NA", "denom_text": "30,600"},
                         {**P, "loc": "/c/1", "count_text": "all", "denom_text": "approximately 20"}],
                 flow=[{**P, "loc": "/f/0", "n_text": "12", "kind": "milestone"}])
    assert run(ds, "TG1").empty


def test_findings_are_deterministic_across_row_order():
    rows = [{**P, "loc": f"/c/{i}", "count": -i, "percent_text": f"{100 + i}"} for i in range(1, 6)]
    a = run(dataset(counts=rows), "TG1")
    b = run(dataset(counts=rows[::-1]), "TG1")
    assert len(a) == 10
    assert a.drop(columns="evidence").equals(b.drop(columns="evidence"))


def test_wrong_column_type_is_reported_per_column():
    ds = dataset(counts=[{**P, "loc": "/c/0", "count": 1}])
    ds.tables["counts"]["count"] = ds.tables["counts"]["count"].astype(object)
    found = run(ds, "TG100")
    assert found["loc"].tolist() == ["counts.count"]


def test_rules_lists_schema_and_count_rules(runner):
    result = runner.invoke(cli, ["rules", "--format", "json"])
    rules = {r["code"]: r for r in json.loads(result.output)}
    expected = {f"TG10{i}" for i in range(9)} | {f"TG20{i}" for i in range(1, 10)}
    assert expected <= set(rules)
    for code in expected:
        assert rules[code]["summary"] and rules[code]["rationale"] and rules[code]["name"]
    assert rules["TG202"]["family"] == "counts and proportions" and rules["TG103"]["family"] == "schema"


def test_source_dates_as_written_are_free_but_their_interval_is_checked():
    src = {"trial_id": "", "source_id": "001", "file": "001.yaml", "loc": "/source", "kind": "news"}
    ok = dataset(sources=[{**src, "published": "April 24, 2024", "published_lo": "2024-04-24",
                           "published_hi": "2024-04-24"}])
    assert run(ok, "TG1").empty
    bad = dataset(sources=[{**src, "published": "February 30, 2024", "published_lo": "2024-02-30"}])
    found = run(bad, "TG1")
    assert brief(found) == [("TG106", "", "/source", "error")]
    assert found["message"][0] == ("sources.published_lo '2024-02-30' is not a calendar date "
                                   "(YYYY, YYYY-MM or YYYY-MM-DD)")


def test_a_bad_value_is_reported_in_every_row_and_column_that_holds_it():
    """Column checks run on distinct values, pooled across columns with the same checks (the trial dates):
    each failing value still becomes one finding per row and column that holds it."""
    rows = [_trial(trial_id=f"NCT0000000{i}", source_id=f"ctgov:NCT0000000{i}", start="2021-02-30",
                   completion="2021-02-30" if i == 1 else "2022-01", start_type="ACTUAL",
                   completion_type="FINISHED" if i else "ACTUAL") for i in range(3)]
    found = run(dataset(trials=rows), "TG1")
    got = sorted(zip(found["rule"], found["trial_id"], found["observed"]))
    assert got == [("TG105", "NCT00000001", "completion_type = FINISHED"),
                   ("TG105", "NCT00000002", "completion_type = FINISHED"),
                   ("TG106", "NCT00000000", "start = 2021-02-30"),
                   ("TG106", "NCT00000001", "completion = 2021-02-30"),
                   ("TG106", "NCT00000001", "start = 2021-02-30"),
                   ("TG106", "NCT00000002", "start = 2021-02-30")]
    assert "trials.completion '2021-02-30' is not a calendar date (YYYY, YYYY-MM or YYYY-MM-DD)" in set(found["message"])
