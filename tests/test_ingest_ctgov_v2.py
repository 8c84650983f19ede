"""CT.gov API v2 records -> canonical tables: exact rows for real records, and every container format
(single object, ctg-studies.json array, NDJSON, zip) giving the same tables."""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
import pytest

from tests.conftest import FIXTURES, one
from trialguard.dataset import TABLES
from trialguard.ingest import read_paths
from trialguard.ingest.ctgov_common import dispersion, float_of_text, int_of_text, iso_date, parse_float, parse_int

V2 = FIXTURES / "ctgov" / "v2"
NCT = "NCT00301262"
FLOW = "/resultsSection/participantFlowModule/periods"
BASE = "/resultsSection/baselineCharacteristicsModule"
OUT = "/resultsSection/outcomeMeasuresModule/outcomeMeasures"


@pytest.fixture(scope="module")
def viagra():
    ds = read_paths([str(V2 / f"{NCT}.json")])
    assert (ds.records.read, ds.records.checked, ds.records.rejected) == (1, 1, 0)
    return ds


def test_trial_row_has_dates_with_their_types_and_enrollment(viagra):
    t = one(viagra.trials, trial_id=NCT)
    assert (t.source_id, t["loc"], t.status, t.phase, t.study_type) == (
        "ctgov:NCT00301262", "/protocolSection", "COMPLETED", "PHASE4", "INTERVENTIONAL")
    assert t.start == "2005-11" and pd.isna(t.start_type)  # pre-2007 records give no type
    assert (t.primary_completion, t.primary_completion_type) == ("2007-09", "ACTUAL")
    assert (t.first_submitted, t.first_posted, t.first_posted_type) == ("2006-03-07", "2006-03-10", "ESTIMATED")
    assert (t.results_first_posted, t.results_first_posted_type) == ("2008-12-09", "ESTIMATED")
    assert (t.last_update, t.last_update_type) == ("2021-02-01", "ACTUAL")
    assert (t.enrollment, t.enrollment_type) == (183, "ACTUAL")


def test_source_row_is_the_registry_entry(viagra):
    s = one(viagra.sources, trial_id=NCT)
    assert (s.kind, s.publisher, s.published, s.url) == (
        "registry", "ClinicalTrials.gov", "2006-03-10", "https://clinicaltrials.gov/study/NCT00301262")


def test_flow_milestones_per_period(viagra):
    f = viagra.flow
    got = {(r.period, r.milestone, r.group_id): r.n for r in f[f.kind == "milestone"].itertuples()}
    assert got[(0, "STARTED", "FG000")] == 94 and got[(0, "STARTED", "FG001")] == 82
    assert got[(0, "COMPLETED", "FG000")] == 84 and got[(0, "COMPLETED", "FG001")] == 69
    assert got[(1, "STARTED", "FG000")] == 83 and got[(1, "COMPLETED", "FG001")] == 67
    started = one(f, period=0, milestone="STARTED", group_id="FG001")
    assert (started["loc"], started.period_title, started.n_text) == (
        f"{FLOW}/0/milestones/0/achievements/1", "Double Blind Phase (DB)", "82")


def test_flow_withdrawal_reasons(viagra):
    w = one(viagra.flow, kind="withdrawal", period=0, milestone="Lost to Follow-up", group_id="FG000")
    assert (w.n, w["loc"]) == (3, f"{FLOW}/0/dropWithdraws/2/reasons/0")
    assert len(viagra.flow[(viagra.flow.kind == "withdrawal") & (viagra.flow.period == 1)]) == 6


def test_baseline_groups_total_and_parts(viagra):
    g = viagra.groups[viagra.groups.block == "baseline"].set_index("group_id")
    assert g.loc["BG002", "title"] == "Total" and bool(g.loc["BG002", "is_total"])
    assert bool(g.loc["BG002", "parts_exhaustive"])
    assert list(g.loc[["BG000", "BG001"], "parent"]) == ["BG002", "BG002"]
    assert list(g["n"]) == [94, 82, 176]
    assert not bool(g.loc["BG000", "is_total"])


