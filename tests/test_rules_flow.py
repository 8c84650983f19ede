"""TG30x participant-flow rules on minimal datasets (violation and boundary) and on real corpus records."""

from __future__ import annotations

from rulekit import dataset, run

P = "/resultsSection/participantFlowModule/periods"


def ms(period, k, milestone, group, n, title="Overall Study", j=None):
    j = int(group[-1]) if j is None else j
    return {"period": period, "period_title": title, "kind": "milestone", "milestone": milestone, "group_id": group,
            "n": n, "n_text": str(n), "loc": f"{P}/{period}/milestones/{k}/achievements/{j}/numSubjects"}


def wd(period, k, reason, group, n, j=None):
    j = int(group[-1]) if j is None else j
    return {"period": period, "kind": "withdrawal", "milestone": reason, "group_id": group, "n": n,
            "n_text": str(n), "loc": f"{P}/{period}/dropWithdraws/{k}/reasons/{j}/numSubjects"}


def groups(*titles, block="flow", prefix="FG", ns=None):
    return [{"block": block, "group_id": f"{prefix}00{i}", "title": t, "n": None if ns is None else ns[i],
             "loc": f"/groups/{i}"} for i, t in enumerate(titles)]


def one_period(s, c, nc, group="FG000"):
    return [ms(0, 0, "STARTED", group, s), ms(0, 1, "COMPLETED", group, c), ms(0, 2, "NOT COMPLETED", group, nc)]


def test_conservation_violation_is_reported_exactly():
    ds = dataset(flow=one_period(94, 84, 9), groups=groups("Placebo"))
    f = run("TG301", ds)
    assert len(f) == 1
    row = f.iloc[0]
    assert row["message"] == "Period 1 'Overall Study', Placebo: STARTED 94, COMPLETED 84, NOT COMPLETED 9 (expected 10)"
    assert (row["rule"], row["severity"], row["trial_id"]) == ("TG301", "error", "NCT00000001")
    assert row["loc"] == f"{P}/0/milestones/2/achievements/0/numSubjects"
    assert (row["observed"], row["expected"]) == ("9", "10")
    assert row["evidence"]["fields"] == {f"{P}/0/milestones/0/achievements/0/numSubjects": 94,
                                         f"{P}/0/milestones/1/achievements/0/numSubjects": 84,
                                         f"{P}/0/milestones/2/achievements/0/numSubjects": 9}


def test_conservation_boundary_passes():
    ds = dataset(flow=one_period(94, 84, 10) + one_period(0, 0, 0, "FG001"), groups=groups("Placebo", "Drug"))
    assert run("TG301", ds).empty


def test_withdrawal_reasons_must_sum_to_not_completed():
    rows = one_period(20, 12, 8) + [wd(0, 0, "Adverse Event", "FG000", 3), wd(0, 1, "Lost to Follow-up", "FG000", 4)]
    f = run("TG302", dataset(flow=rows, groups=groups("Drug A")))
    assert f["message"].tolist() == ["Period 1 'Overall Study', Drug A: withdrawal reasons sum to 7, NOT COMPLETED 8"]
    assert f["loc"].tolist() == [f"{P}/0/milestones/2/achievements/0/numSubjects"]
    assert f.iloc[0]["evidence"]["fields"] == {f"{P}/0/milestones/2/achievements/0/numSubjects": 8,
                                               f"{P}/0/dropWithdraws/0/reasons/0/numSubjects": 3,
                                               f"{P}/0/dropWithdraws/1/reasons/0/numSubjects": 4}
    rows[-1] = wd(0, 1, "Lost to Follow-up", "FG000", 5)
    assert run("TG302", dataset(flow=rows, groups=groups("Drug A"))).empty


def test_group_without_reasons_counts_zero_but_periods_without_reasons_are_skipped():
    rows = (one_period(20, 12, 8) + one_period(10, 9, 1, "FG001")
            + [wd(0, 0, "Adverse Event", "FG000", 8)])
    f = run("TG302", dataset(flow=rows, groups=groups("A", "B")))
    assert f["message"].tolist() == ["Period 1 'Overall Study', B: withdrawal reasons sum to 0, NOT COMPLETED 1"]
    # a period that lists no reasons at all is not checked
    assert run("TG302", dataset(flow=one_period(20, 12, 8))).empty


