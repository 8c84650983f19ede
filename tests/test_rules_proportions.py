"""TG201-TG204 and the exact rounding arithmetic behind them."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import brief, dataset, run
from trialguard.numbers import conventions_matching, decimals, format_fixed, round_to, to_fraction
from trialguard.validators.proportions import smallest_n

P = {"trial_id": "T1", "source_id": "src", "file": "src.yaml", "block": "cohort", "group_id": "all"}


def pct(k, n):
    return Fraction(100 * k, n)


# --- exact rounding -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k, n, text, passing", [
    (10, 12, "83.3", ("half_up", "half_even", "truncate")),   # 83.333...
    (7, 12, "58", ("half_up", "half_even", "truncate")),      # 58.333...
    (2, 12, "17", ("half_up", "half_even", "ceiling")),       # 16.666...
    (10, 12, "88.3", ()),
    (10, 12, "83.30", ()),                                     # two decimals claim 83.30, but it is 83.33
    (1, 8, "13", ("half_up", "ceiling")),                     # 12.5: a tie
    (1, 8, "12", ("half_even", "truncate")),
    (1, 8, "12.5", ("half_up", "half_even", "truncate", "ceiling")),
    (3, 8, "38", ("half_up", "half_even", "ceiling")),       # 37.5: half-even goes up to the even 38
    (107, 4000, "2.68", ("half_up", "half_even", "ceiling")),  # 2.675 exactly; float round(2.675, 2) gives 2.67
    (107, 4000, "2.67", ("truncate",)),
    (0, 12, "0", ("half_up", "half_even", "truncate", "ceiling")),
    (12, 12, "100", ("half_up", "half_even", "truncate", "ceiling")),
])
def test_conventions_matching(k, n, text, passing):
    assert conventions_matching(pct(k, n), text) == passing


def test_number_text_is_read_exactly():
    assert decimals("83.30%") == 2 and decimals("58") == 0 and decimals("30,600") == 0
    assert to_fraction("2.675") == Fraction(2675, 1000)
    assert to_fraction("NA") is None and decimals("abc") is None
    assert round_to(Fraction(2675, 1000), 2, "half_up") == Fraction(268, 100)
    assert format_fixed(pct(10, 12), 1) == "83.3"


# --- TG201 ----------------------------------------------------------------------------------------------------


def test_count_exceeds_denominator():
    ds = dataset(counts=[
        {**P, "loc": "/c/0", "category": "Infection", "count": 13, "denom": 12},
        {**P, "loc": "/c/1", "category": "CRS", "count": 12, "denom": 12},  # boundary: all of them
    ])
    found = run(ds, "TG201")
    assert brief(found) == [("TG201", "T1", "/c/0", "error")]
    assert found["message"][0] == "Infection: 13 counted out of a denominator of 12"
    assert (found["observed"][0], found["expected"][0]) == ("13", "<= 12")


def test_count_exceeds_group_size_when_denominator_missing():
    ds = dataset(counts=[{**P, "loc": "/c/0", "category": "CRS", "count": 6}],
                 groups=[{**P, "loc": "/g/0", "n": 5}])
    found = run(ds, "TG201")
    assert brief(found) == [("TG201", "T1", "/c/0", "error")]
    assert found["message"][0] == "CRS: 6 counted out of a group of 5"


# --- TG202 GRIM -----------------------------------------------------------------------------------------------


def test_grim_flags_percent_that_no_rounding_explains():
    ds = dataset(counts=[
        {**P, "loc": "/c/0", "measure": "Sex", "category": "Female", "count": 10, "denom": 12, "percent_text": "88.3"},
        {**P, "loc": "/c/1", "measure": "Sex", "category": "Female", "count": 10, "denom": 12, "percent_text": "83.3%"},
        {**P, "loc": "/c/2", "measure": "Infection", "count": 7, "denom": 12, "percent_text": "58"},
        {**P, "loc": "/c/3", "measure": "ICANS", "count": 2, "denom": 12, "percent_text": "17"},
        {**P, "loc": "/c/4", "measure": "Tie", "count": 1, "denom": 8, "percent_text": "13"},
        {**P, "loc": "/c/5", "measure": "Tie", "count": 1, "denom": 8, "percent_text": "12"},
    ])
    found = run(ds, "TG202")
    assert brief(found) == [("TG202", "T1", "/c/0", "error")]
    assert found["message"][0] == "Female 10 of 12 is 83.3%, reported 88.3%"
    assert found["observed"][0] == "88.3%"
    assert found["expected"][0] == "83.3% (rounded, truncated) or 83.4% (rounded up)"
    assert found["evidence"][0]["conventions"] == []


def test_grim_warns_when_only_truncation_fits():
    ds = dataset(counts=[
        {**P, "loc": "/c/0", "category": "Male", "count": 2, "denom": 12, "percent_text": "16.6"},
        {**P, "loc": "/c/1", "category": "Grade 3", "count": 107, "denom": 4000, "percent_text": "2.67"},
        {**P, "loc": "/c/2", "category": "Grade 3", "count": 107, "denom": 4000, "percent_text": "2.68"},
    ])
    found = run(ds, "TG202")
    assert brief(found) == [("TG202", "T1", "/c/0", "warning"), ("TG202", "T1", "/c/1", "warning")]
    assert found["message"][0] == "Male 2 of 12 is 16.7%, reported 16.6% (only if truncated)"
    assert [e["conventions"] for e in found["evidence"]] == [["truncate"], ["truncate"]]


def test_grim_ignores_rows_other_rules_own():
    # count > denom (TG201), percent > 100 (TG103), unknown denominator (TG203), unreadable text (TG104)
    ds = dataset(counts=[
        {**P, "loc": "/c/0", "count": 13, "denom": 12, "percent_text": "108.3"},
        {**P, "loc": "/c/1", "count": 5, "denom": 12, "percent_text": "140"},
        {**P, "loc": "/c/2", "count": 5, "percent_text": "41.7"},
        {**P, "loc": "/c/3", "count": 5, "denom": 12, "percent_text": "about 40"},
    ])
    assert run(ds, "TG202").empty


# --- TG203 feasibility with unknown n ---------------------------------------------------------------------------


def _brute_smallest_n(items, limit):
    for n in range(1, limit + 1):
        ok = True
        for p, d, k in items:
            half = Fraction(1, 2 * 10**d)
            target = Fraction(p, 10**d)
            ks = [k] if k is not None else range(n + 1)
            ok &= any(k_ <= n and abs(pct(k_, n) - target) <= half for k_ in ks)
        if ok:
            return n
    return None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1000), st.sampled_from([None, 0, 1, 3, 7])), min_size=1, max_size=3),
       st.integers(1, 150))
def test_smallest_n_matches_brute_force(raw, limit):
    items = tuple((p, 1, k) for p, k in raw)  # one decimal: 0.0 .. 100.0
    assert smallest_n(items, limit) == _brute_smallest_n(items, limit)


def test_smallest_n_known_values():
    assert smallest_n(((989, 1, None),), 10_000) == 87   # 86/87 = 98.85...% -> 98.9%
    assert smallest_n(((58, 0, 7),), 10_000) == 12       # 7 patients (58%)
    assert smallest_n(((50, 0, 0),), 10_000) is None      # 0 patients cannot be 50%


def test_stated_denominator_bounds_n_when_count_is_unknown():
    # seed 000: "103 evaluable patients ... ORR was 96.1%" (99 of 103)
    rows = [{**P, "loc": "/c/0", "measure": "ORR", "percent_text": "96.1", "denom": 103},
            {**P, "loc": "/c/1", "measure": "MRD-", "percent_text": "96.5", "denom": 103},  # 55 of 57: n <= 103
            {**P, "loc": "/c/2", "measure": "CR", "percent_text": "99.2", "denom": 103}]   # needs n >= 118
    found = run(dataset(counts=rows), "TG2")
    assert brief(found) == [("TG203", "T1", "/c/2", "error")]
    assert found["message"][0] == "CR: 99.2% needs a group of at least 118 participants, but the denominator is 103"


def test_unknown_n_is_silent_when_feasible_and_unbounded():
    ds = dataset(counts=[
        {**P, "loc": "/c/0", "group_id": "no-prior-cart", "measure": "Response", "category": "ORR",
         "percent_text": "98.9"},
        {**P, "loc": "/c/1", "group_id": "no-prior-cart", "measure": "Response", "category": "sCR/CR",
         "percent_text": "82.4"},
        {**P, "loc": "/c/2", "measure": "Infection", "count": 7, "percent_text": "58"},
    ])
    assert run(ds, "TG203").empty


def test_percent_infeasible_within_group_size():
    rows = [{**P, "loc": "/c/0", "measure": "Response", "category": "ORR", "percent_text": "98.9"}]
    found = run(dataset(counts=rows, groups=[{**P, "loc": "/g/0", "n": 83}]), "TG203")
    assert brief(found) == [("TG203", "T1", "/c/0", "error")]
    assert found["message"][0] == "ORR: 98.9% needs a group of at least 87 participants, but the group has 83"
    assert (found["observed"][0], found["expected"][0]) == ("n >= 87", "n <= 83")
    assert found["evidence"][0]["smallest_n"] == 87
    # 84/85 = 98.82...% is 98.9% only when rounded up (ceiling): possible, but unusual
    found = run(dataset(counts=rows, groups=[{**P, "loc": "/g/0", "n": 85}]), "TG203")
    assert brief(found) == [("TG203", "T1", "/c/0", "warning")]
    assert found["message"][0].endswith("but the group has 85 (fits only if rounded up)")
    assert run(dataset(counts=rows, groups=[{**P, "loc": "/g/0", "n": 87}]), "TG203").empty  # boundary


def test_joint_percentages_share_one_denominator():
    # 98.9% alone fits n=87 and 82.4% alone fits n=17; together they need a larger group.
    rows = [{**P, "loc": "/c/0", "measure": "Response", "category": "ORR", "percent_text": "98.9"},
            {**P, "loc": "/c/1", "measure": "Response", "category": "CR", "percent_text": "82.4"}]
    joint = smallest_n(((989, 1, None), (824, 1, None)), 10_000)
    assert joint == _brute_smallest_n(((989, 1, None), (824, 1, None)), 100) and joint > 87
    assert smallest_n(((989, 1, None), (824, 1, None)), 10_000, "ceiling") == 85
    found = run(dataset(counts=rows, groups=[{**P, "loc": "/g/0", "n": 84}]), "TG203")
    assert brief(found) == [("TG203", "T1", "/c/0", "error")]
    assert found["message"][0] == (f"Response: 98.9% and 82.4% need a group of at least {joint} participants, "
                                   f"but the group has 84")
    assert run(dataset(counts=rows, groups=[{**P, "loc": "/g/0", "n": joint - 1}]), "TG203")["severity"].tolist() \
        == ["warning"]
    assert run(dataset(counts=rows, groups=[{**P, "loc": "/g/0", "n": joint}]), "TG203").empty


def test_same_percentage_with_and_without_a_count_in_one_set():
    # two items that differ only in whether a count is stated are ordered without comparing None with a number
    rows = [{**P, "loc": "/c/0", "measure": "Response", "category": "CR", "count": 3, "percent_text": "50"},
            {**P, "loc": "/c/1", "measure": "Response", "category": "PR", "percent_text": "50"}]
    found = run(dataset(counts=rows, groups=[{**P, "loc": "/g/0", "n": 5}]), "TG203")
    assert brief(found) == [("TG203", "T1", "/c/0", "error")]
    assert found["message"][0] == "Response: 3 (50%) and 50% need a group of at least 6 participants, but the group has 5"


def test_zero_count_with_positive_percent_is_infeasible_for_any_n():
    found = run(dataset(counts=[{**P, "loc": "/c/0", "category": "Death", "count": 0, "percent_text": "5"}]), "TG203")
    assert brief(found) == [("TG203", "T1", "/c/0", "error")]
    assert found["message"][0] == "Death: 0 (5%) cannot be shares of one group of any size"


def test_trial_enrollment_bounds_n():
    ds = dataset(counts=[{**P, "loc": "/c/0", "category": "ORR", "percent_text": "98.9"}],
                 trials=[{"trial_id": "T1", "source_id": "src", "loc": "", "enrollment": 40,
                          "enrollment_type": "ACTUAL"}])  # the same trial, actual enrollment
    found = run(ds, "TG203")
    assert found["message"].tolist() == ["ORR: 98.9% needs a group of at least 87 participants, "
                                         "but the trial enrolled 40"]


# --- TG204 percentages sum to 100 -------------------------------------------------------------------------------


def _sex(*pcts, exhaustive=True, exclusive=True):
    return [{**P, "loc": f"/c/{i}", "measure": "Sex", "category": cat, "percent_text": p,
             "exhaustive": exhaustive, "exclusive": exclusive}
            for i, (cat, p) in enumerate(zip(["Female", "Male", "Unknown"], pcts))]


@pytest.mark.parametrize("pcts", [("83.3", "16.7"), ("33.3", "33.3", "33.3"), ("33", "33", "33"), ("50", "50.5")])
def test_percent_sum_within_rounding_passes(pcts):
    assert run(dataset(counts=_sex(*pcts)), "TG204").empty


def test_percent_sum_outside_rounding_is_flagged():
    found = run(dataset(counts=_sex("58", "45")), "TG204")
    assert brief(found) == [("TG204", "T1", "/c/0", "error")]
    assert found["message"][0] == "Sex: Female 58% + Male 45% = 103%, expected 100% ± 1"
    found = run(dataset(counts=_sex("33", "33", "32")), "TG204")  # 98 < 100 - 3 * 0.5
    assert found["observed"].tolist() == ["98%"]


def test_percent_sum_one_sided_for_overlapping_or_partial_categories():
    # exhaustive but overlapping: only too little is wrong
    assert run(dataset(counts=_sex("70", "45", exclusive=False)), "TG204").empty
    assert run(dataset(counts=_sex("50", "45", exclusive=False)), "TG204")["expected"].tolist() == [">= 99%"]
    # exclusive but not exhaustive: only too much is wrong
    assert run(dataset(counts=_sex("50", "45", exhaustive=False)), "TG204").empty
    assert run(dataset(counts=_sex("60", "45", exhaustive=False)), "TG204")["expected"].tolist() == ["<= 101%"]


def test_registry_percent_without_count_is_not_judged():
    # NCT02397473: "66.1" percentage of participants of 40 analysed, derived with a mixed model (not k of 40)
    R = {"trial_id": "NCT02397473", "source_id": "ctgov:NCT02397473", "file": "NCT02397473.json",
         "block": "outcome/4", "group_id": "OG000"}
    rows = [{**R, "loc": "/o/4/m/0", "measure": "PGI-I 1 or 2", "percent_text": "66.1", "denom": 40}]
    src = [{"trial_id": "NCT02397473", "source_id": "ctgov:NCT02397473", "loc": "", "kind": "registry"}]
    assert run(dataset(counts=rows, sources=src), "TG2").empty
    # the same statement in an article is a share of at most 40 people, which 66.1% cannot be
    article = [{**src[0], "source_id": "article", "kind": "news"}]
    found = run(dataset(counts=[{**rows[0], "source_id": "article"}], sources=article), "TG2")
    assert found["message"].tolist() == ["PGI-I 1 or 2: 66.1% needs a group of at least 56 participants, "
                                         "but the denominator is 40"]


# --- the seed records: consistent statements are judged, and a changed number is caught --------------------------

from conftest import FIXTURES  # noqa: E402
from trialguard.ingest import read_paths  # noqa: E402


def _seed(stem):
    return read_paths([str(FIXTURES / "seeds" / f"{stem}.yaml")])


def test_seed_003_percentages_pass_and_a_changed_one_fails():
    ds = _seed("003_4e21d2fb698166af")
    assert run(ds, "TG2").empty  # "Ten of the 12 patients were female (83.3%)", "7 patients (58%)"
    c = ds.counts
    c.loc[c["percent_text"] == "83.3", "percent_text"] = "88.3"
    found = run(ds, "TG2")
    assert brief(found) == [("TG202", c.at[0, "trial_id"], "/trials/0/cohorts/0/counts/0", "error")]
    assert found["message"][0] == "female 10 of 12 is 83.3%, reported 88.3%"


def test_seed_000_subgroup_percentages_are_bounded_by_the_parent_cohort():
    ds = _seed("000_693a2ea73ebc0759")
    assert run(ds, "TG2").empty  # 98.9% and 82.4% of the patients without prior CAR-T, among 103 evaluable
    g = ds.groups
    g.loc[g["group_id"] == "no-prior-car-t", "n"] = 83  # 98.9% needs 87 (84 if rounded up)
    found = run(ds, "TG2")
    assert brief(found) == [("TG203", "fumanba-1", "/trials/1/cohorts/1/counts/0", "error")]
    assert found["message"][0] == ("overall response rate: 98.9% needs a group of at least 87 participants, "
                                   "but the group has 83")