def test_baseline_sex_counts_are_an_exhaustive_partition(viagra):
    c = one(viagra.counts, block="baseline", measure="Sex: Female, Male", category="Male", group_id="BG002")
    assert (c["count"], c.count_text, c.denom, c.denom_text) == (176, "176", 176, "176")
    assert bool(c.exhaustive) and bool(c.exclusive)
    assert c["loc"] == f"{BASE}/measures/1/classes/0/categories/1/measurements/2"


def test_percent_measure_goes_to_counts_with_percent_text(viagra):
    c = one(viagra.counts, block="outcome/18", class_title="GEQ1 Responder", group_id="OG000")
    assert pd.isna(c["count"]) and c.percent_text == "81.8" and c.denom == 88
    assert pd.isna(c.exhaustive)
    assert c["loc"] == f"{OUT}/18/classes/0/categories/0/measurements/0"


def test_continuous_baseline_and_outcome_stats(viagra):
    age = one(viagra.stats, block="baseline", measure="Age, Continuous", group_id="BG000")
    assert (age.param, age.value, age.value_text, age.dispersion, age.spread, age.unit, age.n) == (
        "mean", 51.6, "51.6", "sd", 12.5, "years", 94)
    edits = one(viagra.stats, block="outcome/0", group_id="OG000")
    assert (edits.param, edits.value_text, edits.dispersion, edits.spread_text, edits.n, edits.time_frame) == (
        "least_squares_mean", "80.27", "se", "2.329", 88, "Week 8")


def test_analysis_keeps_p_value_text(viagra):
    a = one(viagra.analyses, loc=f"{OUT}/0/analyses/0")
    assert (a.block, a.group_ids, a.method, a.param, a.p_text) == (
        "outcome/0", "OG000 OG001", "ANCOVA", "Mean Difference (Final Values)", "<0.0001")
    assert (a.estimate, a.ci_pct, a.ci_low, a.ci_low_text, a.ci_high) == (18.13, "95", 11.40, "11.40", 24.86)


def test_interventions_and_texts(viagra):
    iv = one(viagra.groups, block="interventions")
    assert (iv.group_id, iv.title) == ("Drug: Viagra (Sildenafil citrate)", "Viagra (Sildenafil citrate)")
    assert list(viagra.texts["field"]) == ["brief_summary"]
    for t in ("doses", "events", "claims"):
        assert viagra.tables[t].empty


def test_na_counts_keep_text_and_leave_partition_unknown():
    ds = read_paths([str(V2 / "NCT06094296.json")])
    c = one(ds.counts, block="baseline", measure="Sex: Female, Male", category="Female", group_id="BG000")
    assert pd.isna(c["count"]) and c.count_text == "NA" and c.denom == 1
    assert pd.isna(c.exhaustive) and pd.isna(c.exclusive)
    age = one(ds.counts, block="baseline", measure="Age, Categorical", category="Between 18 and 65 years",
              group_id="BG000")
    assert age["count"] == 1 and bool(age.exhaustive)


def test_adverse_event_totals_deaths_and_terms():
    ds = read_paths([str(V2 / "NCT06094296.json")])
    ae = ds.adverse_events
    deaths = one(ae, kind="deaths", group_id="EG000")
    assert (deaths.affected, deaths.at_risk, deaths["loc"]) == (
        0, 1, "/resultsSection/adverseEventsModule/eventGroups/0/deathsNumAffected")
    other = one(ae, kind="total", serious=False, group_id="EG000")
    assert (other.affected, other.at_risk) == (1, 1)
    term = one(ae, kind="term", term="Anaemia", group_id="EG000")
    assert (term.serious, term.organ_system, term.affected, term.at_risk) == (
        False, "Blood and lymphatic system disorders", 1, 1)
    assert pd.isna(term.events)
    assert term["loc"] == "/resultsSection/adverseEventsModule/otherEvents/0/stats/0"


