"""TG32x: adverse events — participants affected are among those at risk, and terms are parts of group totals.

The adverse_events table has one row per term and group (kind "term"), per group total of serious / other
events (kind "total") and per group count of deaths (kind "deaths").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialguard.dataset import Dataset
from trialguard.findings import Severity, emit
from trialguard.keys import key_codes, largest_per_key
from trialguard.validators.derived import per_chunk
from trialguard.validators.distinct import per_distinct
from trialguard.validators.evidence import fields
from trialguard.validators.flow import flow_cells
from trialguard.validators.groupmatch import match_groups
from trialguard.validators.registry import rule

GROUP = ["trial_id", "source_id", "serious", "group_id"]
V2_FIELD = {"affected": "numAffected", "at_risk": "numAtRisk", "events": "numEvents"}
XML_FIELD = {"affected": "@subjects_affected", "at_risk": "@subjects_at_risk", "events": "@events"}


def pointer(loc: pd.Series, field: str) -> pd.Series:
    """Where `field` (affected, at_risk, events) of an adverse-event row is: a v2 group total's loc already names
    its `...NumAffected` key, a v2 term's loc is its stats entry, a legacy XML loc is the counts element."""
    loc = loc.fillna("").astype(str)
    total = loc.str.endswith("NumAffected")
    v2_total = loc.str.replace(r"NumAffected$", "NumAtRisk" if field == "at_risk" else "NumAffected", regex=True)
    v2_term = loc + "/" + V2_FIELD[field]
    xml = loc + "/" + XML_FIELD[field]
    return v2_total.where(total, v2_term.where(loc.str.startswith("/resultsSection"), xml))


def _with_labels(ds: Dataset, ae: pd.DataFrame) -> pd.DataFrame:
    """Adds `label`: 'Serious adverse events, Placebo, Anaemia' (or '..., all terms' for a total)."""
    g = ds.groups[ds.groups["block"] == "ae"].drop_duplicates(["trial_id", "source_id", "group_id"])
    ae = ae.merge(g[["trial_id", "source_id", "group_id", "title"]], on=["trial_id", "source_id", "group_id"],
                  how="left")
    kind = ae["kind"].fillna("term").str.lower()
    serious = ae["serious"].astype("boolean")
    family = pd.Series("Adverse events", index=ae.index)
    family = family.mask(serious.fillna(False).astype(bool), "Serious adverse events")
    family = family.mask((~serious.fillna(True)).astype(bool), "Other adverse events")
    family = family.mask(kind == "deaths", "Deaths")
    title = ae["title"].fillna("").where(ae["title"].fillna("") != "", ae["group_id"].fillna(""))
    what = ae["term"].fillna("").where(kind == "term", "all terms")
    ae["label"] = (family + ", " + title).where(kind == "deaths", family + ", " + title + ", " + what)
    return ae


@rule("TG320", "ae-affected-exceeds-at-risk", Severity.ERROR,
      summary="More participants are affected by an adverse event than were at risk.",
      rationale="Participants affected are counted among the participants at risk: affected <= at risk, for "
                "every term, group total and death count.",
      example="Serious adverse events, Placebo, Anaemia: 5 affected of 4 at risk",
      tables=("adverse_events",))
def ae_affected_exceeds_at_risk(ds: Dataset) -> pd.DataFrame:
    ae = ds.adverse_events
    bad = ae[ae["affected"].notna() & ae["at_risk"].notna() & (ae["affected"] > ae["at_risk"])]
    if bad.empty:
        return emit(bad, message="")
    bad = _with_labels(ds, bad)
    msg = bad["label"] + ": " + bad["affected"].astype(str) + " affected of " + bad["at_risk"].astype(str) + " at risk"
    ev = fields((pointer(bad["loc"], "affected"), bad["affected"]), (pointer(bad["loc"], "at_risk"), bad["at_risk"]))
    return emit(bad, message=msg, observed=bad["affected"].astype(str), expected="<= " + bad["at_risk"].astype(str),
                evidence=ev)


