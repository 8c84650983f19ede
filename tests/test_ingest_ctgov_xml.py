"""CT.gov legacy XML -> the same canonical tables as v2, with prose dates and XML-path locations."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import FIXTURES, one
from trialguard.ingest import read_paths

XML = FIXTURES / "ctgov" / "xml"
NCT = "NCT01065844"
RES = "/clinical_study/clinical_results"


@pytest.fixture(scope="module")
def nelfinavir():
    ds = read_paths([str(XML / f"{NCT}.xml")])
    assert (ds.records.read, ds.records.checked, ds.records.rejected) == (1, 1, 0)
    return ds


def test_trial_row_with_prose_dates(nelfinavir):
    t = one(nelfinavir.trials, trial_id=NCT)
    assert (t.source_id, t["loc"], t.status, t.phase, t.study_type) == (
        "ctgov:NCT01065844", "/clinical_study", "COMPLETED", "PHASE2", "INTERVENTIONAL")
    assert t.start == "2009-10" and pd.isna(t.start_type)
    assert (t.completion, t.completion_type) == ("2017-11", "ACTUAL")
    assert (t.primary_completion, t.primary_completion_type) == ("2015-05", "ACTUAL")
    assert (t.first_submitted, t.first_posted, t.first_posted_type) == ("2010-02-08", "2010-02-09", "ESTIMATED")
    assert (t.results_first_submitted, t.results_first_posted) == ("2016-10-25", "2016-12-19")
    assert (t.last_update, t.last_update_type) == ("2017-12-11", "ACTUAL")
    assert (t.enrollment, t.enrollment_type) == (15, "ACTUAL")
    s = one(nelfinavir.sources, trial_id=NCT)
    assert (s.kind, s.publisher, s.published, s.url) == (
        "registry", "ClinicalTrials.gov", "2010-02-09", "https://clinicaltrials.gov/study/NCT01065844")


def test_flow_with_xml_paths(nelfinavir):
    f = nelfinavir.flow
    got = {(r.kind, r.milestone): r.n for r in f.itertuples()}
    assert got == {("milestone", "STARTED"): 15, ("milestone", "COMPLETED"): 10, ("milestone", "NOT COMPLETED"): 5,
                   ("withdrawal", "Adverse Event"): 5}
    completed = one(f, milestone="COMPLETED")
    assert completed["loc"] == (f"{RES}/participant_flow/period_list/period[1]/milestone_list/milestone[2]"
                                "/participants_list/participants[1]")
    assert (completed.period, completed.period_title, completed.group_id) == (0, "Overall Study", "P1")


def test_baseline_counts_of_a_customised_measure_have_unknown_partition(nelfinavir):
    c = one(nelfinavir.counts, measure="Age, Customized", category="Between 18 and 65 years")
    assert (c["count"], c.denom, c.group_id) == (12, 15, "B1")
    assert pd.isna(c.exhaustive) and pd.isna(c.exclusive)
    assert c["loc"] == (f"{RES}/baseline/measure_list/measure[1]/class_list/class[1]/category_list/category[2]"
                        "/measurement_list/measurement[1]")


def test_adverse_event_total_category_and_terms(nelfinavir):
    ae = nelfinavir.adverse_events
    serious = one(ae, kind="total", serious=True)
    assert (serious.group_id, serious.affected, serious.at_risk) == ("E1", 0, 15)
    term = one(ae, kind="term", term="platelet count decreased")
    assert (term.organ_system, term.affected, term.at_risk, term.events) == (
        "Blood and lymphatic system disorders", 1, 15, 1)
    assert len(ae[ae.kind == "term"]) == 4


def test_groups_arms_interventions_and_texts(nelfinavir):
    g = nelfinavir.groups
    assert one(g, block="interventions").group_id == "Drug: Nelfinavir"
    assert one(g, block="baseline").n == 15 and one(g, block="outcome/0").n == 11
    summary = one(nelfinavir.texts, field="brief_summary").text
    assert summary.startswith("The purpose of this study is to evaluate the FDA-approved drug nelfinavir (NFV) as an\n")
    assert "\n\nSpecifically, subjects will be asked to take 1250 mg twice daily" in summary
    arm = one(nelfinavir.texts, field="arm_description")
    assert (arm.group_id, arm.text, arm["loc"]) == (
        "Nelfinavir", "1250 mg Nelfinavir twice daily Monday-Sunday", "/clinical_study/arm_group[1]/description")


def test_analysis_p_value_and_multi_phase():
    ds = read_paths([str(XML / "NCT00023673.xml")])
    assert one(ds.trials, trial_id="NCT00023673").phase == "PHASE1/PHASE2"
    a = one(ds.analyses, p_text="0.62")
    assert (a.group_ids, a.method) == ("O1 O2", "Wilcoxon (Mann-Whitney)")
    assert a["loc"].startswith(f"{RES}/outcome_list/outcome[") and a["loc"].endswith("/analysis_list/analysis[1]")


MINIMAL = """<?xml version="1.0" encoding="UTF-8"?>
<clinical_study>
  <id_info><nct_id>NCT09999999</nct_id></id_info>
  <brief_title>Minimal</brief_title>
  <overall_status>Active, not recruiting</overall_status>
  <start_date type="Anticipated">August 20, 2008</start_date>
  <phase>N/A</phase>
  <study_type>Interventional</study_type>
  <enrollment type="Anticipated">30,600</enrollment>
  <clinical_results>
    <baseline>
      <group_list>
        <group group_id="B1"><title>A</title></group>
        <group group_id="B2"><title>Total</title></group>
      </group_list>
      <analyzed_list><analyzed><units>Participants</units><scope>Overall</scope>
        <count_list><count group_id="B1" value="10"/><count group_id="B2" value="10"/></count_list>
      </analyzed></analyzed_list>
      <measure_list>
        <measure>
          <title>Sex: Female, Male</title><units>Participants</units><param>Count of Participants</param>
          <class_list><class><category_list>
            <category><title>Female</title><measurement_list>
              <measurement group_id="B1" value="4"/><measurement group_id="B2" value="NA"/></measurement_list></category>
            <category><title>Male</title><measurement_list>
              <measurement group_id="B1" value="6"/><measurement group_id="B2" value="6"/></measurement_list></category>
          </category_list></class></class_list>
        </measure>
        <measure>
          <title>Region of Enrollment</title><units>participants</units><param>Number</param>
          <class_list><class><title>France</title><category_list><category><measurement_list>
            <measurement group_id="B1" value="10.0"/></measurement_list></category></category_list></class></class_list>
        </measure>
      </measure_list>
    </baseline>
  </clinical_results>
