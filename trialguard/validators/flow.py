"""TG30x: participant flow — every participant who starts a period either completes it or does not.

The flow table has one row per milestone (STARTED, custom milestones, COMPLETED, NOT COMPLETED) or withdrawal
reason, per period and group. The checks pivot it to one row per (record, period, group) and compare columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialguard.dataset import Dataset
from trialguard.findings import Severity, emit
from trialguard.keys import first_per_key, joint_key_codes, key_codes, rows_where
from trialguard.validators.derived import per_chunk
from trialguard.validators.distinct import per_distinct
from trialguard.validators.evidence import fields, fields_by, with_fields
from trialguard.validators.groupagg import named_agg
from trialguard.validators.groupmatch import match_groups
from trialguard.validators.registry import rule

CELL = ["trial_id", "source_id", "period", "group_id"]
STANDARD = ("STARTED", "COMPLETED", "NOT COMPLETED")


@per_chunk("flow")
def _milestones(ds: Dataset) -> pd.DataFrame:
    """Milestone rows with a count and their normalised name (read by flow_cells and TG304)."""
    f = ds.flow
    m = rows_where(f, (per_distinct(f["kind"], lambda k: k.fillna("milestone").str.lower()) == "milestone")
                   & f["n"].notna())
    m["ms"] = per_distinct(m["milestone"],
                           lambda s: s.fillna("").str.strip().str.upper().str.replace("_", " ", regex=False))
    return m


def _group_titles(ds: Dataset, block: str) -> pd.DataFrame:
    groups = ds.groups
    key = ["trial_id", "source_id", "group_id"]
    return first_per_key(rows_where(groups[key + ["title"]], groups["block"] == block), key)


def _period(number: pd.Series, title: pd.Series, word: str = "Period") -> pd.Series:
    """"Period 2 'Extension'" (or just "Period 2" when untitled) for a period's `number` as the registry counts."""
    label = word + " " + number.astype("Int64").astype(str)
    title = title.fillna("")
    return label.where(title == "", label + " '" + title + "'")


def _label(df: pd.DataFrame) -> pd.Series:
    """'Period 1 'Overall Study', Placebo' — how a curator finds the cell in the registry's flow table."""
    title = df["title"].fillna("").where(df["title"].fillna("") != "", df["group_id"].fillna(""))
    return _period(df["period"] + 1, df["period_title"]) + ", " + title


@per_chunk("flow", "groups")
def flow_cells(ds: Dataset) -> pd.DataFrame:
    """One row per (record, period, group): n and loc of STARTED, COMPLETED and NOT COMPLETED (computed once per
    chunk: six rules start from it)."""
    m = _milestones(ds)
    # Number the cells once; each standard milestone's first row per cell is then placed by that number
    # (what a left merge per milestone on the cell key did, without three merges on four key columns).
    cell = pd.factorize(key_codes(m, CELL))[0]  # numbered in order of appearance, missing keys kept
    first = ~pd.Series(cell).duplicated().to_numpy()
    base = m.loc[first, CELL + ["file", "period_title"]].reset_index(drop=True)
    slot = np.zeros(cell.max() + 1 if len(cell) else 0, dtype=np.int64)
    slot[cell[first]] = np.arange(len(base))
    ms = m["ms"].to_numpy()
    for name, tag in zip(STANDARD, ("s", "c", "nc")):
        rows = np.flatnonzero(ms == name)
        rows = rows[~pd.Series(cell[rows]).duplicated().to_numpy()]
        src = np.full(len(base), -1)  # the row of each cell holding this milestone, -1 for none
        src[slot[cell[rows]]] = rows
        for col, out in (("n", tag), ("loc", f"loc_{tag}")):
            base[out] = m[col].array.take(src, allow_fill=True)
    # each cell's group title: a look-up of its (trial, source, group) among the flow groups, listed once each
    titles = _group_titles(ds, "flow")
    cells, groups = joint_key_codes([base, titles], ["trial_id", "source_id", "group_id"])
    base["title"] = titles["title"].array.take(pd.Index(groups).get_indexer(cells), allow_fill=True)
    base["label"] = _label(base)
    return base


