"""TG40x statistics rules on minimal datasets (violation and boundary) and on real corpus records."""

from __future__ import annotations

import pytest

from rulekit import dataset, run
from trialguard.validators.statistics import parse_p, time_point_days

OM = "/resultsSection/outcomeMeasuresModule/outcomeMeasures/0"


def stat(value, lower=None, upper=None, param="MEAN", dispersion="95% Confidence Interval", spread=None, n=None,
         unit="units", measure="Change in HbA1c", group="OG000", loc=f"{OM}/classes/0/categories/0/measurements/0",
         **kw):
    row = {"block": "outcome/0", "measure": measure, "group_id": group, "param": param, "dispersion": dispersion,
           "value": float(value), "value_text": str(value), "unit": unit, "n": n, "loc": loc}
    for col, v in (("lower", lower), ("upper", upper), ("spread", spread)):
        if v is not None:
            row[col], row[f"{col}_text"] = float(v), str(v)
    row.update(kw)
    return row


GROUPS = [{"block": "outcome/0", "group_id": "OG000", "title": "Drug A"}]


def analysis(est, lo, hi, p, param="Hazard Ratio (HR)", pct="95", sides="TWO_SIDED", loc=f"{OM}/analyses/0"):
    def num(v):
        return None if v is None else float(v)
    return {"block": "outcome/0", "param": param, "estimate": num(est), "estimate_text": est, "ci_low": num(lo),
            "ci_low_text": lo, "ci_high": num(hi), "ci_high_text": hi, "ci_pct": pct, "ci_sides": sides,
            "p_text": p, "loc": loc}


def test_value_outside_its_confidence_interval():
    f = run("TG401", dataset(stats=[stat("-0.971", "-0.85", "-0.12")], groups=GROUPS))
    assert f["message"].tolist() == [
        "Change in HbA1c, Drug A: mean -0.971 lies outside its confidence interval -0.85 to -0.12"]
    assert f["loc"].tolist() == [f"{OM}/classes/0/categories/0/measurements/0"]
    assert (f.iloc[0]["observed"], f.iloc[0]["expected"]) == ("-0.971", "between -0.85 and -0.12")
    assert run("TG401", dataset(stats=[stat("-0.85", "-0.85", "-0.12")])).empty


def test_median_outside_range_and_iqr_but_mean_may_leave_the_iqr():
    rows = [stat("70", "30", "67", param="MEDIAN", dispersion="FULL_RANGE", measure="Age"),
            stat("20", "25", "40", param="MEDIAN", dispersion="Inter-Quartile Range", measure="Score", loc="/x/1"),
            stat("20", "25", "40", param="MEAN", dispersion="Inter-Quartile Range", measure="Skewed", loc="/x/2")]
    f = run("TG401", dataset(stats=rows, groups=GROUPS))
    assert f["message"].tolist() == ["Age, Drug A: median 70 lies outside its full range 30 to 67",
                                     "Score, Drug A: median 20 lies outside its interquartile range 25 to 40"]
    assert run("TG401", dataset(stats=[stat("49.5", "30", "67", param="MEDIAN", dispersion="range")])).empty


def test_limits_reversed_in_stats_and_analyses():
    ds = dataset(stats=[stat("50", "67", "30", dispersion="FULL_RANGE", measure="Age")],
                 analyses=[analysis("0.62", "0.81", "0.47", "0.0004")], groups=GROUPS)
    f = run("TG402", ds)
    assert sorted(f["message"]) == ["Age, Drug A: lower limit 67 is above upper limit 30",
                                    "Analysis (Hazard Ratio (HR)): confidence interval lower limit 0.81 is above its upper limit 0.47"]
    # the value check stays quiet on reversed limits (one finding, not two)
    assert run("TG401", ds).empty


def test_estimate_outside_ci():
    f = run("TG403", dataset(analyses=[analysis("1.45", "0.47", "0.81", "0.0004")]))
    assert f["message"].tolist() == [
        "Analysis (Hazard Ratio (HR)): estimate 1.45 lies outside its 95% confidence interval 0.47 to 0.81"]
    assert f["loc"].tolist() == [f"{OM}/analyses/0"]
    one_sided = analysis("-1.2", "-1.0", None, "0.01", param="Mean Difference", sides="ONE_SIDED")
    assert run("TG403", dataset(analyses=[one_sided]))["observed"].tolist() == ["-1.2"]
    assert run("TG403", dataset(analyses=[analysis("0.47", "0.47", "0.81", "0.0004")])).empty


@pytest.mark.parametrize("text,expected", [
    ("<0.001", ("<", 0.0, 0.001)), ("=.885", ("=", 0.8845, 0.8855)), ("0.05", ("=", 0.045, 0.055)),
    (">0.05", (">", 0.05, 1.0)), ("p < 0.0001", ("<", 0.0, 0.0001)), ("≤0.01", ("<=", 0.0, 0.01)),
])
def test_p_value_texts_parse(text, expected):
    op, lo, hi = parse_p(text)
    assert op == expected[0] and lo == pytest.approx(expected[1]) and hi == pytest.approx(expected[2])


