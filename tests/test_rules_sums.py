"""TG205-TG209: categories vs their group, arms vs the Total, cohort parts vs the cohort."""

import pandas as pd

from builders import brief, dataset, run

P = {"trial_id": "T1", "source_id": "src", "file": "src.yaml", "block": "cohort", "group_id": "all"}


def _cats(measure, pairs, **flags):
    return [{**P, "loc": f"/c/{i}", "measure": measure, "category": cat, "count": k, **flags}
            for i, (cat, k) in enumerate(pairs)]


COHORT5 = [{**P, "loc": "/g/0", "title": "All patients", "n": 5}]


# --- TG205 mutually exclusive categories -------------------------------------------------------------------------


def test_exclusive_categories_exceeding_the_group():
    # seed 004: "5 patients, 4 of whom had an SLEDAI-2K score of 0 and only 2 had an SLEDAI-2K score of 2"
    ds = dataset(counts=_cats("SLEDAI-2K at 3 months", [("score 0", 4), ("score 2", 2)], exclusive=True),
                 groups=COHORT5)
    found = run(ds, "TG2")
    assert brief(found) == [("TG205", "T1", "/c/0", "error")]
    assert found["message"][0] == ("SLEDAI-2K at 3 months: 4 (score 0) + 2 (score 2) = 6 participants in mutually "
                                   "exclusive categories, but the group has 5")
    assert (found["observed"][0], found["expected"][0]) == ("6", "<= 5")
    assert found["evidence"][0]["fields"] == {"/c/0": "4", "/c/1": "2"}


def test_exclusive_categories_found_after_a_group_key_listed_twice():
    # a group without an id and one with an empty id share a key: the count of that key appears twice among
    # the counts with their group sizes, and the flagged rows after it must still be the flagged ones
    base = {"trial_id": "T1", "source_id": "src", "file": "src.xml", "block": "baseline"}
    groups = [{**base, "loc": "/g/0", "group_id": "", "n": 10, "title": "X"},
              {**base, "loc": "/g/1", "group_id": None, "n": 10, "title": "Y"},
              {**base, "loc": "/g/2", "group_id": "B", "n": 4, "title": "B"}]
    counts = [{**base, "loc": "/c/0", "measure": "Age", "category": "x", "group_id": "", "count": 1},
              *({**base, "loc": f"/c/{i}", "measure": "Sex", "category": cat, "group_id": "B", "count": 3,
                 "exclusive": True, "exhaustive": True} for i, cat in ((1, "F"), (2, "M")))]
    found = run(dataset(groups=groups, counts=counts), "TG205")
    assert brief(found) == [("TG205", "T1", "/c/1", "error")]
    assert found["message"][0] == ("Sex: 3 (F) + 3 (M) = 6 participants in mutually exclusive categories, but the "
                                   "group has 4")


def test_a_set_of_a_group_key_listed_twice_is_checked_against_the_first_listed_group():
    # a group without an id and one with an empty id share a key; the categories of that key exceed it: one
    # finding, against the size of the group listed first (as every rule reading the groups takes it)
    base = {"trial_id": "T1", "source_id": "src", "file": "src.xml", "block": "baseline"}
    groups = [{**base, "loc": "/g/0", "group_id": "", "n": 10, "title": "X"},
              {**base, "loc": "/g/1", "group_id": None, "n": 11, "title": "Y"}]
    counts = [{**base, "loc": f"/c/{i}", "measure": "Sex", "category": cat, "group_id": "", "count": 6,
               "exclusive": True, "exhaustive": True} for i, cat in ((0, "F"), (1, "M"))]
    found = run(dataset(groups=groups, counts=counts), "TG205")
    assert brief(found) == [("TG205", "T1", "/c/0", "error")]
    assert found["message"][0] == ("Sex: 6 (F) + 6 (M) = 12 participants in mutually exclusive categories, but the "
                                   "group has 10")


def test_exclusive_categories_boundary_and_own_denominator():
    assert run(dataset(counts=_cats("SLEDAI", [("0", 4), ("2", 1)], exclusive=True), groups=COHORT5), "TG2").empty
    # the rows' own denominator wins over the group size
    rows = _cats("SLEDAI", [("0", 4), ("2", 2)], exclusive=True, denom=6)
    assert run(dataset(counts=rows, groups=COHORT5), "TG205").empty
    # categories that may overlap are not summed against n
    assert run(dataset(counts=_cats("AE", [("CRS", 5), ("ICANS", 2)]), groups=COHORT5), "TG2").empty


