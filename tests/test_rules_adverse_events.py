"""TG32x adverse-event rules on minimal datasets (violation and boundary) and on real corpus records."""

from __future__ import annotations

from rulekit import dataset, run

AE = "/resultsSection/adverseEventsModule"


def term(k, group, affected, at_risk, events=None, serious=True, name="Anaemia"):
    kind = "seriousEvents" if serious else "otherEvents"
    return {"kind": "term", "serious": serious, "term": name, "group_id": group, "affected": affected,
            "at_risk": at_risk, "events": events, "loc": f"{AE}/{kind}/{k}/stats/{int(group[-1])}"}


def total(group, affected, at_risk, serious=True):
    kind = "serious" if serious else "other"
    return {"kind": "total", "serious": serious, "group_id": group, "affected": affected, "at_risk": at_risk,
            "loc": f"{AE}/eventGroups/{int(group[-1])}/{kind}NumAffected"}


AE_GROUPS = [{"block": "ae", "group_id": "EG000", "title": "Placebo", "loc": f"{AE}/eventGroups/0"},
             {"block": "ae", "group_id": "EG001", "title": "Drug A", "loc": f"{AE}/eventGroups/1"}]


def test_affected_above_at_risk():
    f = run("TG320", dataset(adverse_events=[term(0, "EG000", 5, 4)], groups=AE_GROUPS))
    assert f["message"].tolist() == ["Serious adverse events, Placebo, Anaemia: 5 affected of 4 at risk"]
    assert f["loc"].tolist() == [f"{AE}/seriousEvents/0/stats/0"]
    assert (f.iloc[0]["observed"], f.iloc[0]["expected"]) == ("5", "<= 4")
    deaths = {"kind": "deaths", "group_id": "EG001", "affected": 3, "at_risk": 2, "loc": f"{AE}/eventGroups/1"}
    assert run("TG320", dataset(adverse_events=[deaths], groups=AE_GROUPS))["message"].tolist() == [
        "Deaths, Drug A: 3 affected of 2 at risk"]
    assert run("TG320", dataset(adverse_events=[term(0, "EG000", 4, 4), total("EG000", 4, 4)])).empty


def test_events_below_affected():
    f = run("TG321", dataset(adverse_events=[term(0, "EG001", 5, 40, events=3, serious=False, name="Headache")],
                             groups=AE_GROUPS))
    assert f["message"].tolist() == ["Other adverse events, Drug A, Headache: 3 events in 5 affected participants"]
    assert run("TG321", dataset(adverse_events=[term(0, "EG001", 5, 40, events=5)])).empty
    assert run("TG321", dataset(adverse_events=[term(0, "EG001", 5, 40, events=None)])).empty


def test_term_above_group_total():
    rows = [total("EG000", 4, 40), term(0, "EG000", 6, 40), term(1, "EG000", 4, 40, name="Fall"),
            total("EG000", 9, 40, serious=False)]
    f = run("TG322", dataset(adverse_events=rows, groups=AE_GROUPS))
    assert f["message"].tolist() == [
        "Serious adverse events, Placebo, Anaemia: 6 affected, but 4 in the group had any serious adverse event"]
    assert f.iloc[0]["evidence"]["fields"] == {f"{AE}/seriousEvents/0/stats/0/numAffected": 6,
                                               f"{AE}/eventGroups/0/seriousNumAffected": 4}


def test_term_at_risk_vs_group_total():
    rows = [total("EG001", 4, 80, serious=False), term(0, "EG001", 2, 40, serious=False, name="Ovarian cyst"),
            term(1, "EG001", 2, 81, serious=False, name="Rash"), term(2, "EG001", 2, 80, serious=False, name="Cough")]
    f = run("TG323", dataset(adverse_events=rows, groups=AE_GROUPS))
    assert f["message"].tolist() == ["Other adverse events, Drug A, Ovarian cyst: 40 at risk, but the group total is 80 at risk",
                                     "Other adverse events, Drug A, Rash: 81 at risk, but the group total is 80 at risk"]
    assert f["severity"].tolist() == ["warning", "error"]


def test_at_risk_above_started_matches_groups_by_title():
    flow = [{"period": 0, "kind": "milestone", "milestone": "STARTED", "group_id": g, "n": n,
             "loc": f"/flow/{g}"} for g, n in (("FG000", 50), ("FG001", 94))]
    groups = [{"block": "flow", "group_id": "FG000", "title": "Drug A"},
              {"block": "flow", "group_id": "FG001", "title": "Placebo"}] + AE_GROUPS
    rows = [total("EG000", 10, 96), total("EG000", 30, 96, serious=False), total("EG001", 10, 50)]
    f = run("TG324", dataset(adverse_events=rows, groups=groups, flow=flow))
    assert f["message"].tolist() == ["Adverse events group 'Placebo': 96 at risk, but 94 STARTED the flow group 'Placebo'"]
    assert f["loc"].tolist() == [f"{AE}/eventGroups/0/seriousNumAffected"]
    rows[0], rows[1] = total("EG000", 10, 94), total("EG000", 30, 94, serious=False)
    assert run("TG324", dataset(adverse_events=rows, groups=groups, flow=flow)).empty


def test_term_is_compared_with_the_largest_total_of_its_group():
    # legacy XML lists "Total, all-cause mortality" (6) next to "Total, serious adverse events" (74)
    rows = [total("EG000", 6, 167), total("EG000", 74, 167), term(0, "EG000", 7, 167)]
    assert run("TG322", dataset(adverse_events=rows)).empty


# ---------------------------------------------------------------- real records (fixtures/ctgov)

def test_corpus_adverse_event_invariants_hold():
    from corpus import corpus_dataset, hits
    from trialguard.validators.groupmatch import match_groups
    ds = corpus_dataset()
    assert (ds.adverse_events["kind"] == "term").sum() > 500
    matched = set(match_groups(ds.groups, "flow", "ae")["trial_id"])  # at-risk vs STARTED was really compared
    assert {"NCT00023673", "NCT00739752", "NCT01065844", "NCT01298141"} <= matched
    for code in ("TG320", "TG321", "TG322", "TG323", "TG324"):
        assert hits(code) == [], code


def test_at_risk_is_not_compared_with_a_crossover_sequence():
    # NCT02495467: flow groups are sequences, adverse-event groups treatments; positions must not pair them
    flow = [{"period": 0, "kind": "milestone", "milestone": "STARTED", "group_id": g, "n": n, "loc": f"/flow/{g}"}
            for g, n in (("FG000", 114), ("FG001", 118))]
    groups = [{"block": "flow", "group_id": "FG000", "title": "MED Placebo Then MED2005"},
              {"block": "flow", "group_id": "FG001", "title": "MED2005 Then MED Placebo"},
              {"block": "ae", "group_id": "EG000", "title": "MED Placebo"},
              {"block": "ae", "group_id": "EG001", "title": "MED2005"}]
    rows = [total("EG000", 10, 227), total("EG001", 12, 229)]
    assert run("TG324", dataset(adverse_events=rows, groups=groups, flow=flow)).empty


def test_evidence_points_at_the_affected_and_at_risk_values():
    f = run("TG320", dataset(adverse_events=[term(0, "EG000", 5, 4), total("EG001", 9, 8, serious=False)]))
    assert [e["fields"] for e in f["evidence"]] == [
        {f"{AE}/eventGroups/1/otherNumAffected": 9, f"{AE}/eventGroups/1/otherNumAtRisk": 8},
        {f"{AE}/seriousEvents/0/stats/0/numAffected": 5, f"{AE}/seriousEvents/0/stats/0/numAtRisk": 4}]
