"""TG60x date rules on minimal datasets (violation and boundary) and on real corpus records."""

from __future__ import annotations

import pandas as pd
import pytest

from rulekit import dataset, run
from trialguard.validators.dates import day_bounds

PS = "/protocolSection"


def trial(**dates):
    return {"loc": PS, "status": dates.pop("status", "COMPLETED"), **dates}


@pytest.mark.parametrize("text,lo,hi", [("2019-09", "2019-09-01", "2019-09-30"), ("2020-02", "2020-02-01", "2020-02-29"),
                                        ("2019", "2019-01-01", "2019-12-31"), ("2019-09-15", "2019-09-15", "2019-09-15"),
                                        ("September 2019", "2019-09-01", "2019-09-30"), ("mid-September 2019", "2019-09-11", "2019-09-20"),
                                        ("2019-13", None, None), (None, None, None)])
def test_dates_are_intervals(text, lo, hi):
    a, b = day_bounds(pd.Series([text], dtype="str"))
    assert (None if pd.isna(a[0]) else str(a[0].date())) == lo
    assert (None if pd.isna(b[0]) else str(b[0].date())) == hi


def test_start_after_primary_completion():
    f = run("TG601", dataset(trials=[trial(start="2012-05", primary_completion="2011-12-15")]))
    assert f["message"].tolist() == ["The start date 2012-05 is after the primary completion date 2011-12-15"]
    assert f["loc"].tolist() == [f"{PS}/statusModule/startDateStruct/date"]
    assert f.iloc[0]["evidence"]["fields"] == {f"{PS}/statusModule/startDateStruct/date": "2012-05",
                                               f"{PS}/statusModule/primaryCompletionDateStruct/date": "2011-12-15"}
    # a partial date that overlaps the other date is never a finding
    assert run("TG601", dataset(trials=[trial(start="2012-05", primary_completion="2012-05-01")])).empty
    assert run("TG601", dataset(trials=[trial(start="2012", primary_completion="2012-01")])).empty


def test_primary_completion_after_completion_and_xml_locs():
    rows = [trial(primary_completion="2014-06", completion="2014-03"),
            {"trial_id": "NCT00000002", "loc": "/clinical_study", "primary_completion": "2014-06-02",
             "completion": "2014-06-01"}]
    f = run("TG602", dataset(trials=rows))
    assert f["message"].tolist() == ["The primary completion date 2014-06 is after the completion date 2014-03",
                                     "The primary completion date 2014-06-02 is after the completion date 2014-06-01"]
    assert f["loc"].tolist() == [f"{PS}/statusModule/primaryCompletionDateStruct/date",
                                 "/clinical_study/primary_completion_date"]
    assert run("TG602", dataset(trials=[trial(primary_completion="2014-06", completion="2014-06")])).empty


def test_start_after_completion_without_primary_completion():
    rows = [trial(start="2008-12", completion="2007-02"),  # found by the benchmark's injected faults
            {**trial(start="2008-12", completion="2007-02", primary_completion="2007-01"), "trial_id": "NCT00000002"},
            {**trial(start="2007-02", completion="2007-02-28"), "trial_id": "NCT00000003"}]  # overlapping: fine
    f = run("TG607", dataset(trials=rows))
    assert list(zip(f["trial_id"], f["loc"], f["message"])) == [
        ("NCT00000001", f"{PS}/statusModule/startDateStruct/date",
         "The start date 2008-12 is after the completion date 2007-02")]
    assert run("TG601", dataset(trials=rows[1:2]))["trial_id"].tolist() == ["NCT00000002"]  # reported there


def test_posted_before_submitted():
    rows = [trial(first_submitted="2009-03-02", first_posted="2009-02-27",
                  results_first_submitted="2010-01-05", results_first_posted="2010-01-05")]
    f = run("TG603", dataset(trials=rows))
    assert f["message"].tolist() == ["The first submitted date 2009-03-02 is after the first posted date 2009-02-27"]
    rows[0]["first_posted"] = "2009-03-02"
    assert run("TG603", dataset(trials=rows)).empty


def test_results_before_primary_completion():
    rows = [trial(primary_completion="2015-10", results_first_submitted="2015-08-30", results_first_posted="2015-09-30")]
    f = run("TG604", dataset(trials=rows))
    assert f["message"].tolist() == [
        "The primary completion date 2015-10 is after the results first submitted date 2015-08-30"]
    rows = [trial(primary_completion="2015-10", results_first_submitted="2015-10-01", results_first_posted="2015-11-30")]
    assert run("TG604", dataset(trials=rows)).empty