# --- TG206 exhaustive categories ---------------------------------------------------------------------------------


def test_exhaustive_categories_short_of_the_group():
    ds = dataset(counts=_cats("Sex", [("Female", 3), ("Male", 1)], exhaustive=True, exclusive=True, denom=5))
    found = run(ds, "TG2")
    assert brief(found) == [("TG206", "T1", "/c/0", "error")]
    assert found["message"][0] == ("Sex: 3 (Female) + 1 (Male) = 4 participants in exhaustive categories, "
                                   "but the group has 5")


def test_exhaustive_categories_that_add_up_pass():
    # seed 004: "4 females and 1 male", 5 patients
    ds = dataset(counts=_cats("Sex", [("Female", 4), ("Male", 1)], exhaustive=True, exclusive=True), groups=COHORT5)
    assert run(ds, "TG2").empty
    # overlapping but exhaustive categories may add up to more than n
    ds = dataset(counts=_cats("Prior therapy", [("CD19", 4), ("BCMA", 3)], exhaustive=True), groups=COHORT5)
    assert run(ds, "TG2").empty
    # a category without a count could hold the rest
    ds = dataset(counts=_cats("Sex", [("Female", 3), ("Male", None)], exhaustive=True), groups=COHORT5)
    assert run(ds, "TG2").empty


# --- TG207 arms vs the Total group -------------------------------------------------------------------------------


def _baseline(total_n=11, total_female=8):
    B = {**P, "block": "baseline"}
    groups = [{**B, "loc": "/g/0", "group_id": "BG000", "title": "Drug", "n": 5},
              {**B, "loc": "/g/1", "group_id": "BG001", "title": "Placebo", "n": 5},
              {**B, "loc": "/g/2", "group_id": "BG002", "title": "Total", "n": total_n, "is_total": True}]
    counts = [{**B, "loc": f"/m/0/{g}", "measure": "Sex: Female, Male", "category": "Female", "group_id": g,
               "count": k} for g, k in (("BG000", 4), ("BG001", 3), ("BG002", total_female))]
    return dataset(groups=groups, counts=counts)


def test_arms_not_adding_up_to_total():
    found = run(_baseline(total_n=11, total_female=8), "TG2")
    assert brief(found) == [("TG207", "T1", "/g/2", "error"), ("TG207", "T1", "/m/0/BG002", "error")]
    assert found["message"].tolist() == [
        "The Total group has 11 participants, but the arms add up to 10",
        "Female (Sex: Female, Male): arms 4 + 3 = 7, but Total is 8",
    ]
    assert run(_baseline(total_n=10, total_female=7), "TG2").empty


def test_arms_that_are_parts_of_the_total_are_summed_once():
    # the CT.gov adapter makes the arms parts of the Total: TG209 compares the sizes, TG207 only the categories
    ds = _baseline(total_n=11, total_female=7)
    ds.groups["parent"] = ["BG002", "BG002", None]
    ds.groups["parts_exhaustive"] = pd.array([None, None, True], dtype="boolean")
    found = run(ds, "TG2")
    assert brief(found) == [("TG209", "T1", "/g/2", "error")]
    assert found["message"][0] == "Parts of Total: 5 (Drug) + 5 (Placebo) = 10, but Total has 11"


# --- TG208 / TG209 cohort parts ----------------------------------------------------------------------------------


def _cohort(n, parts, exhaustive):
    groups = [{**P, "loc": "/g/0", "group_id": "all", "title": "All treated", "n": n, "parts_exhaustive": exhaustive}]
    groups += [{**P, "loc": f"/g/{i + 1}", "group_id": f"dl{i + 1}", "title": f"DL{i + 1}", "n": k, "parent": "all"}
               for i, k in enumerate(parts)]
    return dataset(groups=groups)


def test_dose_levels_add_up_to_the_cohort():
    assert run(_cohort(12, [3, 3, 6], True), "TG").empty  # seed 003: 3 + 3 + 6 = 12


