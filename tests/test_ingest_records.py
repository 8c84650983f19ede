"""Curated records: schema rejections name the JSON pointer, values map to exact rows, dates become intervals."""

from __future__ import annotations

import json

import pytest

from trialguard.dates import date_interval
from trialguard.ingest import read_paths
from trialguard.quotes import find_quote, quote_in_text

ARTICLE = "In this study, a total of 12 patients received infusion.\nTen of the 12 patients were female (83.\n    3%).\n"

MINIMAL = """\
source:
  id: demo-1
  kind: journal
  title: A demo
  published: 2023-02-03
  text: demo-1.txt
trials:
  - id: NCT00000001
    modality: CAR-T
    targets: [CD19, BCMA]
    product: demo-cel
    conditions: [systemic lupus erythematosus, lymphoma]
    country: China
    quote: a total of 12 patients
    cohorts:
      - id: all
        n: 12
        parts_exhaustive: true
        quote: a total of 12 patients received infusion
        counts:
          - measure: sex
            category: female
            count: 10
            denom: 12
            percent: "83.3%"
            exclusive: true
            exhaustive: false
            quote: Ten of the 12 patients were female (83.3%)
        stats:
          - measure: age
            param: median
            value: 49.50
            range: [30, "67"]
            unit: years
            n: 12
            quote: a total of 12 patients
      - id: low
        parent: all
        n: over 3
        quote: a total of 12 patients
        doses:
          - dose: 0.5×106 CAR-T cells/kg
            quote: a total of 12 patients
    events:
      - event_type: treated
        cohort: low
        date: mid-September 2019
        quote: a total of 12 patients
      - event_type: cure
        date: nine months later
        indication: lupus
        quote: a total of 12 patients
events:
  - event_type: approval
    date: August 30, 2017
    product: Kymriah
    geography: United States
    quote: a total of 12 patients
claims:
  - kind: first
    event_type: treated
    trial: NCT00000001
    modality: CAR-T
    targets: [BCMA]
    indication: autoimmune diseases
    geography: world
    event_date: 2019-09
    quote: a total of 12 patients
  - kind: never_reported
    event_type: treated
    hedged: true
    date: "2024"
    quote: a total of 12 patients
"""


def read_record(tmp_path, text: str, name: str = "demo-1.yaml", article: str | None = ARTICLE):
    (tmp_path / name).write_text(text, encoding="utf-8")
    if article is not None:
        (tmp_path / "demo-1.txt").write_text(article, encoding="utf-8")
    return read_paths([str(tmp_path / name)])


def only_rejection(ds) -> tuple[str, str, str]:
    rej = ds.rejections
    assert ds.records.read == 1 and ds.records.rejected == 1 and len(rej) == 1
    row = rej.iloc[0]
    return row["rule"], row["loc"], row["message"]


def test_minimal_record_maps_to_exact_rows(tmp_path):
    ds = read_record(tmp_path, MINIMAL)
    assert (ds.records.read, ds.records.checked, ds.records.rejected) == (1, 1, 0)
    file = (tmp_path / "demo-1.yaml").as_posix()

    src = ds.sources.iloc[0]
    assert (src["source_id"], src["kind"], src["published"], src["published_lo"], src["published_hi"], src["loc"]) == (
        "demo-1", "journal", "2023-02-03", "2023-02-03", "2023-02-03", "/source")
    assert src["file"] == file

    groups = ds.groups[["trial_id", "block", "group_id", "n", "n_text", "parent", "parts_exhaustive", "loc"]]
    assert groups.astype(object).where(groups.notna(), None).values.tolist() == [
        ["NCT00000001", "cohort", "all", 12, "12", None, True, "/trials/0/cohorts/0"],
        ["NCT00000001", "cohort", "low", None, "over 3", "all", None, "/trials/0/cohorts/1"],
    ]

    c = ds.counts.iloc[0]
    assert (c["measure"], c["category"], c["group_id"], c["count"], c["count_text"], c["denom"], c["percent_text"],
            c["exclusive"], c["exhaustive"], c["loc"]) == (
        "sex", "female", "all", 10, "10", 12, "83.3", True, False, "/trials/0/cohorts/0/counts/0")

    s = ds.stats.iloc[0]
    assert (s["param"], s["value"], s["value_text"], s["lower_text"], s["upper_text"], s["lower"], s["upper"],
            s["dispersion"], s["unit"], s["n"]) == ("median", 49.5, "49.50", "30", "67", 30.0, 67.0,
                                                    "full_range", "years", 12)

    d = ds.doses.iloc[0]
    assert (d["group_id"], d["raw"], d["loc"]) == ("low", "0.5×106 CAR-T cells/kg", "/trials/0/cohorts/1/doses/0")


