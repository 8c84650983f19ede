"""TG7xx: priority and novelty claims contradicted by earlier events of other sources.

A claim ("the world's first ...", "has never been reported ...", "the only ...") asserts that no earlier event
of its kind exists inside its scope. The rules compare every checked claim with every dated event of *other*
sources (a small cross join of the gathered `claims` and `events` tables), facet by facet
(`trialguard.claims.scope`), and compare date intervals:

- TG701/TG702 (error): the event lies inside the claim's scope on every facet and its interval ends before the
  claimed event's interval starts;
- TG703 (warning): the same, but some facet only partially overlaps (or the event does not state it);
- TG704 (info): inside the scope, but the two intervals overlap, so the order cannot be decided.

Hedged claims ("to our knowledge") are lowered one step and say so. Claims that are not global ("one of the
first", "first at our centre") are not checked, nor claims whose scope names no modality, target or indication
(nothing to compare). The claimed event's interval is the claim's `event_date_*`; else its own trial's dated
event of that type; else its own trial's earliest report; else the claim's date (the source's publication
date): an undated claimed event happened no later than it was written about, and the finding says which bound
was used. An event does not contradict a claim about the same trial or the same product (it is the claimed
event, reported again), nor does a source contradict itself.
"""

from __future__ import annotations

import pandas as pd

from trialguard.claims.lexicon import lexicon
from trialguard.claims.scope import FACETS, describe, normalize, relate, targets_of
from trialguard.dataset import Dataset
from trialguard.dates import date_intervals
from trialguard.findings import Severity, emit
from trialguard.validators.memo import once_per_dataset
from trialguard.validators.registry import rule

CHECKED = ("first", "only", "never_reported")
SCOPING = ("modality", "targets", "indication")  # a claim must restrict one of these to be checked
TABLES = ("claims", "events", "sources")
STRENGTH = {"TG701": 0, "TG702": 0, "TG703": 1, "TG704": 2}


def _key(ids) -> str:
    return " ".join(sorted(ids))


def _facet_keys(df: pd.DataFrame) -> pd.DataFrame:
    """Canonical facet keys (sorted space-separated ids) of claims or events, normalised once per value."""
    out = pd.DataFrame(index=df.index)
    for facet in FACETS:
        if facet == "targets":
            continue
        col = df[facet].astype("object")
        keys = {v: _key(normalize(facet, v)) for v in col.dropna().unique()}
        out[facet] = col.map(keys).astype("object").fillna("")
    pairs = df[["targets", "modality"]].astype("object").drop_duplicates()
    tkeys = {(t, m): _key(targets_of(t if isinstance(t, str) else None, m if isinstance(m, str) else None))
             for t, m in pairs.itertuples(index=False, name=None)}
    out["targets"] = [tkeys[(t, m)] for t, m in zip(df["targets"].astype("object"), df["modality"].astype("object"))]
    prod = df["product"] if "product" in df else pd.Series("", index=df.index)
    pkeys = {v: _key(normalize("modality", v)) for v in prod.dropna().unique()}
    out["product"] = prod.astype("object").map(pkeys).astype("object").fillna("")
    return out