@rule("TG301", "flow-not-conserved", Severity.ERROR,
      summary="STARTED minus COMPLETED is not NOT COMPLETED in a period and group of the participant flow.",
      rationale="Everyone who starts a period either completes it or does not: NOT COMPLETED = STARTED - "
                "COMPLETED, for every period and group.",
      example="Period 1 'Overall Study', Placebo: STARTED 94, COMPLETED 84, NOT COMPLETED 9 (expected 10)",
      tables=("flow",))
def flow_not_conserved(ds: Dataset) -> pd.DataFrame:
    c = flow_cells(ds)
    bad = c[c["s"].notna() & c["c"].notna() & c["nc"].notna()]
    bad = bad[(bad["s"] - bad["c"]) != bad["nc"]].copy()
    if bad.empty:
        return emit(bad, message="")
    bad["loc"] = bad["loc_nc"]
    expected = (bad["s"] - bad["c"]).astype(str)
    msg = (bad["label"] + ": STARTED " + bad["s"].astype(str) + ", COMPLETED " + bad["c"].astype(str)
           + ", NOT COMPLETED " + bad["nc"].astype(str) + " (expected " + expected + ")")
    ev = fields((bad["loc_s"], bad["s"]), (bad["loc_c"], bad["c"]), (bad["loc_nc"], bad["nc"]))
    return emit(bad, message=msg, observed=bad["nc"].astype(str), expected=expected, evidence=ev)


@rule("TG302", "withdrawal-reasons-not-summing", Severity.ERROR,
      summary="The reasons for not completing a period do not add up to NOT COMPLETED.",
      rationale="Withdrawal reasons partition the participants who did not complete: sum(reasons) = NOT COMPLETED "
                "per period and group (checked in periods that list reasons; a group without a reason row counts 0).",
      example="Period 1 'Overall Study', Drug A: withdrawal reasons sum to 7, NOT COMPLETED 8",
      tables=("flow",))
def withdrawal_reasons_not_summing(ds: Dataset) -> pd.DataFrame:
    f = ds.flow
    w = f[(per_distinct(f["kind"], lambda k: k.fillna("").str.lower()) == "withdrawal")]
    if w.empty:
        return emit(w, message="")
    sums = named_agg(w.assign(n0=w["n"].fillna(0)).groupby(CELL, sort=False, dropna=False),
                     reasons=("n0", "sum"), nreasons=("n", "size")).reset_index()
    periods = w[["trial_id", "source_id", "period"]].drop_duplicates()
    c = flow_cells(ds).merge(periods, on=["trial_id", "source_id", "period"])
    c = c[c["nc"].notna()].merge(sums, on=CELL, how="left")
    c["reasons"] = c["reasons"].fillna(0).astype("int64")
    bad = c[c["reasons"] != c["nc"].astype("int64")].copy()
    if bad.empty:
        return emit(bad, message="")
    bad["loc"] = bad["loc_nc"]
    msg = (bad["label"] + ": withdrawal reasons sum to " + bad["reasons"].astype(str) + ", NOT COMPLETED "
           + bad["nc"].astype(str))
    reasons = fields_by(w.merge(bad[CELL], on=CELL), CELL, "loc", "n")
    ev = with_fields(bad, CELL, reasons, first=[f["fields"] for f in fields((bad["loc_nc"], bad["nc"]))])
    return emit(bad, message=msg, observed=bad["reasons"].astype(str), expected=bad["nc"].astype(str),
                evidence=ev)


@rule("TG303", "period-start-not-previous-completed", Severity.WARNING,
      summary="Fewer or more participants start a period than completed the period before it.",
      rationale="Participants flow from one period into the next: total STARTED(k) = total COMPLETED(k-1). "
                "Groups may be legitimately redefined between periods (crossover, re-randomisation), so only "
                "the period totals are compared; a mismatch is a warning.",
      example="Period 2 'Extension': 562 STARTED in total, but 565 COMPLETED period 1 'Double-blind'",
      tables=("flow",))