@rule("TG321", "ae-events-below-affected", Severity.ERROR,
      summary="An adverse event term has fewer events than participants affected.",
      rationale="Each affected participant had the event at least once: events >= affected.",
      example="Other adverse events, Drug A, Headache: 3 events in 5 affected participants",
      tables=("adverse_events",))
def ae_events_below_affected(ds: Dataset) -> pd.DataFrame:
    ae = ds.adverse_events
    bad = ae[ae["events"].notna() & ae["affected"].notna() & (ae["events"] < ae["affected"])]
    if bad.empty:
        return emit(bad, message="")
    bad = _with_labels(ds, bad)
    msg = (bad["label"] + ": " + bad["events"].astype(str) + " events in " + bad["affected"].astype(str)
           + " affected participants")
    ev = fields((pointer(bad["loc"], "events"), bad["events"]), (pointer(bad["loc"], "affected"), bad["affected"]))
    return emit(bad, message=msg, observed=bad["events"].astype(str), expected=">= " + bad["affected"].astype(str),
                evidence=ev)


@per_chunk("adverse_events")
def _terms_with_totals(ds: Dataset) -> pd.DataFrame:
    """Each term row that has a group total, as positions in the table (`row`, `tot_row`) and the four counts
    two rules compare: the adverse-event table is the largest of a chunk and few of its rows offend, so only
    those are taken whole (`_offending`), labels added to them alone."""
    ae = ds.adverse_events
    kind = per_distinct(ae["kind"], lambda k: k.fillna("term").str.lower())
    # the largest total of a group: a sub-total (e.g. all-cause mortality listed among totals) is never the
    # "any event" total
    at_total = np.flatnonzero((kind == "total").to_numpy())
    totals = ae.iloc[at_total].reset_index(drop=True)
    kept = totals.sort_values("affected", ascending=False, kind="mergesort").drop_duplicates(GROUP).index
    tot_rows = at_total[kept.to_numpy()]
    terms = np.flatnonzero((kind == "term").to_numpy())
    key = key_codes(ae, GROUP)
    found = pd.Index(key[tot_rows]).get_indexer(key[terms])  # totals are unique per group
    row, tot_row = terms[found >= 0], tot_rows[found[found >= 0]]
    counts = {c: ae[c].array for c in ("affected", "at_risk")}
    return pd.DataFrame({"row": row, "tot_row": tot_row,
                         "affected": counts["affected"].take(row), "at_risk": counts["at_risk"].take(row),
                         "tot_affected": counts["affected"].take(tot_row),
                         "tot_at_risk": counts["at_risk"].take(tot_row)})


def _offending(ds: Dataset, j: pd.DataFrame) -> pd.DataFrame:
    """The whole rows of the terms in `j` (rows of `_terms_with_totals`), with their group total's counts and
    loc (tot_affected, tot_at_risk, loc_tot)."""
    ae = ds.adverse_events
    out = ae.iloc[j["row"].to_numpy()].reset_index(drop=True)
    tot = ae.iloc[j["tot_row"].to_numpy()]
    out["tot_affected"] = tot["affected"].array
    out["tot_at_risk"] = tot["at_risk"].array
    out["loc_tot"] = tot["loc"].array
    return out


@rule("TG322", "ae-term-exceeds-group-total", Severity.ERROR,
      summary="More participants are affected by one adverse event term than by any event of that kind in the group.",
      rationale="The group total of participants with a serious (or other) adverse event counts everyone with at "
                "least one such term: affected(term) <= total affected(group).",
      example="Serious adverse events, Placebo, Anaemia: 6 affected, but 4 in the group had any serious adverse event",
      tables=("adverse_events",))