def test_p_value_unreadable_and_out_of_range():
    rows = [analysis(None, None, None, "significant", param="Odds Ratio (OR)", loc="/a/0"),
            analysis(None, None, None, "1.2", param="Mean Difference (Net)", loc="/a/1"),
            analysis(None, None, None, "<0.001", loc="/a/2"), analysis(None, None, None, "1", loc="/a/3"),
            analysis(None, None, None, "0", loc="/a/4")]
    assert run("TG404", dataset(analyses=rows))["message"].tolist() == [
        "Analysis (Odds Ratio (OR)): p-value 'significant' is not a number"]
    f = run("TG405", dataset(analyses=rows))
    assert f["message"].tolist() == ["Analysis (Mean Difference (Net)): p-value 1.2 is outside 0..1"]
    assert f["loc"].tolist() == ["/a/1"]


def test_p_disagreeing_with_ci():
    bad = analysis("5.0", "1.0", "9.0", "0.49", param="Difference in percentages")
    f = run("TG406", dataset(analyses=[bad]))
    assert f["message"].tolist() == [
        "Analysis (Difference in percentages): p = 0.49, but the 95% CI 1.0 to 9.0 excludes 0 (p from the CI: 0.014)"]
    assert f["severity"].tolist() == ["warning"]
    ratio = analysis("1.33", "0.897", "1.965", "0.01", param="Odds Ratio (OR)")
    assert run("TG406", dataset(analyses=[ratio]))["message"].tolist() == [
        "Analysis (Odds Ratio (OR)): p = 0.01, but the 95% CI 0.897 to 1.965 includes 1 (p from the CI: 0.15)"]


@pytest.mark.parametrize("row", [
    analysis("1.33", "0.897", "1.965", ">0.05", param="Odds Ratio (OR)"),       # agrees
    analysis("0.8", "0.0", "1.5", "0.0461", param="Mean Difference (Final Values)"),  # bound rounds onto the null
    analysis("20.0", "13.9", "26.1", ">0.001", param="Mean Difference (Final Values)"),  # '>0.001' allows p < 0.05
    analysis("0.62", "0.47", "0.81", "0.0004"),                                  # agrees
    analysis("0.70", "0.47", "1.02", "0.06"),                                    # agrees
    analysis("1.30", "1.01", "1.67", "0.06"),  # a different test near alpha: derived p 0.04, within a factor 2
    analysis("5.0", "1.0", "9.0", "0.49", param="Difference in percentages", sides="ONE_SIDED"),  # not two-sided
])
def test_p_and_ci_boundaries_pass(row):
    assert run("TG406", dataset(analyses=[row])).empty


def test_sd_above_bhatia_davis_bound():
    rows = [stat("49", "30", "67", dispersion="", spread="25", n=12, measure="Age")]
    f = run("TG407", dataset(stats=rows, groups=GROUPS))
    # most favourable reading: min 29.5, max 67.5, mean 48.5 -> sqrt(12/11 * 19 * 19) = 19.8
    assert f["message"].tolist() == [
        "Age, Drug A: SD 25 exceeds the largest SD that mean 49 and range 30 to 67 allow (19.8)"]
    assert (f.iloc[0]["observed"], f.iloc[0]["expected"]) == ("25", "<= 19.8")
    assert run("TG407", dataset(stats=[stat("49", "30", "67", dispersion="", spread="19", n=12)])).empty
    # boundary: two values 30 and 67 -> mean 48.5, sample SD 26.16...; n unknown uses n/(n-1) <= 2
    assert run("TG407", dataset(stats=[stat("48.5", "30", "67", dispersion="", spread="26.2")])).empty


def test_sd_below_range_lower_bound():
    rows = [stat("49", "30", "67", dispersion="Standard Deviation", spread="2.0", n=10, measure="Age")]
    f = run("TG408", dataset(stats=rows, groups=GROUPS))
    # (66.5 - 30.5) / sqrt(2 * 9) = 8.49 at the most favourable reading
    assert f["message"].tolist() == [
        "Age, Drug A: SD 2.0 is below the smallest SD that 10 values from 30 to 67 allow (8.49)"]
    # boundary: n = 3 values 30, 48.5, 67 -> SD = 18.5 exactly = 37 / sqrt(4)
    assert run("TG408", dataset(stats=[stat("48.5", "30", "67", dispersion="sd", spread="18.5", n=3)])).empty
    assert run("TG408", dataset(stats=[stat("48.5", "30", "67", dispersion="sd", spread="2.0")])).empty  # n unknown