def period_start_not_previous_completed(ds: Dataset) -> pd.DataFrame:
    c = flow_cells(ds)
    key = ["trial_id", "source_id", "period"]
    sums = c.groupby(key, sort=False)[["s", "c"]].sum(min_count=1)
    tot = sums.rename(columns={"s": "s_tot", "c": "c_tot"}).reset_index()
    # each period's total beside the previous period's of the same record: a look-up on integer codes
    period = tot["period"].to_numpy(dtype="int64")
    span = int(period.max() - period.min()) + 2 if len(tot) else 1
    at = key_codes(tot, ["trial_id", "source_id"]) * span + (period - (period.min() if len(tot) else 0))
    before = pd.Index(at).get_indexer(at - 1)  # (record, period - 1); the first period finds nothing
    cur = tot.loc[before >= 0, key + ["s_tot"]].reset_index(drop=True)
    cur["prev_c"] = tot["c_tot"].array.take(before[before >= 0])
    cur = cur[cur["s_tot"].notna() & cur["prev_c"].notna() & (cur["s_tot"] != cur["prev_c"])]
    if cur.empty:
        return emit(cur.assign(file="", loc=""), message="")
    c = c[c["trial_id"].isin(cur["trial_id"])]  # only the trials with a mismatch are described
    cells = c.merge(cur, on=key)
    pc = c[CELL + ["c", "loc_c", "period_title"]].rename(columns={"c": "c_prev", "loc_c": "loc_c_prev",
                                                                     "period_title": "ptitle_prev"})
    pc["period"] = pc["period"] + 1
    cells = cells.merge(pc, on=CELL, how="left")
    cells["differs"] = cells["s"].fillna(-1) != cells["c_prev"].fillna(-1)
    cells = cells.sort_values(key + ["differs"], ascending=[True, True, True, False], kind="mergesort")
    first = cells.drop_duplicates(key).copy()
    first["loc"] = first["loc_s"]
    plabel = _period(first["period"] + 1, first["period_title"])
    prev_label = _period(first["period"], first["ptitle_prev"], "period")
    msg = (plabel + ": " + first["s_tot"].astype("Int64").astype(str) + " STARTED in total, but "
           + first["prev_c"].astype("Int64").astype(str) + " COMPLETED " + prev_label)
    prev_fields = fields_by(cells, key, "loc_c_prev", "c_prev")
    cur_fields = fields_by(cells, key, "loc_s", "s")
    ev = with_fields(first, key, cur_fields, first=[prev_fields.get(k, {}) for k in
                                                     first[key].itertuples(index=False, name=None)])
    return emit(first, message=msg, observed=first["s_tot"].astype("Int64").astype(str),
                expected=first["prev_c"].astype("Int64").astype(str), evidence=ev)


@rule("TG304", "milestone-exceeds-started", Severity.ERROR,
      summary="A milestone of a period counts more participants than STARTED the period.",
      rationale="Milestones (custom ones such as 'Received at Least 1 Dose', COMPLETED, NOT COMPLETED) count "
                "participants among those who started the period: milestone <= STARTED.",
      example="Period 1 'Overall Study', Udenafil 150mg: 'Safety Population' 155 exceeds STARTED 154",
      tables=("flow",))
def milestone_exceeds_started(ds: Dataset) -> pd.DataFrame:
    m = _milestones(ds)
    started = m[m["ms"] == "STARTED"].drop_duplicates(CELL)[CELL + ["n", "loc"]].rename(
        columns={"n": "s", "loc": "loc_s"})
    other = m[m["ms"] != "STARTED"].merge(started, on=CELL)
    bad = other[other["n"] > other["s"]].copy()
    if bad.empty:
        return emit(bad, message="")
    bad = bad.merge(_group_titles(ds, "flow"), on=["trial_id", "source_id", "group_id"], how="left")
    msg = (_label(bad) + ": '" + bad["milestone"].fillna("") + "' " + bad["n"].astype(str) + " exceeds STARTED "
           + bad["s"].astype(str))
    ev = fields((bad["loc_s"], bad["s"]), (bad["loc"], bad["n"]))
    return emit(bad, message=msg, observed=bad["n"].astype(str), expected="<= " + bad["s"].astype(str),
                evidence=ev)


def _first_period_started(ds: Dataset) -> pd.DataFrame:
    c = flow_cells(ds)
    c = c[c["s"].notna()]
    first = c.groupby(["trial_id", "source_id"], sort=False)["period"].transform("min")
    return c[c["period"] == first]