def test_actual_date_after_last_update():
    rows = [trial(completion="2025-06", completion_type="ACTUAL", last_update="2024-09-20"),
            trial(trial_id="NCT00000002", completion="2025-06", completion_type="ESTIMATED", last_update="2024-09-20"),
            trial(trial_id="NCT00000003", completion="2024-09", completion_type="ACTUAL", last_update="2024-09-20")]
    f = run("TG605", dataset(trials=rows))
    assert f["message"].tolist() == [
        "The completion date 2025-06 is typed ACTUAL but the record was last updated on 2024-09-20"]
    assert f["trial_id"].tolist() == ["NCT00000001"]


def test_finished_trial_with_estimated_dates():
    rows = [trial(primary_completion="2019-12", primary_completion_type="ESTIMATED"),
            trial(trial_id="NCT00000002", status="RECRUITING", primary_completion="2019-12",
                  primary_completion_type="ESTIMATED"),
            trial(trial_id="NCT00000003", primary_completion="2019-12", primary_completion_type="ACTUAL")]
    f = run("TG606", dataset(trials=rows))
    assert f["message"].tolist() == ["Status COMPLETED, but the primary completion date 2019-12 is still ESTIMATED"]
    assert f["severity"].tolist() == ["warning"]


SEED = "000_693a2ea73ebc0759"


def event(kind, lo, hi, text, loc):
    return {"trial_id": "seed-000", "source_id": SEED, "event_type": kind, "date_lo": lo, "date_hi": hi,
            "date_text": text, "loc": loc}


def test_curated_events_out_of_order():
    rows = [event("treated", "2019-09-11", "2019-09-20", "mid-September 2019", "chars:100-140"),
            event("data_cutoff", "2019-08-31", "2019-08-31", "August 31, 2019", "chars:200-215")]
    f = run("TG610", dataset(events=rows))
    assert f["message"].tolist() == ["treated (mid-September 2019) is after data_cutoff (August 31, 2019)"]
    assert f["loc"].tolist() == ["chars:100-140"]
    # overlapping intervals: the cutoff may be on the day of treatment
    rows[1] = event("data_cutoff", "2019-09-01", "2019-09-30", "September 2019", "chars:200-215")
    assert run("TG610", dataset(events=rows)).empty


def test_event_after_its_source_was_published():
    rows = [event("data_cutoff", "2022-12-31", "2022-12-31", "December 31, 2022", "chars:10-27")]
    src = [{"trial_id": "seed-000", "source_id": SEED, "kind": "press", "published": "2022-11", "loc": "/source"}]
    f = run("TG610", dataset(events=rows, sources=src))
    assert f["message"].tolist() == ["data_cutoff (December 31, 2022) is after published (2022-11)"]
    src[0]["published"] = "2022-12"  # the cutoff may be the last day of the month of publication
    assert run("TG610", dataset(events=rows, sources=src)).empty


def follow_up(value, unit="months"):
    return {"trial_id": "seed-000", "source_id": SEED, "block": "cohort", "measure": "follow-up", "param": "median",
            "value": float(value), "value_text": value, "unit": unit, "loc": "chars:300-330"}


def test_follow_up_longer_than_elapsed():
    events = [event("treated", "2021-11-01", "2021-11-30", "November 2021", "chars:1-10"),
              event("data_cutoff", "2022-12-31", "2022-12-31", "December 31, 2022", "chars:20-30")]
    f = run("TG611", dataset(stats=[follow_up("18.07")], events=events))
    assert f["message"].tolist() == ["Median follow-up 18.07 months (>= 541 days), but only 425 days passed from "
                                     "treated (November 2021) to data_cutoff (December 31, 2022)"]
    assert f["loc"].tolist() == ["chars:300-330"]
    # 14 months (>= 405 days at 30 days a month) fit in 425 days
    assert run("TG611", dataset(stats=[follow_up("14")], events=events)).empty
    assert run("TG611", dataset(stats=[follow_up("18.07")], events=events[1:])).empty  # no treatment date


# ---------------------------------------------------------------- real records (fixtures/ctgov)

def test_corpus_date_order_holds():
    from corpus import corpus_dataset, hits
    assert corpus_dataset().trials["primary_completion"].notna().sum() > 15
    for code in ("TG601", "TG602", "TG603", "TG604", "TG605", "TG607", "TG610", "TG611"):
        assert hits(code) == [], code


def test_corpus_terminated_trial_with_estimated_dates():
    from corpus import hits
    sm = "/protocolSection/statusModule"
    assert hits("TG606") == [("TG606", "NCT02392273", f"{sm}/completionDateStruct/date"),
                             ("TG606", "NCT02392273", f"{sm}/primaryCompletionDateStruct/date")]