def _own_trial_dates(claims: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Per claim: the interval of its own trial's event of the claimed type, and of its trial's earliest report."""
    ev = events[(events["trial_id"].fillna("") != "") & events["date_hi"].notna()]
    keys = ["source_id", "trial_id"]
    same = ev.rename(columns={"event_type": "c_type"}).groupby(keys + ["c_type"], as_index=False).agg(
        own_lo=("date_lo", "min"), own_hi=("date_hi", "min"))
    reports = ev[ev["event_type"].isin(("published", "presented"))].sort_values("date_hi", kind="mergesort")
    reports = reports.drop_duplicates(keys)[keys + ["date_lo", "date_hi", "event_type"]].rename(
        columns={"date_lo": "rep_lo", "date_hi": "rep_hi", "event_type": "rep_type"})
    c = claims[keys + ["event_type"]].rename(columns={"event_type": "c_type"})
    c = c.merge(same, on=keys + ["c_type"], how="left").merge(reports, on=keys, how="left")
    return c.set_axis(claims.index)


def _claims(ds: Dataset) -> pd.DataFrame:
    c = ds.claims
    c = c[c["kind"].isin(CHECKED)].copy()
    if c.empty:
        return c
    c["c_row"] = range(len(c))
    facets = _facet_keys(c)
    c = c.assign(**{f"c_{f}": facets[f] for f in facets.columns})
    c = c[(c[[f"c_{f}" for f in SCOPING]] != "").any(axis=1)]
    if c.empty:
        return c
    # the claim's date: its own, else its source's publication date
    lo, hi = date_intervals(c["claim_date"])
    if "claim_date_lo" in c:  # curated records parse their dates when read
        lo, hi = c["claim_date_lo"].astype("object").fillna(lo), c["claim_date_hi"].astype("object").fillna(hi)
    pub = ds.sources.drop_duplicates("source_id").set_index("source_id")["published"]
    plo, phi = date_intervals(c["source_id"].map(pub))
    c["claim_lo"], c["claim_hi"] = lo.fillna(plo), hi.fillna(phi)
    c["claim_date_shown"] = c["claim_date"].astype("object").fillna(c["source_id"].map(pub)).fillna("")
    own = _own_trial_dates(c, ds.events)
    ev_lo, ev_hi = c["event_date_lo"].astype("object"), c["event_date_hi"].astype("object")
    has_own = ev_lo.isna() & ev_hi.isna() & own["own_hi"].notna()
    has_rep = ev_lo.isna() & ev_hi.isna() & ~has_own & own["rep_hi"].notna()
    c["lo"] = ev_lo.fillna(ev_hi).where(~has_own, own["own_lo"]).where(~has_rep, own["rep_lo"])
    c["hi"] = ev_hi.fillna(ev_lo).where(~has_own, own["own_hi"]).where(~has_rep, own["rep_hi"])
    undated = c["lo"].isna() & c["hi"].isna()
    c["lo"], c["hi"] = c["lo"].where(~undated, c["claim_lo"]), c["hi"].where(~undated, c["claim_hi"])
    c["dated_by"] = "the claimed event's date"
    c.loc[has_own, "dated_by"] = "its own trial's " + c.loc[has_own, "event_type"].astype(str) + " event"
    c.loc[has_rep, "dated_by"] = ("undated; no later than its own trial's " + own.loc[has_rep, "rep_type"]
                                  + " event")
    c.loc[undated, "dated_by"] = "undated; no later than the claim's date"
    return c[c["lo"].notna() & c["hi"].notna()]


def _events(ds: Dataset, lex) -> pd.DataFrame:
    """Dated events with their facet keys; an event also stands for the types it implies (a cure is also a
    treatment, of unknown start)."""
    e = ds.events
    e = e[e["date_lo"].notna() | e["date_hi"].notna()].copy()
    if e.empty:
        return e
    facets = _facet_keys(e)
    e = e.assign(**{f"e_{f}": facets[f] for f in facets.columns})
    e["e_type"] = e["event_type"]
    implied = [e[e["event_type"] == src].assign(e_type=t, date_lo=None)
               for src, targets in lex.implies.items() for t in targets]
    return pd.concat([e, *implied], ignore_index=True)


def _relations(pairs: pd.DataFrame, facet: str) -> pd.Series:
    """The relation of each (claim key, event key) row on `facet`, computed once per distinct pair."""
    a, b = f"c_{facet}", f"e_{facet}"
    uniq = pairs[[a, b]].drop_duplicates()
    rel = {(x, y): relate(facet, frozenset(x.split()), frozenset(y.split()))
           for x, y in uniq.itertuples(index=False, name=None)}
    return pd.Series([rel[k] for k in zip(pairs[a], pairs[b])], index=pairs.index, dtype="object")


def compare(ds: Dataset) -> pd.DataFrame:
    """The verdicts of all four rules, computed once per dataset (the rules share one comparison)."""
    return once_per_dataset(ds, "claim_verdicts", TABLES, _compare)


def _compare(ds: Dataset) -> pd.DataFrame:
    """Every (claim, event of another source) pair with a verdict column `code` (TG701..TG704, or None),
    the strongest per claim and other source."""
    lex = lexicon()
    c, e = _claims(ds), _events(ds, lex)
    if c.empty or e.empty:
        return pd.DataFrame()
    ecols = {col: f"o_{col}" for col in ("trial_id", "source_id", "file", "loc", "event_type", "date_text",
                                         "date_lo", "date_hi", "quote")}
    e = e.rename(columns=ecols)[[*ecols.values(), "e_type", *[f"e_{f}" for f in (*FACETS, "product")]]]
    p = c.merge(e, how="cross")
    same_trial = (p["trial_id"].fillna("") != "") & (p["trial_id"] == p["o_trial_id"])
    same_product = pd.Series([bool(set(x.split()) & set(y.split())) for x, y in zip(p["c_product"], p["e_product"])],
                             index=p.index, dtype=bool)
    never = p["kind"] == "never_reported"
    c_type = p["event_type"].fillna("")
    type_ok = (never & p["e_type"].isin(lex.report_types)) | (~never & ((p["e_type"] == c_type) | (
        (c_type == "") & p["e_type"].isin(("treated", *lex.report_types)))))
    p = p[(p["source_id"] != p["o_source_id"]) & ~same_trial & ~same_product & type_ok].copy()
    if p.empty:
        return p
    for f in FACETS:
        p[f"rel_{f}"] = _relations(p, f)
    rels = p[[f"rel_{f}" for f in FACETS]]
    inside = (rels == "contained").all(axis=1)
    disjoint = (rels == "disjoint").any(axis=1) | (p["rel_geography"] == "unknown")
    before = p["o_date_hi"].notna() & (p["o_date_hi"].astype("object") < p["lo"])
    after = p["o_date_lo"].notna() & (p["o_date_lo"].astype("object") > p["hi"])
    overlap = p["o_date_lo"].notna() & ~before & ~after
    p["code"] = None
    p.loc[inside & before & ~never, "code"] = "TG701"
    p.loc[inside & before & never, "code"] = "TG702"
    p.loc[~inside & ~disjoint & before, "code"] = "TG703"
    p.loc[inside & overlap, "code"] = "TG704"
    p = p[p["code"].notna()].copy()
    p["strength"] = p["code"].map(STRENGTH)
    p = p.sort_values(["c_row", "o_source_id", "strength", "o_date_hi", "o_loc"], kind="mergesort")
    return p.drop_duplicates(["c_row", "o_source_id"]).reset_index(drop=True)


def _facet_evidence(p: pd.DataFrame) -> list[list[dict]]:
    return [[{"facet": f, "claim": describe(f, frozenset(str(row[f"c_{f}"]).split())),
              "event": describe(f, frozenset(str(row[f"e_{f}"]).split())), "relation": row[f"rel_{f}"]}
             for f in FACETS] for _, row in p.iterrows()]


def _dates_text(lo: pd.Series, hi: pd.Series) -> pd.Series:
    lo, hi = lo.fillna("?").astype(str), hi.fillna("?").astype(str)
    return lo.where(lo == hi, lo + ".." + hi)


def _findings(ds: Dataset, code: str, default: Severity, what: str) -> pd.DataFrame:
    p = compare(ds)
    if p.empty:
        return emit(p.assign(trial_id="", source_id="", file="", loc=""), message="")
    p = p[p["code"] == code]
    if p.empty:
        return emit(p, message="")
    claimed = _dates_text(p["lo"], p["hi"])
    other = _dates_text(p["o_date_lo"], p["o_date_hi"])
    hedged = p["hedged"].fillna(False).astype(bool)
    lowered = {Severity.ERROR: Severity.WARNING, Severity.WARNING: Severity.INFO, Severity.INFO: Severity.INFO}
    severity = hedged.map(lambda h: str(lowered[default] if h else default))
    partial = p[[f"rel_{f}" for f in FACETS]].apply(
        lambda r: ", ".join(f"{f} {r[f'rel_{f}']}" for f in FACETS if r[f"rel_{f}"] != "contained"), axis=1)
    kind = p["kind"].map({"first": "'first'", "only": "'only'", "never_reported": "'never reported'"})
    message = (kind + " claim " + what + ": " + p["o_source_id"] + " reports a " + p["o_event_type"].astype(str)
               + " event dated " + other + "; the claimed " + p["event_type"].fillna("").astype(str)
               + " event is dated " + claimed + " (" + p["dated_by"] + ")")
    if code == "TG703":
        message = message + "; scope overlaps only partly (" + partial + ")"
    message = message + hedged.map({True: "; the claim is hedged, so its severity is lowered one step",
                                    False: ""})
    evidence = [
        {"quote": str(q), "other": {"source_id": str(os_), "file": str(of), "loc": str(ol), "quote": str(oq),
                                    "date": str(od) if isinstance(od, str) else ""},
         "facets": fac,
         "dates": {"claim": str(cd), "claimed_event": ce, "claimed_event_dated_by": str(db), "other_event": oe}}
        for q, os_, of, ol, oq, od, fac, cd, ce, db, oe in zip(
            p["quote"], p["o_source_id"], p["o_file"], p["o_loc"], p["o_quote"], p["o_date_text"],
            _facet_evidence(p), p["claim_date_shown"], claimed, p["dated_by"], other)
    ]
    observed = p["o_source_id"] + " " + p["o_event_type"].astype(str) + " " + other + " @ " + p["o_loc"]
    expected = ("no " + p["event_type"].fillna("").astype(str) + " event in scope before " + p["lo"].astype(str))
    return emit(p, message=message, observed=observed, expected=expected, evidence=evidence, severity=severity)


@rule("TG701", "first-claim-contradicted", Severity.ERROR, scope="cross", tables=TABLES,
      summary="A 'first' or 'only' claim is contradicted by an earlier event of another source inside its scope.",
      rationale="A claim that X is the first (or only) of its kind in a scope holds only if no event of that "
                "kind lies inside the scope on every facet (modality, targets, indication, geography, "
                "population) and ends before the claimed event starts: contradicted when, for an event E of "
                "another source, scope(E) is contained in scope(claim) on every facet and E.date_hi < "
                "claimed.date_lo (dates are intervals of days).",
      example="'first lupus patient in the world to receive CAR-T' (2021) vs a CD19/BCMA CAR-T given to an SLE "
              "patient in mid-September 2019")
def first_claim_contradicted(ds: Dataset) -> pd.DataFrame:
    return _findings(ds, "TG701", Severity.ERROR, "contradicted by an earlier event")


@rule("TG702", "never-reported-claim-contradicted", Severity.ERROR, scope="cross", tables=TABLES,
      summary="A 'never reported' claim is contradicted by an earlier report of another source inside its scope.",
      rationale="'Has never been reported' holds only if no presentation, publication or treatment inside the "
                "claim's scope is dated before the claim: contradicted when a report E of another source has "
                "scope(E) contained in scope(claim) on every facet and E.date_hi < claimed.date_lo.",
      example="'CAR-BCMA T-cell therapy has never been reported to treat autoimmune diseases' (2023) vs a "
              "CD19/BCMA CAR-T in SLE presented at ASH in December 2019")
def never_reported_contradicted(ds: Dataset) -> pd.DataFrame:
    return _findings(ds, "TG702", Severity.ERROR, "contradicted by an earlier report")


@rule("TG703", "claim-scope-partial-overlap", Severity.WARNING, scope="cross", tables=TABLES,
      summary="An earlier event of another source overlaps a priority claim's scope only partly.",
      rationale="The event is earlier (E.date_hi < claimed.date_lo), but on some facet it is broader than the "
                "claim, shares only some targets, or does not state the facet (relation partial or unknown, none "
                "disjoint); a curator decides whether it falls inside.",
      example="'the first BCMA CAR-T given to a lupus patient' (2021) vs a CAR-T given to a patient with "
              "autoimmune disease in 2019, targets not stated: scope overlaps only partly (targets unknown)")
def claim_scope_partial_overlap(ds: Dataset) -> pd.DataFrame:
    return _findings(ds, "TG703", Severity.WARNING, "possibly contradicted by an earlier event")


@rule("TG704", "claim-order-undetermined", Severity.INFO, scope="cross", tables=TABLES,
      summary="An event inside a priority claim's scope has a date interval overlapping the claimed event's.",
      rationale="Dates are intervals; when they overlap (E.date_lo <= claimed.date_hi and E.date_hi >= "
                "claimed.date_lo) for an event inside the claim's scope, which came first cannot be decided from "
                "the sources.",
      example="'the first lupus patient treated with CAR-T' (treated 2019) vs another source's CAR-T given to "
              "an SLE patient in September 2019: order undetermined")
def claim_order_undetermined(ds: Dataset) -> pd.DataFrame:
    return _findings(ds, "TG704", Severity.INFO, "order undetermined against another event")