@rule("TG305", "enrollment-differs-from-started", Severity.WARNING,
      summary="The actual enrollment differs from the number who STARTED the first period of the flow.",
      rationale="An ACTUAL enrollment counts the participants enrolled; the participant flow's first period "
                "STARTED counts them too: enrollment = sum over groups of STARTED(first period). Differences happen "
                "(enrollment counted at consent, flow at randomisation), so this is a warning.",
      example="Enrollment (ACTUAL) 183, but 176 STARTED period 1 'Overall Study'",
      tables=("trials", "flow"))
def enrollment_differs_from_started(ds: Dataset) -> pd.DataFrame:
    t = ds.trials
    t = t[t["enrollment"].notna() & (t["enrollment_type"].fillna("").str.upper() == "ACTUAL")]
    fp = _first_period_started(ds)
    tot = named_agg(fp.groupby(["trial_id", "source_id"], sort=False),
        started=("s", "sum"), period=("period", "first"), period_title=("period_title", "first"),
        loc=("loc_s", "first"), file=("file", "first")).reset_index()
    j = tot.merge(t[["trial_id", "source_id", "enrollment", "loc"]].rename(columns={"loc": "loc_t"}),
                  on=["trial_id", "source_id"])
    bad = j[j["enrollment"] != j["started"]].copy()
    if bad.empty:
        return emit(bad, message="")
    plabel = _period(bad["period"] + 1, bad["period_title"], "period")
    msg = ("Enrollment (ACTUAL) " + bad["enrollment"].astype(str) + ", but " + bad["started"].astype(str)
           + " STARTED " + plabel)
    cells = fp.merge(bad[["trial_id", "source_id"]], on=["trial_id", "source_id"])
    started = fields_by(cells, ["trial_id", "source_id"], "loc_s", "s")
    ev = with_fields(bad, ["trial_id", "source_id"], started,
                     first=[{"enrollment (ACTUAL)": int(e)} for e in bad["enrollment"]])
    return emit(bad, message=msg, observed=bad["enrollment"].astype(str), expected=bad["started"].astype(str),
                evidence=ev)


def _arm_started(ds: Dataset) -> pd.DataFrame:
    """Per flow group, STARTED in the first period the group has participants (0 in earlier periods happens
    when an arm is only defined from a later period on)."""
    c = flow_cells(ds)
    c = c[c["s"].notna() & (c["s"] > 0)].sort_values("period", kind="mergesort")
    return first_per_key(c, ["trial_id", "source_id", "group_id"])


@rule("TG306", "baseline-n-differs-from-started", Severity.WARNING,
      summary="A baseline group's number of participants differs from the number who STARTED that arm.",
      rationale="The baseline describes the participants who started the arm: baseline N(arm) = STARTED(arm) in "
                "the first period the arm has participants. Arms are matched across modules by title, else by "
                "position. More at baseline than started is a warning; fewer is common (the baseline may describe "
                "an analysis population such as those treated) and is info.",
      example="Baseline 'Placebo' N 96, but 94 STARTED period 1 'Overall Study' in the flow group 'Placebo'",
      tables=("groups", "flow"))
def baseline_n_differs_from_started(ds: Dataset) -> pd.DataFrame:
    pairs = match_groups(ds.groups, "flow", "baseline")
    fp = _arm_started(ds)[["trial_id", "source_id", "group_id", "s", "loc_s", "file", "period",
                           "period_title"]].rename(columns={"group_id": "group_a"})
    j = pairs.merge(fp, on=["trial_id", "source_id", "group_a"])
    j = j[j["n_b"].notna()]
    bad = j[j["n_b"] != j["s"]].copy()
    if bad.empty:
        return emit(bad, message="")
    bad["loc"] = bad["loc_b"]
    plabel = _period(bad["period"] + 1, bad["period_title"], "period")
    msg = ("Baseline '" + bad["title_b"].fillna("") + "' N " + bad["n_b"].astype(str) + ", but "
           + bad["s"].astype(str) + " STARTED " + plabel + " in the flow group '" + bad["title_a"].fillna("") + "'")
    sev = pd.Series("info", index=bad.index).mask(bad["n_b"] > bad["s"], "warning")
    ev = fields((bad["loc_b"], bad["n_b"]), (bad["loc_s"], bad["s"]))
    return emit(bad, message=msg, observed=bad["n_b"].astype(str), expected=bad["s"].astype(str), evidence=ev,
                severity=sev)
