"""TG201-TG204: counts and the percentages reported with them.

All arithmetic is exact. A percentage is read from its text as an integer P and a number of decimals d
(83.3 -> P=833, d=1); "k of n rounds to P" is decided with integers only: with X = 200 * 10^d * k / n,
rounding to nearest means 2P-1 <= X <= 2P+1, truncation 2P <= X < 2P+2, ceiling 2P-2 < X <= 2P. Text
parsing happens once per distinct string; rules merge the parsed values back onto the whole table.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from trialguard.dataset import Dataset
from trialguard.findings import Severity, emit
from trialguard.keys import rows_where
from trialguard.numbers import NEAREST, conventions_matching, decimals, format_fixed, parse_decimal, round_to
from trialguard.validators._categories import (SET_KEY, counts_with_sizes, key_frame, label, measure_label, num_text,
                                               text)
from trialguard.validators.derived import per_chunk
from trialguard.validators.groupagg import named_agg
from trialguard.validators.registry import rule

MAX_DECIMALS = 6  # more decimals than this on a percentage of people is not a rounding question
SEARCH_LIMIT = 1_000_000  # largest group size tried when looking for a feasible n


def parse_percents(texts: pd.Series) -> pd.DataFrame:
    """Per row: pct_p (int, the percentage times 10^d), pct_d (decimals); missing when not a 0..100 number."""
    codes, uniq = pd.factorize(texts)
    p, d = [], []
    for t in uniq:
        v, places = parse_decimal(t), decimals(t)
        if v is None or places is None or places > MAX_DECIMALS or not 0 <= v <= 100:
            p.append(None), d.append(None)
        else:
            p.append(int(v.scaleb(places))), d.append(places)
    return pd.DataFrame({"pct_p": pd.array(p, dtype="Int64").take(codes, allow_fill=True),
                         "pct_d": pd.array(d, dtype="Int64").take(codes, allow_fill=True)}, index=texts.index)


@per_chunk("counts")
def count_percents(ds: Dataset) -> pd.DataFrame:
    """`parse_percents` of every count row, once per chunk (three rules read it)."""
    return parse_percents(ds.counts["percent_text"])


def _shown(percent_text: pd.Series) -> pd.Series:
    return text(percent_text).str.rstrip("%").str.strip() + "%"


def _evidence(rows: pd.DataFrame, extra: list[dict]) -> pd.Series:
    out = []
    for quote, pct, more in zip(text(rows["quote"]), text(rows["percent_text"]), extra):
        ev = dict(more)
        if quote:
            ev["quote"] = quote
            if pct and pct in quote:
                ev["highlight"] = [pct]
        out.append(ev)
    return pd.Series(out, index=rows.index, dtype=object)


@rule("TG201", "count-exceeds-denominator", Severity.ERROR,
      summary="A count is larger than the group it is counted in.",
      rationale="For k of n participants, k <= n. n is the count's own denominator, else the size of its group.",
      example="Female: 13 of 12", tables=("counts", "groups"))
def count_exceeds_denominator(ds: Dataset) -> pd.DataFrame:
    c = counts_with_sizes(ds)
    n = c["denom"].fillna(c["group_n"])
    bad = c[c["count"].notna() & n.notna() & (c["count"] > n)]
    if bad.empty:
        return emit(bad, message="")
    n = n[bad.index].astype(int).astype(str)
    k = bad["count"].astype(int).astype(str)
    of_group = bad["denom"].isna()
    what = pd.Series("a denominator of ", index=bad.index).where(~of_group, "a group of ")
    msg = label(bad) + ": " + k + " counted out of " + what + n
    return emit(bad, message=msg, observed=k, expected="<= " + n,
                evidence=_evidence(bad, [{}] * len(bad)))


def _conventions(triples: pd.DataFrame) -> pd.Series:
    """(count, denom, percent_text) -> tuple of passing conventions, computed once per distinct triple."""
    return pd.Series([conventions_matching(Fraction(int(k) * 100, int(n)), t)
                      for k, n, t in zip(triples["count"], triples["denom"], triples["percent_text"])],
                     index=triples.index, dtype=object)


_READING = {"half_up": "rounded", "half_even": "rounded", "truncate": "truncated", "ceiling": "rounded up"}


def _expected_set(exact: Fraction, places: int) -> str:
    """The percentages a reader may write for `exact` at `places` decimals: "83.3% (rounded) or 83.4% (rounded up)"."""
    by_value: dict[str, list[str]] = {}
    for cv in ("half_up", "half_even", "truncate", "ceiling"):
        words = by_value.setdefault(format_fixed(round_to(exact, places, cv), places) + "%", [])
        if _READING[cv] not in words:
            words.append(_READING[cv])
    return " or ".join(f"{v} ({', '.join(w)})" for v, w in by_value.items())


@rule("TG202", "percent-inconsistent-with-count", Severity.ERROR,
      summary="A reported percentage does not match count / denominator at its number of decimals (GRIM).",
      rationale="100 k / n rounded to the reported decimals must equal the reported percentage, exactly (no floats). "
                "Conventions tried: round half up, round half to even, truncation, ceiling. Error when none fits; "
                "warning when only truncation or ceiling fits. Evidence lists the conventions that pass.",
      example="Female 10 of 12 is 83.3%, reported 88.3%", tables=("counts",))
def percent_inconsistent(ds: Dataset) -> pd.DataFrame:
    c = ds.counts
    pct = count_percents(ds)
    ok = c["count"].notna() & c["denom"].notna() & pct["pct_p"].notna()
    ok &= (c["denom"] > 0) & (c["count"] >= 0) & (c["count"] <= c["denom"])
    rows = c[ok.fillna(False)]
    if rows.empty:
        return emit(rows, message="")
    keys = pd.DataFrame({"count": rows["count"].astype(int), "denom": rows["denom"].astype(int),
                         "percent_text": rows["percent_text"].astype(str)})
    uniq = keys.drop_duplicates().reset_index(drop=True)
    uniq["passing"] = _conventions(uniq)
    judged = keys.reset_index().merge(uniq, on=["count", "denom", "percent_text"], how="left").set_index("index")
    fails = judged["passing"].map(lambda p: not any(c in NEAREST for c in p))
    bad, j = rows[fails], judged[fails]
    if bad.empty:
        return emit(bad, message="")
    places = pct.loc[bad.index, "pct_d"].astype(int)
    exact = [Fraction(k * 100, n) for k, n in zip(j["count"], j["denom"])]
    computed = pd.Series([format_fixed(x, d) for x, d in zip(exact, places)], index=bad.index)
    expected = pd.Series([_expected_set(x, d) for x, d in zip(exact, places)], index=bad.index)
    reported = _shown(bad["percent_text"])
    unusual = j["passing"].map(bool)
    how = j["passing"].map(lambda p: " (only if " + " or ".join(
        "truncated" if c == "truncate" else "rounded up" for c in p) + ")" if p else "")
    msg = (label(bad) + " " + j["count"].astype(str) + " of " + j["denom"].astype(str) + " is " + computed
           + "%, reported " + reported + how)
    extra = [{"conventions": list(p), "exact": f"{k}/{n} = {format_fixed(x, d + 3)}%"}
             for p, k, n, x, d in zip(j["passing"], j["count"], j["denom"], exact, places)]
    severity = unusual.map({True: str(Severity.WARNING), False: str(Severity.ERROR)})
    return emit(bad, message=msg, observed=reported, expected=expected, evidence=_evidence(bad, extra),
                severity=severity)


# --- feasibility of percentages whose denominator is not known -------------------------------------------------

# Bounds on X = 200 * 10^d * k / n relative to 2P, as (low offset, low strict, high offset, high strict).
_INTERVALS = {
    "nearest": (-1, False, 1, False),
    "truncate": (0, False, 2, True),
    "ceiling": (-2, True, 0, False),
}


def _feasible(ns: np.ndarray, p: int, d: int, k: int | None, interval: str) -> np.ndarray:
    """For each n in `ns`: can k of n (k given, or some 0 <= k <= n) be reported as P / 10^d percent?"""
    lo_off, lo_strict, hi_off, hi_strict = _INTERVALS[interval]
    s = 200 * 10**d
    lo, hi = (2 * p + lo_off) * ns, (2 * p + hi_off) * ns
    if k is not None:
        ks = np.full_like(ns, k)
        ok_lo = s * ks > lo if lo_strict else s * ks >= lo
        return ok_lo & ((s * ks < hi) if hi_strict else (s * ks <= hi)) & (ks <= ns)
    kmin = (lo // s + 1) if lo_strict else -((-lo) // s)
    kmin = np.maximum(kmin, 0)
    return ((s * kmin < hi) if hi_strict else (s * kmin <= hi)) & (kmin <= ns)


def smallest_n(items: tuple[tuple[int, int, int | None], ...], limit: int, interval: str = "nearest") -> int | None:
    """The smallest n <= limit for which every (P, d, k-or-None) is a share of one group of n, else None."""
    if limit < 1:
        return None
    ns = np.arange(1, limit + 1, dtype=np.int64)
    ok = np.ones(len(ns), dtype=bool)
    for p, d, k in items:
        ok &= _feasible(ns, p, d, k, interval)
    hit = np.flatnonzero(ok)
    return int(ns[hit[0]]) if len(hit) else None


def _search_limit(items, bound: int | None) -> int | None:
    """How far to look: the bound if known; else as far as the known counts allow (None: always feasible)."""
    if bound is not None:
        return min(bound, SEARCH_LIMIT)
    caps = [(200 * 10**d * k) // (2 * p - 1) for p, d, k in items if k is not None and 2 * p - 1 > 0]
    caps += [SEARCH_LIMIT for p, d, k in items if k is not None and 2 * p - 1 <= 0]
    if len(caps) < sum(k is not None for _, _, k in items) or not caps:
        return None
    return min(max(caps), SEARCH_LIMIT)


_BOUNDS = (  # column, how a message names it; the smallest known one bounds n
    ("denom", "the denominator is"),
    ("group_n", "the group has"),
    ("parent_n", "the cohort it belongs to has"),
    ("enrollment_bound", "the trial enrolled"),
)


def _undetermined_percents(ds: Dataset) -> pd.DataFrame:
    """Percentages whose count or denominator is not stated, with the tightest known bound on their n."""
    c = counts_with_sizes(ds)
    pct = count_percents(ds)
    rows = c[(c["denom"].isna() | c["count"].isna()) & pct["pct_p"].notna()]
    # A registry's percent-unit result is a reported number, often a model estimate ("derived with a
    # generalized linear mixed model", NCT02397473) rather than k of n: without its count it is not judged.
    src = ds.sources
    registry = set(src.loc[text(src["kind"]).str.lower().eq("registry"), "source_id"])
    rows = rows[~(rows["source_id"].isin(registry) & rows["count"].isna())].copy()
    rows[["pct_p", "pct_d"]] = pct.loc[rows.index, ["pct_p", "pct_d"]]
    tr = ds.trials
    actual = tr[text(tr["enrollment_type"]).str.upper().eq("ACTUAL") & tr["enrollment"].notna()]
    enrol = key_frame(actual, ["source_id", "trial_id"]).assign(enrollment_bound=actual["enrollment"])
    enrol = enrol.drop_duplicates(["source_id", "trial_id"])
    keys = key_frame(rows, SET_KEY).assign(denom=num_text(rows["denom"], ""))
    rows = rows.assign(**{f"_k_{c}": keys[c] for c in keys.columns})
    rows = rows.reset_index().merge(enrol.rename(columns={"source_id": "_k_source_id", "trial_id": "_k_trial_id"}),
                                    on=["_k_source_id", "_k_trial_id"], how="left").set_index("index")
    bounds = rows[[col for col, _ in _BOUNDS]].astype("Float64")
    rows["bound"] = bounds.min(axis=1, skipna=True).astype("Int64")
    rows["bound_kind"] = np.select([bounds[col].eq(rows["bound"]).fillna(False) for col, _ in _BOUNDS],
                                   [words for _, words in _BOUNDS], default="")
    rows["_item"] = pd.Series([(int(p), int(d), None if pd.isna(k) else int(k))
                               for p, d, k in zip(rows["pct_p"], rows["pct_d"], rows["count"])],
                              index=rows.index, dtype=object)
    return rows


def _stated(grp: pd.DataFrame) -> str:
    """ "98.9% and 82.4%" or "7 (58%)": the percentages of a set as the source states them."""
    counted = grp["count"].notna()
    shown = (num_text(grp["count"], "") + " (").where(counted, "") + _shown(grp["percent_text"]) \
        + pd.Series(")", index=grp.index).where(counted, "")
    return " and ".join(dict.fromkeys(shown))


@rule("TG203", "percent-infeasible", Severity.ERROR,
      summary="Percentages without a stated count or denominator fit no group size the record allows.",
      rationale="A percentage P with d decimals is k/n for some whole k <= n (the smallest such n is reported); "
                "percentages of one measure and group share their n. n is bounded by the stated denominator "
                "(an analysed N may be larger than a percentage's own denominator, so it is a bound, not n), the "
                "group's size, its parent cohort's size and the trial's actual enrollment: no n up to the "
                "tightest bound may fit is an error (a warning when only truncation or ceiling rounding fits). "
                "Without any bound nothing is reported unless stated counts make it impossible.",
      example="98.9% of a cohort of at most 50 needs n >= 87", tables=("counts", "groups", "trials"))
def percent_infeasible(ds: Dataset) -> pd.DataFrame:
    rows = _undetermined_percents(ds)
    out, extra, sev, firsts = [], [], [], []
    solved: dict = {}
    keycols = [f"_k_{c}" for c in SET_KEY + ["denom"]]
    for _, grp in rows.groupby(keycols, sort=False, dropna=False):
        bound = None if grp["bound"].isna().all() else int(grp["bound"].min())
        # the set's distinct (percent, decimals, count) items in one order; an item without a count sorts first
        key = (tuple(sorted(set(grp["_item"]), key=lambda i: (i[0], i[1], i[2] is not None, i[2] or 0))), bound)
        if key not in solved:  # the same statement recurs across groups and trials: judge it once
            solved[key] = _judge(*key)
        if solved[key] is None:
            continue
        severity, needed, fits = solved[key]
        subject = (label(grp) if len(grp) == 1 else measure_label(grp)).iloc[0]
        if bound is not None:
            verb = "need" if len(grp) > 1 else "needs"
            need = f"{verb} a group of at least {needed} participants" if needed else "fit no group size"
            kind = grp.loc[grp["bound"] == bound, "bound_kind"].iloc[0]
            msg, expected = f"{subject}: {_stated(grp)} {need}, but {kind} {bound}", f"n <= {bound}"
        else:
            msg, expected = f"{subject}: {_stated(grp)} cannot be shares of one group of any size", "some n"
        firsts.append(grp.index[0])
        out.append((msg + (f" (fits only if {fits})" if fits else ""), f"n >= {needed}" if needed else "no n",
                    expected))
        sev.append(str(severity))
        extra.append({"fields": {str(l): str(p) for l, p in zip(grp["loc"], grp["percent_text"])},
                      "smallest_n": needed if needed else None, "bound": bound})
    bad = rows.loc[firsts]
    if bad.empty:
        return emit(bad, message="")
    msgs = pd.DataFrame(out, index=bad.index, columns=["message", "observed", "expected"])
    return emit(bad, message=msgs["message"], observed=msgs["observed"], expected=msgs["expected"],
                evidence=_evidence(bad, extra), severity=pd.Series(sev, index=bad.index))


def _judge(items, bound: int | None):
    """None when feasible; else (severity, smallest n without the bound or None, unusual convention that fits)."""
    limit = _search_limit(items, bound)
    if limit is None:
        return None
    if smallest_n(items, limit) is not None:
        return None
    fits = [name for name in ("truncate", "ceiling") if smallest_n(items, limit, name) is not None]
    unbounded = _search_limit(items, None)
    needed = smallest_n(items, unbounded if unbounded is not None else SEARCH_LIMIT)
    if fits:
        return Severity.WARNING, needed, " or ".join("truncated" if f == "truncate" else "rounded up" for f in fits)
    return Severity.ERROR, needed, ""


# --- percentages of one measure that must add up to 100 ----------------------------------------------------------


@rule("TG204", "percents-do-not-sum-to-100", Severity.ERROR,
      summary="Percentages of exhaustive, mutually exclusive categories do not add up to 100 within rounding.",
      rationale="If every participant is in exactly one category, the exact shares add to 100; each reported "
                "percentage is off by at most half a unit of its last decimal, so |sum - 100| <= sum of those "
                "halves. Exhaustive but overlapping categories: sum >= 100 - slack; exclusive but not exhaustive: "
                "sum <= 100 + slack.",
      example="Female 58%, Male 45%: 103%", tables=("counts",))
def percents_do_not_sum(ds: Dataset) -> pd.DataFrame:
    c = ds.counts
    flagged = c["exhaustive"].fillna(False) | c["exclusive"].fillna(False)
    # the columns summed and listed here; whole rows only for the findings
    rows = rows_where(c[[*SET_KEY, "category", "loc", "percent_text", "exhaustive", "exclusive"]], flagged)
    if rows.empty:
        return emit(c.iloc[0:0], message="")
    pct = count_percents(ds).loc[rows.index]
    top = int(pct["pct_d"].max()) if pct["pct_d"].notna().any() else 0
    two = pd.Series(2, index=rows.index, dtype="Int64")
    scale = pd.Series(10 ** (top - pct["pct_d"].fillna(top).astype("int64")), index=rows.index, dtype="Int64")
    frame_ = key_frame(rows, SET_KEY).assign(
        v2=two * pct["pct_p"] * scale, slack2=scale, has=pct["pct_p"].notna(),
        exhaustive=rows["exhaustive"].fillna(False).astype(bool),
        exclusive=rows["exclusive"].fillna(False).astype(bool))
    agg = named_agg(frame_.groupby(SET_KEY, sort=False),
        v2=("v2", "sum"), slack2=("slack2", "sum"), has=("has", "all"), size=("has", "size"),
        exhaustive=("exhaustive", "all"), exclusive=("exclusive", "all"))
    agg = agg[agg["has"] & (agg["size"] >= 2)]
    hundred2 = 200 * 10**top
    over = agg["exclusive"] & (agg["v2"] > hundred2 + agg["slack2"])
    under = agg["exhaustive"] & (agg["v2"] < hundred2 - agg["slack2"])
    agg = agg[over | under]
    if agg.empty:
        return emit(c.iloc[0:0], message="")
    first = frame_.reset_index().drop_duplicates(SET_KEY).set_index(SET_KEY)["index"]
    bad = c.loc[first.loc[agg.index].to_numpy()]
    unit = Fraction(1, 2 * 10**top)
    total = [format_fixed(Fraction(int(v)) * unit, top) for v in agg["v2"]]
    slack = [format_fixed(Fraction(int(s)) * unit, top) for s in agg["slack2"]]
    parts = frame_.assign(lab=label(rows) + " " + _shown(rows["percent_text"])).groupby(SET_KEY, sort=False)["lab"]
    listed = parts.agg(" + ".join).loc[agg.index].to_list()
    both = (agg["exhaustive"] & agg["exclusive"]).to_list()
    is_over = over.loc[agg.index].to_list()
    expected = [f"100% ± {s}" if b else (f"<= {format_fixed(100 + Fraction(s), top)}%" if o else
                                          f">= {format_fixed(100 - Fraction(s), top)}%")
                for b, o, s in zip(both, is_over, slack)]
    msg = [f"{m}: {lst} = {t}%, expected {e}" for m, lst, t, e in
           zip(measure_label(bad), listed, total, expected)]
    locs = frame_.assign(loc=text(rows["loc"]), pt=text(rows["percent_text"])).groupby(SET_KEY, sort=False)
    fields = [dict(zip(g["loc"], g["pt"])) for _, g in locs]
    fields_by = dict(zip([k for k, _ in locs], fields))
    extra = [{"fields": fields_by[k]} for k in agg.index]
    return emit(bad, message=pd.Series(msg, index=bad.index), observed=pd.Series([t + "%" for t in total],
                index=bad.index), expected=pd.Series(expected, index=bad.index), evidence=_evidence(bad, extra))