def test_period_chain_compares_totals_and_tolerates_redefined_groups():
    p0 = one_period(100, 90, 10) + one_period(100, 95, 5, "FG001")
    # groups redefined in period 2 (crossover): per-group values differ but the totals agree -> nothing
    p1 = [ms(1, 0, "STARTED", "FG000", 185, "Extension"), ms(1, 0, "STARTED", "FG001", 0, "Extension")]
    assert run("TG303", dataset(flow=p0 + p1)).empty
    p1 = [ms(1, 0, "STARTED", "FG000", 183, "Extension"), ms(1, 0, "STARTED", "FG001", 0, "Extension")]
    f = run("TG303", dataset(flow=p0 + p1))
    assert f["message"].tolist() == ["Period 2 'Extension': 183 STARTED in total, but 185 COMPLETED period 1 'Overall Study'"]
    assert f["severity"].tolist() == ["warning"]
    assert f["loc"].tolist() == [f"{P}/1/milestones/0/achievements/0/numSubjects"]
    assert f.iloc[0]["evidence"]["fields"] == {f"{P}/0/milestones/1/achievements/0/numSubjects": 90,
                                               f"{P}/0/milestones/1/achievements/1/numSubjects": 95,
                                               f"{P}/1/milestones/0/achievements/0/numSubjects": 183,
                                               f"{P}/1/milestones/0/achievements/1/numSubjects": 0}


def test_custom_milestone_above_started():
    rows = [ms(0, 0, "STARTED", "FG002", 154), ms(0, 1, "Safety Population", "FG002", 155),
            ms(0, 2, "COMPLETED", "FG002", 134), ms(0, 3, "NOT COMPLETED", "FG002", 20)]
    f = run("TG304", dataset(flow=rows, groups=groups("A", "B", "Udenafil 150mg")))
    assert f["message"].tolist() == ["Period 1 'Overall Study', Udenafil 150mg: 'Safety Population' 155 exceeds STARTED 154"]
    assert f["loc"].tolist() == [f"{P}/0/milestones/1/achievements/2/numSubjects"]
    rows[1] = ms(0, 1, "Safety Population", "FG002", 154)
    assert run("TG304", dataset(flow=rows)).empty


def test_enrollment_vs_started():
    trial = [{"enrollment": 183, "enrollment_type": "ACTUAL", "loc": ""}]
    flow = one_period(90, 80, 10) + one_period(86, 80, 6, "FG001")
    f = run("TG305", dataset(trials=trial, flow=flow))
    assert f["message"].tolist() == ["Enrollment (ACTUAL) 183, but 176 STARTED period 1 'Overall Study'"]
    assert f.iloc[0]["evidence"]["fields"]["enrollment (ACTUAL)"] == 183
    assert run("TG305", dataset(trials=[{"enrollment": 176, "enrollment_type": "ACTUAL"}], flow=flow)).empty
    # an estimated enrollment is a plan, not a count
    assert run("TG305", dataset(trials=[{"enrollment": 183, "enrollment_type": "ESTIMATED"}], flow=flow)).empty


def test_baseline_n_vs_started_matches_groups_by_title_then_position():
    flow = one_period(94, 84, 10) + one_period(90, 80, 10, "FG001")
    g = groups("Drug", "Placebo") + groups("Placebo", "Drug", "Total", block="baseline", prefix="BG", ns=[94, 90, 184])
    g[-1]["is_total"] = True
    f = run("TG306", dataset(flow=flow, groups=g))
    assert f["message"].tolist() == ["Baseline 'Placebo' N 94, but 90 STARTED period 1 'Overall Study' in the flow group 'Placebo'",
                                     "Baseline 'Drug' N 90, but 94 STARTED period 1 'Overall Study' in the flow group 'Drug'"]
    assert f["loc"].tolist() == ["/groups/0", "/groups/1"]
    # titles that differ: matched by position
    g = groups("Arm A", "Arm B") + groups("A", "B", block="baseline", prefix="BG", ns=[94, 90])
    assert run("TG306", dataset(flow=flow, groups=g)).empty
    g = groups("Arm A", "Arm B") + groups("A", "B", block="baseline", prefix="BG", ns=[94, 89])
    assert run("TG306", dataset(flow=flow, groups=g))["observed"].tolist() == ["89"]


