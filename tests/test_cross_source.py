"""TG801 (cohort size across sources) and TG802 (one patient, two sexes) on seeds and minimal inputs."""

from conftest import FIXTURES

from trialguard.dataset import Dataset, frame
from trialguard.engine import run
from trialguard.config import Config
from trialguard.validators.cross_source import cohort_size_differs, patient_sex_inconsistent, sex_inconsistencies

SEED_001 = (FIXTURES / "seeds" / "001_c5d9f591c5b0c3c0.txt").read_text(encoding="utf-8")


def ds_with(**tables):
    ds = Dataset()
    ds.tables.update({k: frame(k, v) for k, v in tables.items()})
    return ds


def test_seed_001_female_patient_then_his():
    [f] = sex_inconsistencies(SEED_001)
    assert (f["mention"], f["pronoun"]) == ("a 20-year-old female patient", "his")
    assert SEED_001[f["start"]:f["end"]].startswith("The research team performed CAR-T cell therapy")


def test_seed_run_tg8_findings():
    result = run([str(FIXTURES / "seeds")], Config())
    f = result.findings[result.findings["rule"].str.startswith("TG8")]
    assert [(r.rule, r.source_id, r.severity) for r in f.itertuples()] == [
        ("TG802", "001_c5d9f591c5b0c3c0", "info")]  # 002 and 003 both give the CT103A NMOSD cohort as 12: no TG801
    assert f["evidence"].iloc[0]["highlight"] == ["a 20-year-old female patient", "his"]


def test_consistent_or_plural_or_other_person_is_silent():
    assert sex_inconsistencies("An untreated 20-year-old female patient suffers from SLE. It caused her arthritis.") == []
    assert sex_inconsistencies("Five female patients were treated. His team reported it.") == []
    assert sex_inconsistencies("A 30-year-old woman was treated. Dr. Li said his team was pleased.") == []
    assert sex_inconsistencies("A male patient was enrolled. The dose was adjusted to his/her weight.") == []
    assert len(sex_inconsistencies("A 45-year-old man received CAR-T. Her symptoms resolved.")) == 1


def test_text_rows_give_findings_with_loc_span():
    ds = ds_with(texts=[{"trial_id": "", "source_id": "s", "file": "s.yaml", "loc": "/source/text", "field": "article",
                         "text": "We treated a 20-year-old female patient. His condition improved."}])
    f = patient_sex_inconsistent(ds)
    assert list(f["loc"]) == ["/source/text#chars:0-64"]
    assert f["message"].iloc[0] == "the patient is described as 'a 20-year-old female patient' but then referred to as 'His'"


def test_cohort_size_differs_between_sources():
    base = {"trial_id": "ct103a-nmosd-iit", "block": "cohort", "group_id": "all"}
    ds = ds_with(groups=[{**base, "source_id": "002", "file": "a", "loc": "/trials/0/cohorts/0", "n": 12},
                         {**base, "source_id": "003", "file": "b", "loc": "/trials/0/cohorts/0", "n": 11},
                         {**base, "source_id": "004", "file": "c", "loc": "/trials/0/cohorts/0", "n": 12}])
    f = cohort_size_differs(ds)
    assert sorted(zip(f["source_id"], f["observed"])) == [("003", "11 vs 12 (002)"), ("004", "12 vs 11 (003)")]


def test_actual_enrollment_differs_but_estimated_is_ignored():
    ds = ds_with(trials=[
        {"trial_id": "NCT1", "source_id": "ctgov:NCT1", "file": "a", "loc": "/", "enrollment": 40,
         "enrollment_type": "ACTUAL"},
        {"trial_id": "NCT1", "source_id": "paper", "file": "b", "loc": "/trials/0", "enrollment": 38},
        {"trial_id": "NCT2", "source_id": "ctgov:NCT2", "file": "c", "loc": "/", "enrollment": 40,
         "enrollment_type": "ESTIMATED"},
        {"trial_id": "NCT2", "source_id": "paper", "file": "b", "loc": "/trials/1", "enrollment": 38}])
    f = cohort_size_differs(ds)
    assert list(zip(f["trial_id"], f["source_id"], f["observed"])) == [("NCT1", "paper", "38 vs 40 (ctgov:NCT1)")]