def test_events_carry_intervals_and_the_trial_scope(tmp_path):
    ev = read_record(tmp_path, MINIMAL).events
    cols = ["trial_id", "group_id", "event_type", "date_text", "date_lo", "date_hi", "modality", "targets",
            "product", "indication", "geography", "loc"]
    rows = ev[cols].astype(object).where(ev[cols].notna(), None).values.tolist()
    assert rows == [
        ["NCT00000001", "low", "treated", "mid-September 2019", "2019-09-11", "2019-09-20", "CAR-T", "CD19 BCMA",
         "demo-cel", "systemic lupus erythematosus; lymphoma", "China", "/trials/0/events/0"],
        ["NCT00000001", "", "cure", "nine months later", None, None, "CAR-T", "CD19 BCMA", "demo-cel", "lupus",
         "China", "/trials/0/events/1"],
        ["", "", "approval", "August 30, 2017", "2017-08-30", "2017-08-30", None, None, "Kymriah", None,
         "United States", "/events/0"],
    ]


def test_claims_take_the_source_date_unless_they_state_their_own(tmp_path):
    cl = read_record(tmp_path, MINIMAL).claims
    cols = ["trial_id", "kind", "event_type", "modality", "targets", "indication", "geography", "claim_date",
            "claim_date_lo", "claim_date_hi", "event_date_lo", "event_date_hi", "hedged", "loc"]
    rows = cl[cols].astype(object).where(cl[cols].notna(), None).values.tolist()
    assert rows == [
        ["NCT00000001", "first", "treated", "CAR-T", "BCMA", "autoimmune diseases", "world", "2023-02-03",
         "2023-02-03", "2023-02-03", "2019-09-01", "2019-09-30", False, "/claims/0"],
        ["", "never_reported", "treated", None, None, None, None, "2024", "2024-01-01", "2024-12-31", None, None,
         True, "/claims/1"],
    ]


def test_article_text_is_read_from_beside_the_record(tmp_path):
    texts = read_record(tmp_path, MINIMAL).texts
    assert texts[["field", "text", "loc", "source_id"]].values.tolist() == [["article", ARTICLE, "/source/text",
                                                                           "demo-1"]]


def test_json_record_is_read_like_yaml(tmp_path):
    rec = {"source": {"id": "demo-1", "kind": "press"},
           "trials": [{"id": "T1", "cohorts": [{"id": "all", "n": 5, "quote": "five"}]}]}
    ds = read_record(tmp_path, json.dumps(rec), name="demo-1.json", article=None)
    assert ds.records.checked == 1
    assert ds.groups[["trial_id", "group_id", "n"]].values.tolist() == [["T1", "all", 5]]


@pytest.mark.parametrize(("edit", "rule", "loc", "message"), [
    (("  id: demo-1\n", ""), "TG005", "/source", "source record has no source.id"),
    (("        n: 12\n", "        n: [12]\n"), "TG006", "/trials/0/cohorts/0/n",
     "source demo-1: /trials/0/cohorts/0/n: [12] is not in the expected form (An integer, or the words as "
     "written when inexact (\"over 30\", \"approximately 20\", \"All\").)"),
    (("  kind: journal\n", "  kind: blog\n"), "TG006", "/source/kind",
     "source demo-1: /source/kind: 'blog' is not one of: registry, journal, conference, press, news"),
    (("        n: 12\n", "        n: 12\n        size: 12\n"), "TG006", "/trials/0/cohorts/0/size",
     "source demo-1: /trials/0/cohorts/0/size: unknown key 'size' (allowed: counts, doses, id, n, note, "
     "parent, parts_exhaustive, quote, stats, title)"),
    (('percent: "83.3%"', 'percent: "83.3"'), "TG006", "/trials/0/cohorts/0/counts/0/percent",
     "source demo-1: /trials/0/cohorts/0/counts/0/percent: '83.3' is not in the expected form (A percentage "
     "exactly as written, with its decimals: \"83.3%\", \"58%\".)"),
    (("    modality: CAR-T\n    targets", "    modality: [CAR-T]\n    targets"), "TG006", "/trials/0/modality",
     "source demo-1: /trials/0/modality: expected string, found list ['CAR-T']"),
    (("            quote: Ten of", "            note: Ten of"), "TG006", "/trials/0/cohorts/0/counts/0",
     "source demo-1: /trials/0/cohorts/0/counts/0: missing required key 'quote'"),
    (("        parent: all\n", "        parent: everyone\n"), "TG006", "/trials/0/cohorts/1/parent",
     "source demo-1: /trials/0/cohorts/1/parent: no cohort 'everyone' in trial NCT00000001"),
    (("    trial: NCT00000001\n", "    trial: NCT9\n"), "TG006", "/claims/0/trial",
     "source demo-1: /claims/0/trial: no trial 'NCT9' in this record"),
    (("  text: demo-1.txt\n", "  text: ../demo-1.txt\n"), "TG006", "/source/text",
     "source demo-1: /source/text: '../demo-1.txt' is not in the expected form (File name of the article "
     "text, in the record's folder.)"),
    (("  text: demo-1.txt\n", "  text: missing.txt\n"), "TG006", "/source/text",
     "source demo-1: /source/text: no file 'missing.txt' beside the record"),
])
def test_bad_records_are_rejected_with_the_pointer(tmp_path, edit, rule, loc, message):
    old, new = edit
    assert old in MINIMAL
    ds = read_record(tmp_path, MINIMAL.replace(old, new, 1))
    assert only_rejection(ds) == (rule, loc, message)
    assert len(ds.groups) == len(ds.counts) == len(ds.sources) == 0