def test_half_median_of_counts_needs_even_n():
    rows = [stat("2.5", param="MEDIAN", dispersion="", n=15, unit="relapses", measure="Number of relapses")]
    f = run("TG409", dataset(stats=rows, groups=GROUPS))
    assert f["message"].tolist() == ["Number of relapses, Drug A: median 2.5 of 15 (odd n; whole-number data in relapses)"]
    assert run("TG409", dataset(stats=[stat("2.5", param="MEDIAN", dispersion="", n=14, unit="relapses")])).empty
    # ages are not certainly whole numbers: the seed's median 49.5 of 5 patients is fine
    assert run("TG409", dataset(stats=[stat("49.5", param="MEDIAN", dispersion="", n=5, unit="years")])).empty


@pytest.mark.parametrize("text,days", [("12 months", 365.25), ("Month 12", 365.25), ("Week 24", 168.0),
                                       ("24-month", 730.5), ("Baseline", None), ("12 and 24 months", None)])
def test_time_points(text, days):
    assert time_point_days(text) == (pytest.approx(days) if days else None)


def persistence(value, months, loc):
    return {"block": "cohort", "measure": "CAR-T persistence", "param": "percent", "value": float(value),
            "value_text": str(value), "unit": "%", "time_frame": f"{months} months", "group_id": "all",
            "trial_id": "seed000", "source_id": "000_693a2ea73ebc0759", "loc": loc}


def test_persistence_must_not_rise():
    rows = [persistence(50, 12, "chars:10-20"), persistence(60, 24, "chars:30-40")]
    f = run("TG410", dataset(stats=rows))
    assert f["message"].tolist() == ["CAR-T persistence, all: 60% at 24 months is higher than 50% at 12 months"]
    assert f["loc"].tolist() == ["chars:30-40"]
    # the seed: 50% at 12 months, 40% at 24 months
    assert run("TG410", dataset(stats=[persistence(50, 12, "a"), persistence(40, 24, "b")])).empty
    assert run("TG410", dataset(stats=[persistence(50, 12, "a"), persistence(50, 24, "b")])).empty


def test_survival_categories_in_a_registry_outcome():
    rows = [stat(v, param="NUMBER", dispersion="", unit="percentage of participants", measure="Overall Survival Rate",
                 category=c, loc=f"/m/{i}") for i, (v, c) in enumerate((("80.1", "Month 12"), ("82.0", "Month 24")))]
    f = run("TG410", dataset(stats=rows, groups=GROUPS))
    assert f["message"].tolist() == [
        "Overall Survival Rate / Month 24, Drug A: 82.0% at Month 24 is higher than 80.1% at Month 12"]


# ---------------------------------------------------------------- real records (fixtures/ctgov)

def test_corpus_statistics_invariants_hold():
    from corpus import corpus_dataset, hits
    ds = corpus_dataset()
    assert ds.analyses["p_text"].notna().sum() > 50 and ds.stats["lower"].notna().sum() > 20
    for code in ("TG401", "TG402", "TG403", "TG404", "TG405", "TG407", "TG408", "TG409", "TG410"):
        assert hits(code) == [], code


def test_corpus_p_value_disagreeing_with_its_ci():
    from corpus import corpus_findings, hits
    assert hits("TG406") == [("TG406", "NCT00931528", "/resultsSection/outcomeMeasuresModule/outcomeMeasures/0/analyses/0")]
    f = corpus_findings()
    assert f[f["rule"] == "TG406"]["message"].tolist() == [
        "Analysis (Difference in percentages): p = 0.49, but the 95% CI 1 to 9 excludes 0 (p from the CI: 0.014)"]


def vcn(percent, when, loc):
    return {"trial_id": "fumanba-1", "source_id": "000_693a2ea73ebc0759", "block": "cohort", "group_id": "evaluable",
            "measure": "vector copy number above the lower limit of detection", "percent_text": percent,
            "time_frame": when, "loc": loc}


def test_curated_percentages_over_time():
    rows = [vcn("50%", "12 months after infusion", "/trials/1/cohorts/0/counts/4"),
            vcn("60%", "24 months after infusion", "/trials/1/cohorts/0/counts/5")]
    f = run("TG410", dataset(counts=rows))
    assert f["message"].tolist() == ["vector copy number above the lower limit of detection, evaluable: 60% at "
                                     "24 months after infusion is higher than 50% at 12 months after infusion"]
    assert f["loc"].tolist() == ["/trials/1/cohorts/0/counts/5"]


def test_seed_000_persistence_passes():
    from trialguard.ingest import read_paths
    from conftest import FIXTURES
    ds = read_paths([str(FIXTURES / "seeds" / "000_693a2ea73ebc0759.yaml")])
    c = ds.counts
    assert sorted(c[c["measure"].str.contains("vector copy", na=False)]["percent_text"]) == ["40", "50"]
    assert run("TG410", ds).empty