def test_baseline_more_than_started_is_a_warning_fewer_is_info():
    flow = one_period(94, 84, 10) + one_period(90, 80, 10, "FG001")
    g = groups("Drug", "Placebo") + groups("Drug", "Placebo", block="baseline", prefix="BG", ns=[96, 88])
    f = run("TG306", dataset(flow=flow, groups=g))
    assert list(zip(f["observed"], f["severity"])) == [("96", "warning"), ("88", "info")]


def test_baseline_of_an_arm_defined_in_a_later_period():
    # the arm has 0 in the screening period and starts in period 2 (NCT01026818's design)
    flow = [ms(0, 0, "STARTED", "FG000", 423, "Screening"), ms(0, 0, "STARTED", "FG001", 0, "Screening"),
            ms(1, 0, "STARTED", "FG000", 0, "Treatment"), ms(1, 0, "STARTED", "FG001", 139, "Treatment")]
    g = groups("Screening", "Tadalafil 5 mg") + groups("Tadalafil 5 mg", block="baseline", prefix="BG", ns=[139])
    assert run("TG306", dataset(flow=flow, groups=g)).empty


# ---------------------------------------------------------------- real records (fixtures/ctgov)

def test_corpus_flow_invariants_hold():
    from corpus import corpus_dataset, hits
    ds = corpus_dataset()
    assert (ds.flow["milestone"] == "NOT COMPLETED").sum() > 50  # the invariants were really exercised
    assert hits("TG301") == [] and hits("TG302") == [] and hits("TG304") == []


def test_corpus_no_custom_milestone_above_started_in_nct01037218():
    # NCT01037218 has STARTED 155 and 'Safety Population' 154 in 'Udenafil 150mg': consistent, so nothing
    from corpus import corpus_dataset
    f = corpus_dataset().flow
    f = f[(f["trial_id"] == "NCT01037218") & (f["group_id"] == "FG002") & (f["period"] == 0)]
    assert dict(zip(f["milestone"], f["n"]))["Safety Population"] == 154
    assert dict(zip(f["milestone"], f["n"]))["STARTED"] == 155


def test_corpus_enrollment_differences():
    from corpus import corpus_findings, hits
    first = "/resultsSection/participantFlowModule/periods/0/milestones/0/achievements/0"
    assert hits("TG305") == [("TG305", t, first) for t in ("NCT00301262", "NCT00544076", "NCT00904748", "NCT01298921")]
    f = corpus_findings()
    assert f[(f["rule"] == "TG305") & (f["trial_id"] == "NCT00301262")]["message"].tolist() == [
        "Enrollment (ACTUAL) 183, but 176 STARTED period 1 'Double Blind Phase (DB)'"]


def test_corpus_period_chain():
    from corpus import corpus_findings, hits
    p1 = "/resultsSection/participantFlowModule/periods/1/milestones/0/achievements/0"
    # NCT01026818 redefines its groups after screening (423 -> 139 + 143 + 141): not a finding
    assert hits("TG303") == [("TG303", "NCT00301262", p1), ("TG303", "NCT01130532", p1)]
    f = corpus_findings()
    assert f[f["rule"] == "TG303"]["message"].tolist() == [
        "Period 2 'Open Label Phase (OL)': 152 STARTED in total, but 153 COMPLETED period 1 'Double Blind Phase (DB)'",
        "Period 2 'Period IV (Weeks 13-16)': 562 STARTED in total, but 565 COMPLETED period 1 'Period III (Weeks 0-12)'"]


def test_corpus_baseline_n_is_never_above_started():
    from corpus import corpus_findings
    f = corpus_findings()
    f = f[f["rule"] == "TG306"]
    assert set(f["severity"]) == {"info"}
    assert sorted(f["trial_id"]) == ["NCT00023673", "NCT00931528", "NCT00931528", "NCT01298141"]