def test_float_in_json_is_rejected_with_advice(tmp_path):
    rec = {"source": {"id": "demo-1", "kind": "press"},
           "trials": [{"id": "T1", "cohorts": [{"id": "all", "stats": [
               {"measure": "age", "param": "median", "value": 49.5, "quote": "q"}]}]}]}
    ds = read_record(tmp_path, json.dumps(rec), name="demo-1.json", article=None)
    rule, loc, message = only_rejection(ds)
    assert (rule, loc) == ("TG006", "/trials/0/cohorts/0/stats/0/value")
    assert message.endswith("49.5 is not in the expected form (write decimals as quoted text (\"49.5\") so their "
                            "digits are kept)")


def test_cohort_cycle_is_rejected(tmp_path):
    text = MINIMAL.replace("        parts_exhaustive: true\n", "        parent: low\n", 1)
    assert only_rejection(read_record(tmp_path, text))[1:] == (
        "/trials/0/cohorts/0/parent", "source demo-1: /trials/0/cohorts/0/parent: cohort 'all' is part of itself")


def test_a_bad_record_does_not_stop_the_next(tmp_path):
    (tmp_path / "a.yaml").write_text(MINIMAL.replace("kind: journal", "kind: blog"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(MINIMAL.replace("id: demo-1", "id: demo-2").replace("  text: demo-1.txt\n", ""),
                                     encoding="utf-8")
    ds = read_paths([str(tmp_path)])
    assert (ds.records.read, ds.records.checked, ds.records.rejected) == (2, 1, 1)
    assert ds.sources["source_id"].tolist() == ["demo-2"]


@pytest.mark.parametrize(("text", "expected"), [
    ("2019", ("2019-01-01", "2019-12-31")),
    ("2019-09", ("2019-09-01", "2019-09-30")),
    ("September 2019", ("2019-09-01", "2019-09-30")),
    ("Sept. 2019", ("2019-09-01", "2019-09-30")),
    ("mid-September 2019", ("2019-09-11", "2019-09-20")),
    ("early September 2019", ("2019-09-01", "2019-09-10")),
    ("late February 2020", ("2020-02-21", "2020-02-29")),
    ("late February 2021", ("2021-02-21", "2021-02-28")),
    ("mid-2019", ("2019-05-01", "2019-08-31")),
    ("2022-03-20", ("2022-03-20", "2022-03-20")),
    ("March 20, 2022", ("2022-03-20", "2022-03-20")),
    ("14 February 2021", ("2021-02-14", "2021-02-14")),
    ("2022 Sep 15", ("2022-09-15", "2022-09-15")),
    ("Tuesday, January 14, 2025", ("2025-01-14", "2025-01-14")),
    ("2022-03-20/2025-01-14", ("2022-03-20", "2025-01-14")),
    ("December 2019/2020", ("2019-12-01", "2020-12-31")),
])
def test_date_intervals(text, expected):
    assert date_interval(text) == expected


@pytest.mark.parametrize("text", ["nine months later", "February 30, 2021", "2019-13", "Smarch 2019",
                                  "2025-01-14/2022-03-20", "", None, "1/2/3"])
def test_unreadable_dates_have_no_interval(text):
    assert date_interval(text) is None


def test_quotes_match_across_line_breaks_inside_numbers():
    assert quote_in_text("Ten of the 12 patients were female (83.3%)", ARTICLE)
    start, end = find_quote("female (83.3%)", ARTICLE)
    assert ARTICLE[start:end] == "female (83.\n    3%)"
    assert not quote_in_text("Ten of the 12 patients were male", ARTICLE)
    assert find_quote("   ", ARTICLE) is None


def test_documented_example_is_a_valid_record_quoting_its_article(tmp_path):
    from conftest import FIXTURES, ROOT

    doc = (ROOT / "docs" / "record-format.md").read_text("utf-8")
    example = doc.split("## A complete example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    article = (FIXTURES / "seeds" / "003_4e21d2fb698166af.txt").read_text("utf-8")
    (tmp_path / "003_4e21d2fb698166af.txt").write_text(article, encoding="utf-8")
    (tmp_path / "example.yaml").write_text(example, encoding="utf-8")
    ds = read_paths([str(tmp_path / "example.yaml")])
    assert (ds.records.checked, ds.records.rejected) == (1, 0)
    assert all(quote_in_text(q, article) for t in ("groups", "counts", "stats", "events", "claims")
               for q in ds.tables[t]["quote"])
    assert ds.counts["percent_text"].tolist() == ["83.3", "58"]