def test_arm_descriptions_are_texts_with_their_group():
    ds = read_paths([str(V2 / "NCT00353704.json")])
    arm = one(ds.texts, field="arm_description", group_id="Pregabalin")
    assert arm.text == "150 mg Pregabalin per orally about one hour before surgery"
    assert arm["loc"] == "/protocolSection/armsInterventionsModule/armGroups/0/description"
    iv = one(ds.texts, field="intervention_description", group_id="Drug: pregabalin")
    assert iv.text == "capsule 150 mg x 1 per orally one hour before surgery"


def test_confidence_interval_dispersion():
    ds = read_paths([str(V2 / "NCT02369484.json")])
    pfs = one(ds.stats, measure="Progression-free Survival", group_id="OG000")
    assert (pfs.param, pfs.dispersion, pfs.ci_pct, pfs.lower, pfs.upper, pfs.unit) == (
        "median", "ci", "95", 6.0, 35.4, "weeks")


# ---------------------------------------------------------------- containers

def _without_loc_prefix(ds, prefixes: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Tables with `file` dropped and each trial's loc prefix removed, sorted for comparison."""
    out = {}
    for name in TABLES:
        df = ds.tables[name].drop(columns="file").copy()
        if len(df):
            pre = df["trial_id"].map(prefixes)
            df["loc"] = [loc[len(p):] if loc.startswith(p) else "MISSING PREFIX " + loc
                         for loc, p in zip(df["loc"], pre)]
        out[name] = df.sort_values(list(df.columns[:4])).reset_index(drop=True)
    return out


STUDIES = ["NCT00301262", "NCT06094296", "NCT00134329"]


@pytest.fixture(scope="module")
def single_files():
    ds = read_paths([str(V2 / f"{n}.json") for n in STUDIES])
    return _without_loc_prefix(ds, {n: "" for n in STUDIES})


def _raw(n: str) -> bytes:
    return (V2 / f"{n}.json").read_bytes()


def _assert_same(tables: dict, expected: dict) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(tables[name], expected[name], obj=name)


def test_json_array_gives_the_same_tables(tmp_path, single_files):
    path = tmp_path / "ctg-studies.json"
    path.write_bytes(json.dumps([json.loads(_raw(n)) for n in STUDIES], indent=2).encode())
    ds = read_paths([str(path)])
    assert (ds.records.read, ds.records.checked, ds.records.rejected) == (3, 3, 0)
    assert one(ds.flow, trial_id=NCT, milestone="STARTED", period=0, group_id="FG000")["loc"] == \
        f"/0{FLOW}/0/milestones/0/achievements/0"
    _assert_same(_without_loc_prefix(ds, {n: f"/{i}" for i, n in enumerate(STUDIES)}), single_files)


def test_ndjson_gives_the_same_tables(tmp_path, single_files):
    path = tmp_path / "studies.ndjson"
    path.write_bytes(b"\n".join(json.dumps(json.loads(_raw(n))).encode() for n in STUDIES) + b"\n")
    ds = read_paths([str(path)])
    assert (ds.records.read, ds.records.checked, ds.records.rejected) == (3, 3, 0)
    _assert_same(_without_loc_prefix(ds, {n: f"line:{i + 1}" for i, n in enumerate(STUDIES)}), single_files)


def test_zip_of_single_files_gives_the_same_tables(tmp_path, single_files):
    path = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n in STUDIES:
            zf.writestr(f"{n}.json", _raw(n))
    ds = read_paths([str(path)])
    assert (ds.records.read, ds.records.checked, ds.records.rejected) == (3, 3, 0)
    assert set(ds.trials["file"]) == {f"{path.as_posix()}!{n}.json" for n in STUDIES}
    _assert_same(_without_loc_prefix(ds, {n: "" for n in STUDIES}), single_files)


def test_zip_of_an_array_gives_the_same_tables(tmp_path, single_files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ctg-studies.json", json.dumps([json.loads(_raw(n)) for n in STUDIES]))
    path = tmp_path / "download.zip"
    path.write_bytes(buf.getvalue())
    ds = read_paths([str(path)])
    _assert_same(_without_loc_prefix(ds, {n: f"/{i}" for i, n in enumerate(STUDIES)}), single_files)


def test_all_ctgov_fixtures_read_without_rejections():
    ds = read_paths([str(FIXTURES / "ctgov")])
    assert ds.rejections.empty, ds.rejections[["rule", "file", "loc", "message"]].to_string()
    n_files = len(list((FIXTURES / "ctgov").rglob("*.json"))) + len(list((FIXTURES / "ctgov").rglob("*.xml")))
    assert (ds.records.read, ds.records.checked, ds.records.rejected) == (n_files, n_files, 0)
    assert ds.trials["trial_id"].is_unique and len(ds.trials) == n_files
    for name in ("groups", "counts", "stats", "flow", "adverse_events", "analyses", "texts"):
        assert len(ds.tables[name]) > 0, name


# ---------------------------------------------------------------- text parsing

@pytest.mark.parametrize("text, expected", [
    ("30,600", 30600), ("158.0", 158), ("NA", None), ("12.5", None), ("1,5", None), ("", None), (None, None),
    ("<0.001", None), ("-3", -3)])
def test_parse_int(text, expected):
    assert parse_int(text) == expected
    assert int_of_text(text) == expected  # the adapters' shortcut for text or None


@pytest.mark.parametrize("text, expected", [
    ("30,600", 30600.0), (".17", 0.17), ("30.", 30.0), ("-.1333", -0.1333), ("NA", None), ("=.885", None),
    ("1e3", 1000.0), ("nan", None), ("inf", None), (None, None)])
def test_parse_float(text, expected):
    assert parse_float(text) == expected
    assert float_of_text(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("2005-11", "2005-11"), ("2023-11-27", "2023-11-27"), ("June 2003", "2003-06"),
    ("August 20, 2008", "2008-08-20"), ("August 2, 2010", "2010-08-02"), ("sometime", "sometime"), ("", None)])
def test_iso_date(text, expected):
    assert iso_date(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("STANDARD_DEVIATION", ("sd", None)), ("Standard Deviation", ("sd", None)), ("Standard Error", ("se", None)),
    ("INTER_QUARTILE_RANGE", ("iqr", None)), ("Inter-Quartile Range", ("iqr", None)),
    ("FULL_RANGE", ("full_range", None)), ("95% Confidence Interval", ("ci", "95")),
    ("84% Confidence Interval", ("ci", "84")), ("CONFIDENCE_975", ("ci", "97.5")), ("CONFIDENCE_OTHER", ("ci", None)),
    ("Geometric Coefficient of Variation", ("geometric_cv", None)), (None, (None, None))])
def test_dispersion_tokens(text, expected):
    assert dispersion(text) == expected


def test_cli_accounts_for_every_fixture_record(runner, tmp_path):
    from trialguard.cli import cli

    out = tmp_path / "out"
    result = runner.invoke(cli, ["validate", str(FIXTURES / "ctgov"), "--out", str(out), "--format", "json"])
    assert result.exit_code in (0, 1), result.output  # 1 once rules find the corpus' real discrepancies
    report = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    n = len(list((FIXTURES / "ctgov").rglob("*.json"))) + len(list((FIXTURES / "ctgov").rglob("*.xml")))
    assert report["records"] == {"read": n, "checked": n, "rejected": 0}
    assert [f for f in report["findings"] if f["rule"].startswith("TG0")] == []


def test_adverse_event_groups_come_from_event_groups():
    g = read_paths([str(FIXTURES / "ctgov" / "v2" / "NCT00544076.json")]).groups
    ae = g[g["block"] == "ae"]
    assert ae[["group_id", "title", "loc"]].values.tolist()[0] == [
        "EG000", "Sildenafil Citrate/Mo+Aprostadil/Day", "/resultsSection/adverseEventsModule/eventGroups/0"]