def test_exhaustive_parts_not_adding_up():
    found = run(_cohort(13, [3, 3, 6], True), "TG2")
    assert brief(found) == [("TG209", "T1", "/g/0", "error")]
    assert found["message"][0] == "Parts of All treated: 3 (DL1) + 3 (DL2) + 6 (DL3) = 12, but All treated has 13"
    assert (found["observed"][0], found["expected"][0]) == ("12", "13")


def test_non_exhaustive_parts_over_the_whole_warn():
    assert run(_cohort(13, [3, 3, 6], False), "TG2").empty  # parts may leave some out
    found = run(_cohort(10, [3, 3, 6], False), "TG2")
    assert brief(found) == [("TG209", "T1", "/g/0", "warning")]
    assert found["message"][0].endswith("(possible only if the parts overlap)")


def test_part_larger_than_whole():
    found = run(_cohort(5, [6], False), "TG2")
    assert brief(found) == [("TG209", "T1", "/g/0", "warning"), ("TG208", "T1", "/g/1", "error")]
    assert found["message"][1] == "DL1: 6 participants, but All treated, which it is part of, has 5"


# --- real records ------------------------------------------------------------------------------------------------

from conftest import FIXTURES  # noqa: E402
from trialguard.ingest import read_paths  # noqa: E402


def _read(*names):
    return read_paths([str(FIXTURES / n) for n in names])


def test_real_ctgov_records_raise_no_count_or_schema_findings():
    ds = _read("ctgov")
    # the invariants are exercised, not vacuous: standard baseline partitions and Total groups are present
    assert ds.counts["exhaustive"].fillna(False).sum() >= 100
    assert ds.groups["is_total"].fillna(False).sum() >= 9
    found = run(ds, "TG1", "TG2")
    assert found.empty, found[["rule", "trial_id", "loc", "message"]].to_string()


def test_mutated_real_baseline_count_is_caught():
    # NCT00301262 baseline "Sex: Female, Male": one more female in the first arm breaks the arm's sex partition
    # (TG205: more than its N) and the Total column (TG207)
    ds = _read("ctgov/v2/NCT00301262.json")
    c = ds.counts
    female = c.index[(c["block"] == "baseline") & (c["measure"] == "Sex: Female, Male") & (c["category"] == "Female")]
    first = female[0]
    assert c.at[first, "group_id"] == "BG000"
    c.loc[first, "count"] = c.at[first, "count"] + 1
    found = run(ds, "TG2")
    male = c.index[(c["block"] == "baseline") & (c["measure"] == "Sex: Female, Male") & (c["category"] == "Male")]
    total_female = c.loc[female][c.loc[female, "group_id"] == "BG002"].index[0]
    assert brief(found) == sorted([("TG205", "NCT00301262", c.at[first, "loc"], "error"),
                                   ("TG207", "NCT00301262", c.at[total_female, "loc"], "error")],
                                  key=lambda f: f[2])
    assert male.size == 3  # two arms and the Total


def test_seed_records_flag_only_the_sledai_statement():
    """004: "5 patients, 4 of whom had an SLEDAI-2K score of 0 and only 2 had a score of 2" is flagged; the
    consistent statements are judged and pass: 83.3% and 7 (58%) of 12 (GRIM), 3 + 3 + 6 = 12 (parts),
    96.1% of 103 and 98.9% / 82.4% of a subgroup of the 103 (feasible n), 4 females + 1 male = 5 (partition)."""
    ds = _read("seeds")
    c = ds.counts
    stated = set(zip(c["percent_text"].dropna(), c.loc[c["percent_text"].notna(), "denom"].astype(object)))
    assert {("83.3", 12), ("58", 12), ("96.1", 103)} <= stated
    assert {"98.9", "82.4"} <= set(c["percent_text"].dropna())
    assert sorted(ds.groups.loc[ds.groups["parent"] == "all", "n"].tolist()) == [3, 3, 6]
    found = run(ds, "TG1", "TG2")
    assert brief(found) == [("TG205", "erlangen-cd19-cart-sle-natmed2022", "/trials/0/cohorts/0/counts/8", "error")]
    assert found["source_id"].tolist() == ["004_c6221abd67a46fe7"]
    assert found["message"][0] == ("SLEDAI-2K score: 4 (0) + 2 (2) = 6 participants in mutually exclusive "
                                   "categories, but the group has 5")