</clinical_study>
"""


def test_minimal_record_vocabulary_and_partition_flags(tmp_path):
    path = tmp_path / "minimal.xml"
    path.write_text(MINIMAL, encoding="utf-8")
    ds = read_paths([str(path)])
    t = one(ds.trials, trial_id="NCT09999999")
    assert (t.status, t.phase, t.start, t.start_type, t.enrollment, t.enrollment_type) == (
        "ACTIVE_NOT_RECRUITING", "NA", "2008-08-20", "ESTIMATED", 30600, "ESTIMATED")
    female = one(ds.counts, category="Female", group_id="B1")
    assert (female["count"], female.denom, bool(female.exhaustive), bool(female.exclusive)) == (4, 10, True, True)
    total_na = one(ds.counts, category="Female", group_id="B2")  # an NA count: the sum cannot be checked
    assert pd.isna(total_na["count"]) and total_na.count_text == "NA" and pd.isna(total_na.exhaustive)
    region = one(ds.counts, measure="Region of Enrollment")  # a Number in participants is a count
    assert (region.class_title, region["count"], region.count_text, region.denom) == ("France", 10, "10.0", 10)
    assert pd.isna(region.exhaustive)
    total = one(ds.groups, group_id="B2")
    assert bool(total.is_total) and one(ds.groups, group_id="B1").parent == "B2"


def test_all_cause_mortality_in_the_total_category_is_deaths_not_a_group_total():
    ae = read_paths([str(FIXTURES / "ctgov" / "xml" / "NCT01298141.xml")]).adverse_events
    deaths = ae[ae["kind"] == "deaths"]
    assert deaths[["group_id", "affected", "at_risk"]].values.tolist()[0] == ["E1", 6, 167]
    assert deaths["serious"].isna().all()
    totals = ae[(ae["kind"] == "total") & (ae["group_id"] == "E1") & (ae["serious"] == True)]  # noqa: E712
    assert totals["affected"].tolist() == [74]