def ae_term_exceeds_group_total(ds: Dataset) -> pd.DataFrame:
    j = _terms_with_totals(ds)
    bad = j[j["affected"].notna() & j["tot_affected"].notna() & (j["affected"] > j["tot_affected"])]
    if bad.empty:
        return emit(bad, message="")
    bad = _with_labels(ds, _offending(ds, bad))
    kind = bad["serious"].astype("boolean").map({True: "serious", False: "other"}).fillna("")
    msg = (bad["label"] + ": " + bad["affected"].astype(str) + " affected, but " + bad["tot_affected"].astype(str)
           + " in the group had any " + kind + " adverse event")
    ev = fields((pointer(bad["loc"], "affected"), bad["affected"]),
                (pointer(bad["loc_tot"], "affected"), bad["tot_affected"]))
    return emit(bad, message=msg, observed=bad["affected"].astype(str),
                expected="<= " + bad["tot_affected"].astype(str), evidence=ev)


@rule("TG323", "ae-term-at-risk-differs-from-group", Severity.WARNING,
      summary="An adverse event term's participants at risk differ from its group's total at risk.",
      rationale="A term is assessed in the group's participants: at risk(term) = at risk(group). More at risk "
                "than in the group is impossible (error); fewer happens for terms that apply to a subset "
                "(e.g. one sex) and is a warning.",
      example="Other adverse events, Drug A, Ovarian cyst: 40 at risk, but the group total is 80 at risk",
      tables=("adverse_events",))
def ae_term_at_risk_differs(ds: Dataset) -> pd.DataFrame:
    j = _terms_with_totals(ds)
    bad = j[j["at_risk"].notna() & j["tot_at_risk"].notna() & (j["at_risk"] != j["tot_at_risk"])]
    if bad.empty:
        return emit(bad, message="")
    bad = _with_labels(ds, _offending(ds, bad))
    sev = pd.Series("warning", index=bad.index).mask(bad["at_risk"] > bad["tot_at_risk"], "error")
    msg = (bad["label"] + ": " + bad["at_risk"].astype(str) + " at risk, but the group total is "
           + bad["tot_at_risk"].astype(str) + " at risk")
    ev = fields((pointer(bad["loc"], "at_risk"), bad["at_risk"]), (pointer(bad["loc_tot"], "at_risk"), bad["tot_at_risk"]))
    return emit(bad, message=msg, observed=bad["at_risk"].astype(str), expected=bad["tot_at_risk"].astype(str),
                evidence=ev, severity=sev)


@rule("TG324", "ae-at-risk-exceeds-started", Severity.WARNING,
      summary="More participants are at risk for adverse events in a group than started that arm.",
      rationale="Participants at risk are participants who started: at risk(group) <= max over periods of "
                "STARTED(matched flow group). Groups are matched by title only: in crossover designs the "
                "adverse-event groups are treatments and the flow groups sequences, so positions say nothing, and "
                "a participant counts in several adverse-event groups. A warning.",
      example="Adverse events group 'Placebo': 96 at risk, but 94 STARTED the flow group 'Placebo'",
      tables=("adverse_events", "flow", "groups"))
def ae_at_risk_exceeds_started(ds: Dataset) -> pd.DataFrame:
    group = ["trial_id", "source_id", "group_id"]
    top = largest_per_key(ds.adverse_events, group, "at_risk")  # the largest at-risk count of each group
    started = largest_per_key(flow_cells(ds), group, "s")[group + ["s", "loc_s"]].rename(
        columns={"group_id": "group_a"})
    pairs = match_groups(ds.groups, "flow", "ae", by_position=False)
    pairs = pairs.merge(started, on=["trial_id", "source_id", "group_a"])
    j = top.merge(pairs.rename(columns={"group_b": "group_id"}), on=["trial_id", "source_id", "group_id"])
    bad = j[j["at_risk"] > j["s"]]
    if bad.empty:
        return emit(bad, message="")
    msg = ("Adverse events group '" + bad["title_b"].fillna("") + "': " + bad["at_risk"].astype(str)
           + " at risk, but " + bad["s"].astype(str) + " STARTED the flow group '" + bad["title_a"].fillna("") + "'")
    ev = fields((pointer(bad["loc"], "at_risk"), bad["at_risk"]), (bad["loc_s"], bad["s"]))
    return emit(bad, message=msg, observed=bad["at_risk"].astype(str), expected="<= " + bad["s"].astype(str),
                evidence=ev)
