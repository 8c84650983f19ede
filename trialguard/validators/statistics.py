"""TG40x: statistics — summaries inside their own limits, valid p-values that agree with their CIs, spreads a
range allows, medians integer data allows, and survival-type proportions that do not rise over time.

Reported numbers are rounded, so every check asks whether *some* reading of the reported digits (each value
within half a unit of its last decimal) satisfies the invariant; only when none does is it a finding. Order
comparisons use the parsed floats (parsing is monotone, so a strict float inequality is a strict decimal one);
bounds that involve arithmetic are confirmed with exact fractions on the few candidate rows.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from statistics import NormalDist

import numpy as np
import pandas as pd

from trialguard.dataset import Dataset
from trialguard.findings import Severity, emit
from trialguard.keys import key_codes, rows_where, sort_order
from trialguard.validators._categories import unique_groups
from trialguard.validators.derived import per_chunk
from trialguard.validators.distinct import per_distinct
from trialguard.validators.evidence import fields
from trialguard.validators.registry import rule

NUMBER = r"[-+]?(?:\d+(?:,\d{3})*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"


# ---------------------------------------------------------------- reading numbers and vocabularies

def half_unit(text: pd.Series) -> pd.Series:
    """Half a unit of the last reported digit of each number text ("0.97" -> 0.005, "12" -> 0.5); each distinct
    text is read once."""
    return per_distinct(text, _half_unit)


def _half_unit(text: pd.Series) -> pd.Series:
    t = text.fillna("").astype(str).str.strip()
    dec = t.str.extract(r"\.(\d*)")[0].str.len().fillna(0)
    exp = pd.to_numeric(t.str.extract(r"[eE]([-+]?\d+)$")[0], errors="coerce").fillna(0)
    return 0.5 * np.power(10.0, exp - dec)


def _text_or_str(text: pd.Series, number: pd.Series) -> pd.Series:
    """`text`, where missing `str` of the number: only the rows without a text are converted (writing every float
    of a column as text costs more than the rest of a rule)."""
    missing = text.isna()
    return text.fillna(number[missing].astype(str)) if missing.any() else text


def _half_unit_of(text: str) -> float:
    """`half_unit` of one number text, in plain Python (p-values are parsed one distinct text at a time)."""
    t = text.strip()
    dec = re.search(r"\.(\d*)", t)
    exp = re.search(r"[eE]([-+]?\d+)$", t)
    return float(0.5 * np.power(10.0, float(int(exp.group(1)) if exp else 0) - float(len(dec.group(1)) if dec else 0)))


def fraction(text) -> Fraction | None:
    """The exact value of a number text, or None."""
    if not isinstance(text, str) or not re.fullmatch(NUMBER, text.strip()):
        return None
    return Fraction(text.strip().replace(",", ""))


def dispersion_kind(s: pd.Series) -> pd.Series:
    """sd, se, range, iqr, ci or the normalised text, whatever spelling the source used."""
    return per_distinct(s, _dispersion_kind)


def _dispersion_kind(s: pd.Series) -> pd.Series:
    t = s.fillna("").astype(str).str.lower().str.replace(r"[^a-z0-9%]+", "_", regex=True).str.strip("_")
    out = t.copy()
    out = out.mask(t.isin(["standard_deviation", "sd"]), "sd")
    out = out.mask(t.isin(["standard_error", "se", "sem", "standard_error_of_the_mean"]), "se")
    out = out.mask(t.isin(["full_range", "range", "min_max"]), "range")
    out = out.mask(t.isin(["inter_quartile_range", "interquartile_range", "iqr"]), "iqr")
    out = out.mask(t.str.contains("confidence_interval") | t.str.fullmatch(r"(\d+(_\d+)?%?_)?ci"), "ci")
    return out


def param_kind(s: pd.Series) -> pd.Series:
    return per_distinct(s, _param_kind)


def _param_kind(s: pd.Series) -> pd.Series:
    return s.fillna("").astype(str).str.lower().str.replace(r"[^a-z0-9]+", "_", regex=True).str.strip("_")


def _labels(ds: Dataset, df: pd.DataFrame) -> pd.Series:
    """'Age, Continuous, Placebo' — the measure (class, category) and the group a value belongs to."""
    g = unique_groups(ds)  # each (trial, source, block, group) once, its first row: made once per chunk
    df = df.merge(g[["trial_id", "source_id", "block", "group_id", "title"]],
                  on=["trial_id", "source_id", "block", "group_id"], how="left").set_axis(df.index)
    label = df["measure"].fillna("")
    for col in ("class_title", "category"):
        v = df[col].fillna("")
        label = label.where(v == "", label + " / " + v)
    title = df["title"].fillna("").where(df["title"].fillna("") != "", df["group_id"].fillna(""))
    return label.where(title == "", label + ", " + title)


def number_text(df: pd.DataFrame, col: str) -> pd.Series:
    """The reported text of a number column, falling back to the parsed value (written only for the rows
    without a text: formatting every float of a column costs more than the rest of a rule)."""
    t = df[f"{col}_text"].astype("object")
    missing = ~(t.notna() & (t.astype(str) != "")).to_numpy()
    if not missing.any():
        return t
    values = t.to_numpy(copy=True)
    values[missing] = [f"{v:g}" if v == v else "" for v in df[col].to_numpy()[missing]]
    return pd.Series(values, index=t.index, name=t.name, dtype="object")


# ---------------------------------------------------------------- limits

DISP_NAME = {"range": "full range", "iqr": "interquartile range", "ci": "confidence interval", "": "limits"}


@rule("TG401", "value-outside-own-limits", Severity.ERROR,
      summary="A reported value lies outside its own range, confidence interval or (for a median) IQR.",
      rationale="min <= median, mean <= max for a full range; lower <= estimate <= upper for a confidence "
                "interval; Q1 <= median <= Q3 for an interquartile range (a mean may lie outside the IQR and is "
                "not checked against it). Reported digits are compared as written.",
      example="Change in HbA1c, Drug A: mean -0.971 lies outside its confidence interval -0.85 to -0.12",
      tables=("stats",))
def value_outside_own_limits(ds: Dataset) -> pd.DataFrame:
    s = ds.stats
    disp = dispersion_kind(s["dispersion"])
    value, lower, upper = (s[c].to_numpy(dtype="float64", na_value=np.nan) for c in ("value", "lower", "upper"))
    checked = (disp.isin(["range", "ci", ""]) | ((disp == "iqr") & (param_kind(s["param"]) == "median"))).to_numpy()
    outside = (value < lower) | (value > upper)  # False wherever a side is missing
    reversed_ = lower > upper  # TG402's finding, not this one's
    bad = s[checked & outside & ~reversed_]  # compared on arrays; only the offending rows are taken whole
    if bad.empty:
        return emit(bad, message="")
    bad = bad.assign(disp=disp[bad.index])
    param = bad["param"].fillna("value").str.lower().str.replace("_", " ")
    what = bad["disp"].map(DISP_NAME).fillna(bad["dispersion"].fillna("limits"))
    lo, hi, v = number_text(bad, "lower"), number_text(bad, "upper"), number_text(bad, "value")
    msg = (_labels(ds, bad) + ": " + param + " " + v + " lies outside its " + what + " " + lo.where(lo != "", "?")
           + " to " + hi.where(hi != "", "?"))
    ev = fields((bad["loc"], v), (bad["loc"] + "/lowerLimit", lo), (bad["loc"] + "/upperLimit", hi))
    return emit(bad, message=msg, observed=v, expected="between " + lo + " and " + hi, evidence=ev)


@rule("TG402", "limits-reversed", Severity.ERROR,
      summary="A lower limit (range, IQR or confidence bound) is larger than its upper limit.",
      rationale="For every interval reported as lower and upper limit: lower <= upper.",
      example="Age, Continuous, Placebo: lower limit 67 is above upper limit 30",
      tables=("stats", "analyses"))
def limits_reversed(ds: Dataset) -> pd.DataFrame:
    s = ds.stats
    s = s[s["lower"].notna() & s["upper"].notna() & (s["lower"] > s["upper"])]
    a = ds.analyses
    a = a[a["ci_low"].notna() & a["ci_high"].notna() & (a["ci_low"] > a["ci_high"])]
    found = []
    if len(s):
        lo, hi = number_text(s, "lower"), number_text(s, "upper")
        found.append(emit(s, message=_labels(ds, s) + ": lower limit " + lo + " is above upper limit " + hi,
                          observed=lo + " > " + hi, expected="lower <= upper",
                          evidence=fields((s["loc"] + "/lowerLimit", lo), (s["loc"] + "/upperLimit", hi))))
    if len(a):
        lo, hi = number_text(a, "ci_low"), number_text(a, "ci_high")
        found.append(emit(a, message="Analysis (" + a["param"].fillna("estimate") + "): confidence interval lower "
                          "limit " + lo + " is above its upper limit " + hi, observed=lo + " > " + hi,
                          expected="lower <= upper",
                          evidence=fields((a["loc"] + "/ciLowerLimit", lo), (a["loc"] + "/ciUpperLimit", hi))))
    return pd.concat(found, ignore_index=True) if found else emit(s, message="")


@rule("TG403", "estimate-outside-ci", Severity.ERROR,
      summary="A statistical analysis reports an estimate outside its own confidence interval.",
      rationale="A confidence interval contains its point estimate: ci_low <= estimate <= ci_high (one-sided "
                "intervals are checked on the bound they report).",
      example="Analysis (Hazard Ratio (HR)): estimate 1.45 lies outside its 95% confidence interval 0.47 to 0.81",
      tables=("analyses",))
def estimate_outside_ci(ds: Dataset) -> pd.DataFrame:
    a = ds.analyses
    a = a[a["estimate"].notna()]
    low = a["ci_low"].notna() & (a["estimate"] < a["ci_low"])
    high = a["ci_high"].notna() & (a["estimate"] > a["ci_high"])
    bad = a[(low | high) & ~(a["ci_low"].notna() & a["ci_high"].notna() & (a["ci_low"] > a["ci_high"]))]
    if bad.empty:
        return emit(bad, message="")
    e, lo, hi = number_text(bad, "estimate"), number_text(bad, "ci_low"), number_text(bad, "ci_high")
    pct = bad["ci_pct"].fillna("").astype(str)
    pct = pct.where(pct == "", pct.str.rstrip("%") + "% ")
    msg = ("Analysis (" + bad["param"].fillna("estimate") + "): estimate " + e + " lies outside its " + pct
           + "confidence interval " + lo.where(lo != "", "-inf") + " to " + hi.where(hi != "", "inf"))
    ev = fields((bad["loc"] + "/paramValue", e), (bad["loc"] + "/ciLowerLimit", lo), (bad["loc"] + "/ciUpperLimit", hi))
    return emit(bad, message=msg, observed=e, expected="between " + lo + " and " + hi, evidence=ev)


# ---------------------------------------------------------------- p-values

P_TEXT = re.compile(r"^\s*(?:p\s*(?:-?\s*value)?\s*)?(<=|>=|≤|≥|<|>|=)?\s*(" + NUMBER + r")\s*$", re.IGNORECASE)


@lru_cache(maxsize=65536)
def parse_p(text: str) -> tuple[str, float, float] | None:
    """(operator, p_lo, p_hi) for a p-value text: "<0.001" -> ('<', 0, 0.001); "0.05" -> ('=', 0.045, 0.055).

    The interval holds every value the text allows: a rounded p is within half a unit of its last digit.
    Returns None when the text is not a p-value.
    """
    m = P_TEXT.match(text)
    if not m:
        return None
    op = {"≤": "<=", "≥": ">=", None: "="}.get(m.group(1), m.group(1))
    num = m.group(2).replace(",", "")
    x = float(num)
    if op in ("<", "<="):
        return op, 0.0, x
    if op in (">", ">="):
        return op, x, max(x, 1.0)
    h = _half_unit_of(num)
    return op, max(x - h, 0.0), x + h


@per_chunk("analyses")
def _p_table(ds: Dataset) -> pd.DataFrame:
    """Analyses with a p-value, parsed once per distinct text and once per chunk (three rules read it)."""
    a = ds.analyses
    a = rows_where(a, a["p_text"].notna() & (a["p_text"].astype(str).str.strip() != ""))
    codes, uniq = pd.factorize(a["p_text"].astype(str))
    uniq = pd.Series(uniq)
    parsed = pd.DataFrame(uniq.map(parse_p).map(lambda t: t if t is not None else (None, np.nan, np.nan)).tolist(),
                          columns=["p_op", "p_lo", "p_hi"])
    parsed["p_value"] = pd.to_numeric(uniq.str.extract("(" + NUMBER + ")")[0].str.replace(",", ""), errors="coerce")
    return pd.concat([a, parsed.take(codes).set_axis(a.index)], axis=1)


@rule("TG404", "p-value-unreadable", Severity.ERROR,
      summary="A p-value is not a number (optionally with <, <=, >, >= or =).",
      rationale="A p-value is a probability written as a number, e.g. 0.05, <0.001, =.885; anything else cannot "
                "be checked or compared.",
      example="Analysis (Odds Ratio (OR)): p-value 'significant' is not a number",
      tables=("analyses",))
def p_value_unreadable(ds: Dataset) -> pd.DataFrame:
    a = _p_table(ds)
    bad = a[a["p_op"].isna()]
    if bad.empty:
        return emit(bad, message="")
    msg = "Analysis (" + bad["param"].fillna("estimate") + "): p-value '" + bad["p_text"] + "' is not a number"
    return emit(bad, message=msg, observed=bad["p_text"], expected="a number such as 0.03 or <0.001",
                evidence=fields((bad["loc"] + "/pValue", bad["p_text"])))


@rule("TG405", "p-value-out-of-range", Severity.ERROR,
      summary="A p-value is below 0 or above 1.",
      rationale="A p-value is a probability: 0 <= p <= 1.",
      example="Analysis (Mean Difference (Net)): p-value 1.2 is outside 0..1",
      tables=("analyses",))
def p_value_out_of_range(ds: Dataset) -> pd.DataFrame:
    a = _p_table(ds)
    bad = a[a["p_op"].notna() & ((a["p_value"] < 0) | (a["p_value"] > 1)) & ~a["p_op"].isin(["<", "<="])]
    if bad.empty:
        return emit(bad, message="")
    msg = "Analysis (" + bad["param"].fillna("estimate") + "): p-value " + bad["p_text"] + " is outside 0..1"
    return emit(bad, message=msg, observed=bad["p_text"], expected="0 <= p <= 1",
                evidence=fields((bad["loc"] + "/pValue", bad["p_text"])))


RATIO = r"ratio|hazard|odds|relative risk|\b(?:hr|or|rr|irr)\b"
DIFFERENCE = r"differ"


def _normal_sf2(z: pd.Series) -> pd.Series:
    """Two-sided normal tail probability 2(1 - Phi(|z|)) for the few candidate rows."""
    nd = NormalDist()
    return z.map(lambda v: 2 * (1 - nd.cdf(abs(v))) if v == v else np.nan)


@rule("TG406", "p-value-disagrees-with-ci", Severity.WARNING,
      summary="A p-value and its confidence interval disagree about statistical significance.",
      rationale="A two-sided (1 - alpha) confidence interval excludes the null value (0 for a difference, 1 for a "
                "ratio) exactly when the matching test gives p < alpha. From the interval: SE = (U - L) / (2 z), "
                "with z = Phi^-1(1 - alpha/2), on the log scale for ratios; z_est = |estimate - null| / SE; "
                "p = 2 (1 - Phi(z_est)) (Altman & Bland, BMJ 2011;343:d2090). Flagged only when every reading of "
                "the rounded limits and p disagrees about p < alpha, and the reported p and the p derived from "
                "the interval differ by more than a factor of 2 (tests other than the interval's can differ a "
                "little near alpha).",
      example="Analysis (Difference in percentages): p = 0.49, but the 95% CI 1.0 to 9.0 excludes 0 (p from the "
              "CI: 0.014)",
      tables=("analyses",))
def p_value_disagrees_with_ci(ds: Dataset) -> pd.DataFrame:
    a = _p_table(ds)
    a = rows_where(a, a["p_op"].notna() & a["estimate"].notna() & a["ci_low"].notna() & a["ci_high"].notna())
    pct = per_distinct(a["ci_pct"], lambda p: pd.to_numeric(p.astype(str).str.extract("(" + NUMBER + ")")[0],
                                                             errors="coerce"))
    one_sided = per_distinct(a["ci_sides"], lambda s: s.fillna("").astype(str).str.lower().str.contains("1|one"))
    param = per_distinct(a["param"], lambda p: p.fillna("").astype(str).str.lower())
    ratio = per_distinct(param, lambda p: p.str.contains(RATIO, regex=True))
    diff = per_distinct(param, lambda p: p.str.contains(DIFFERENCE)) & ~ratio
    ok = (pct > 50) & (pct < 100) & ~one_sided & (ratio | diff)
    ok &= ~ratio | ((a["ci_low"] > 0) & (a["estimate"] > 0))
    ok &= a["ci_low"] < a["ci_high"]
    a, pct, ratio = a[ok], pct[ok], ratio[ok]
    if a.empty:
        return emit(a, message="")
    alpha = 1 - pct / 100
    null = ratio.map({True: 1.0, False: 0.0})
    h_lo, h_hi = half_unit(_text_or_str(a["ci_low_text"], a["ci_low"])), half_unit(
        _text_or_str(a["ci_high_text"], a["ci_high"]))
    excludes = (a["ci_low"] - h_lo > null) | (a["ci_high"] + h_hi < null)
    includes = (a["ci_low"] + h_lo < null) & (a["ci_high"] - h_hi > null)
    strict = a["p_op"].isin(["<"])
    significant = (a["p_hi"] < alpha) | (strict & (a["p_hi"] <= alpha))
    not_significant = (a["p_lo"] > alpha) | (a["p_op"].isin([">="]) & (a["p_lo"] >= alpha))
    cand = (excludes & not_significant) | (includes & significant)
    a, alpha, null, ratio = a[cand], alpha[cand], null[cand], ratio[cand]
    zcrit = alpha.map(lambda x: NormalDist().inv_cdf(1 - x / 2))
    est, lo, hi = a["estimate"], a["ci_low"], a["ci_high"]
    log_se = (np.log(hi.where(ratio)) - np.log(lo.where(ratio))) / (2 * zcrit)
    lin_se = (hi - lo) / (2 * zcrit)
    z = (np.log(est.where(ratio)).abs() / log_se).where(ratio, (est - null).abs() / lin_se)
    derived = _normal_sf2(z)
    far = (derived * 2 < a["p_lo"]) | (derived > a["p_hi"] * 2)
    bad = a[far]
    if bad.empty:
        return emit(bad, message="")
    derived, alpha = derived[far], alpha[far]
    e, lo_t, hi_t = number_text(bad, "estimate"), number_text(bad, "ci_low"), number_text(bad, "ci_high")
    null_t = null[far].map({1.0: "1", 0.0: "0"})
    verdict = pd.Series("excludes ", index=bad.index).where(bad["p_lo"] > alpha, "includes ")
    p_shown = bad["p_text"].str.strip()
    p_shown = p_shown.where(p_shown.str.match(r"^[<>=≤≥]"), "= " + p_shown)
    pct_t = bad["ci_pct"].astype(str).str.rstrip("%")
    dp = derived.map(lambda v: f"{v:.2g}" if v >= 0.001 else "<0.001")
    msg = ("Analysis (" + bad["param"].fillna("") + "): p " + p_shown + ", but the " + pct_t + "% CI " + lo_t
           + " to " + hi_t + " " + verdict + null_t + " (p from the CI: " + dp + ")")
    ev = fields((bad["loc"] + "/paramValue", e), (bad["loc"] + "/ciLowerLimit", lo_t),
                (bad["loc"] + "/ciUpperLimit", hi_t), (bad["loc"] + "/pValue", bad["p_text"]))
    return emit(bad, message=msg, observed="p " + p_shown, expected="p from the CI " + dp, evidence=ev)


# ---------------------------------------------------------------- SD and range

@per_chunk("stats")
def _sd_range_rows(ds: Dataset) -> pd.DataFrame:
    """Stats rows with an SD (or unnamed spread), a range and a value, with half units; two rules read them."""
    s = ds.stats
    s = s[s["spread"].notna() & s["lower"].notna() & s["upper"].notna() & s["value"].notna()
          & (s["spread"] >= 0) & (s["lower"] <= s["upper"])]
    s = s[dispersion_kind(s["dispersion"]).isin(["sd", ""])].copy()
    for col in ("value", "spread", "lower", "upper"):
        s[f"h_{col}"] = half_unit(number_text(s, col)) if len(s) else pd.Series(dtype="float64", index=s.index)
    return s


def _exact_reading(row, col):
    """(low, high): the exact values a rounded number text can stand for (the parsed value if no text)."""
    text = row[f"{col}_text"]
    f = fraction(text) if isinstance(text, str) else None
    if f is None:
        return Fraction(row[col]), Fraction(row[col])
    h = _half_exact(text)
    return f - h, f + h


def _half_exact(text: str) -> Fraction:
    t = text.strip()
    m = re.search(r"\.(\d*)", t)
    dec = len(m.group(1)) if m else 0
    e = re.search(r"[eE]([-+]?\d+)$", t)
    return Fraction(1, 2) * Fraction(10) ** ((int(e.group(1)) if e else 0) - dec)


def _max_var(n, lo_m, hi_m, lo_mu, hi_mu):
    """Largest sample variance any reading allows: n/(n-1) (M - mu)(mu - m), maximised over the readings."""
    mid = (lo_m + hi_m) / 2
    mu = min(max(mid, lo_mu), hi_mu)
    factor = Fraction(2) if n is None else Fraction(n, n - 1)
    return factor * max(hi_m - mu, 0) * max(mu - lo_m, 0)


@rule("TG407", "sd-exceeds-range-bound", Severity.ERROR,
      summary="A standard deviation is larger than a range and mean allow (Bhatia-Davis inequality).",
      rationale="Values in [m, M] with mean mu have population variance <= (M - mu)(mu - m) (Bhatia & Davis "
                "2000); the sample variance (n - 1 denominator) is n/(n - 1) times the population variance, so "
                "SD <= sqrt(n/(n-1) (M - mu)(mu - m)); with n unknown, n/(n-1) <= 2. Checked at the most "
                "favourable reading of the rounded SD, mean, minimum and maximum.",
      example="Age, Continuous, Cohort: SD 25 exceeds the largest SD that mean 49 and range 30 to 67 allow (19.8)",
      tables=("stats",))
def sd_exceeds_range_bound(ds: Dataset) -> pd.DataFrame:
    s = _sd_range_rows(ds)
    if s.empty:
        return emit(s, message="")
    n = s["n"].astype("float64")
    factor = (n / (n - 1)).where(n > 1, 2.0)
    mu = s["value"].clip(s["lower"] - s["h_lower"], s["upper"] + s["h_upper"])
    bound = factor * (s["upper"] + s["h_upper"] - mu).clip(lower=0) * (mu - s["lower"] + s["h_lower"]).clip(lower=0)
    sd_lo = (s["spread"] - s["h_spread"]).clip(lower=0)
    cand = s[(sd_lo ** 2) > bound * (1 + 1e-9) + 1e-12]
    keep, limit = [], []
    for _, r in cand.iterrows():  # exact confirmation on the few candidates
        sd_low, _ = _exact_reading(r, "spread")
        lo_m, _ = _exact_reading(r, "lower")
        _, hi_m = _exact_reading(r, "upper")
        lo_mu, hi_mu = _exact_reading(r, "value")
        nn = int(r["n"]) if r["n"] is not pd.NA and r["n"] == r["n"] and int(r["n"]) > 1 else None
        var = _max_var(nn, lo_m, hi_m, lo_mu, hi_mu)
        keep.append(max(sd_low, 0) ** 2 > var)
        limit.append(float(var) ** 0.5)
    bad = cand[keep] if len(cand) else cand
    if bad.empty:
        return emit(bad, message="")
    lim = pd.Series([l for k, l in zip(keep, limit) if k], index=bad.index, dtype="float64")
    sd, v, lo, hi = number_text(bad, "spread"), number_text(bad, "value"), number_text(bad, "lower"), number_text(bad, "upper")
    msg = (_labels(ds, bad) + ": SD " + sd + " exceeds the largest SD that mean " + v + " and range " + lo + " to "
           + hi + " allow (" + lim.map(lambda x: f"{x:.3g}") + ")")
    ev = fields((bad["loc"] + "/spread", sd), (bad["loc"], v), (bad["loc"] + "/lowerLimit", lo),
                (bad["loc"] + "/upperLimit", hi))
    return emit(bad, message=msg, observed=sd, expected="<= " + lim.map(lambda x: f"{x:.3g}"), evidence=ev)


@rule("TG408", "sd-below-range-bound", Severity.ERROR,
      summary="A standard deviation is smaller than n values spanning the reported range allow.",
      rationale="n values with minimum m and maximum M (range R = M - m) have sum of squared deviations at least "
                "R^2/2 (the two extremes, every other value at their midpoint), so the sample SD >= "
                "R / sqrt(2 (n - 1)). (With the mean mu fixed the minimum is (mu-m)^2 + (M-mu)^2 + "
                "(2mu-m-M)^2/(n-2); the weaker bound is used so that rounding of the mean never matters.) Checked "
                "at the most favourable reading of the rounded SD and limits; needs n.",
      example="Age, Continuous, Cohort: SD 2.0 is below the smallest SD that 10 values from 30 to 67 allow (8.49)",
      tables=("stats",))
def sd_below_range_bound(ds: Dataset) -> pd.DataFrame:
    s = _sd_range_rows(ds)
    s = s[s["n"].notna() & (s["n"] > 1)]
    if s.empty:
        return emit(s, message="")
    n = s["n"].astype("float64")
    r_min = (s["upper"] - s["h_upper"] - s["lower"] - s["h_lower"]).clip(lower=0)
    bound = r_min ** 2 / (2 * (n - 1))
    sd_hi = s["spread"] + s["h_spread"]
    cand = s[sd_hi ** 2 * (1 + 1e-9) + 1e-12 < bound]
    keep, limit = [], []
    for _, r in cand.iterrows():
        _, sd_high = _exact_reading(r, "spread")
        _, lo_m = _exact_reading(r, "lower")
        hi_m, _ = _exact_reading(r, "upper")
        var = max(hi_m - lo_m, 0) ** 2 / (2 * (int(r["n"]) - 1))
        keep.append(sd_high ** 2 < var)
        limit.append(float(var) ** 0.5)
    bad = cand[keep] if len(cand) else cand
    if bad.empty:
        return emit(bad, message="")
    lim = pd.Series([l for k, l in zip(keep, limit) if k], index=bad.index, dtype="float64")
    sd, lo, hi = number_text(bad, "spread"), number_text(bad, "lower"), number_text(bad, "upper")
    msg = (_labels(ds, bad) + ": SD " + sd + " is below the smallest SD that " + bad["n"].astype(str)
           + " values from " + lo + " to " + hi + " allow (" + lim.map(lambda x: f"{x:.3g}") + ")")
    ev = fields((bad["loc"] + "/spread", sd), (bad["loc"] + "/lowerLimit", lo), (bad["loc"] + "/upperLimit", hi))
    return emit(bad, message=msg, observed=sd, expected=">= " + lim.map(lambda x: f"{x:.3g}"), evidence=ev)


# ---------------------------------------------------------------- medians of integer data

INTEGER_UNITS = (r"^(?:number of )?(?:participants?|patients?|subjects?|people|persons?|events?|episodes?|"
                 r"counts?|lesions?|relapses?|exacerbations?|attacks?|seizures?|falls?|visits?|admissions?|"
                 r"hospitali[sz]ations?|pregnanc(?:y|ies)|births?|infusions?|cycles?|procedures?)$")


@rule("TG409", "half-median-needs-even-n", Severity.WARNING,
      summary="A median ending in .5 of whole-number data (counts) is reported for an odd number of values.",
      rationale="With n odd the median is the middle value itself, so for whole-number data it is a whole "
                "number; a median of x.5 needs n even (the mean of the two middle values). Only measures whose "
                "unit is a count (participants, events, episodes, ...) are certainly whole numbers.",
      example="Number of relapses, Drug A: median 2.5 of 15 participants (odd n; whole-number data)",
      tables=("stats",))
def half_median_needs_even_n(ds: Dataset) -> pd.DataFrame:
    s = ds.stats
    s = s[(param_kind(s["param"]) == "median") & s["n"].notna() & (s["n"] % 2 == 1)]
    unit = s["unit"].fillna("").astype(str).str.strip().str.lower()
    s = s[unit.str.match(INTEGER_UNITS)]
    vt = number_text(s, "value").astype(str).str.strip()
    bad = s[vt.str.fullmatch(r"[-+]?\d+\.50*")]
    if bad.empty:
        return emit(bad, message="")
    v = number_text(bad, "value")
    msg = (_labels(ds, bad) + ": median " + v + " of " + bad["n"].astype(str) + " (odd n; whole-number data in "
           + bad["unit"].fillna("") + ")")
    return emit(bad, message=msg, observed=v, expected="a whole number (n odd)",
                evidence=fields((bad["loc"], v), (bad["loc"] + "#n", bad["n"])))


# ---------------------------------------------------------------- curves over time

TIME_POINT = re.compile(
    r"(?:(\d+(?:\.\d+)?)\s*-?\s*(day|week|month|year|yr|mo|wk)s?\b)|(?:\b(day|week|month|year)\s*(\d+(?:\.\d+)?))",
    re.IGNORECASE)
DAYS = {"day": 1.0, "week": 7.0, "wk": 7.0, "month": 365.25 / 12, "mo": 365.25 / 12, "year": 365.25, "yr": 365.25}
NON_INCREASING = (r"surviv|persist|remain|sustain|durab|(?:event|progression|relapse|disease|recurrence)[- ]free|"
                  r"vector copy number|limit of detection")
PROPORTION = r"%|percent|proportion|probab"


@lru_cache(maxsize=65536)
def time_point_days(text: str) -> float | None:
    """Days of the single time point a text names ("12 months", "Month 12", "Week 24"), else None (also when
    the text holds any other number, as in "12 and 24 months" or "Day 1 to Week 24")."""
    found = TIME_POINT.findall(text or "")
    if len(found) != 1 or len(re.findall(r"\d+(?:\.\d+)?", text)) != 1:
        return None
    n1, u1, u2, n2 = found[0]
    num, unit = (n1, u1) if n1 else (n2, u2)
    return float(num) * DAYS[unit.lower()]


CURVE_COLUMNS = ["trial_id", "source_id", "file", "loc", "block", "measure", "class_title", "category", "group_id",
                 "param", "unit", "value", "value_text", "time_frame"]


def _curve_points(ds: Dataset) -> pd.DataFrame:
    """Values over time that can be a share of a cohort that cannot grow (survival, persistence, ...):
    registry and curated statistics, and curated percentages of a cohort ("50% of patients at 12 months" is a
    count row with a percent and a time frame). Each source is narrowed before the two are put together."""
    c = ds.counts
    c = c[c["percent_text"].notna()]
    pct = c["percent_text"].astype(str).str.strip().str.rstrip("%").str.strip()
    c = c.assign(param="percent", unit="%", value=pd.to_numeric(pct.where(pct.str.fullmatch(NUMBER)), errors="coerce"),
                 value_text=pct)
    parts = []
    for points in (ds.stats[CURVE_COLUMNS], c[CURVE_COLUMNS]):
        what = points["measure"].fillna("") + " " + points["class_title"].fillna("")
        proportion = per_distinct(points["unit"], lambda u: u.fillna("").str.contains(PROPORTION, case=False)) | (
            per_distinct(points["param"], lambda p: _param_kind(p).str.contains(r"percent|proportion|probab|rate")))
        parts.append(rows_where(points, points["value"].notna() & proportion
                                & per_distinct(what, lambda w: w.str.contains(NON_INCREASING, case=False))))
    return pd.concat(parts, ignore_index=True)


@rule("TG410", "proportion-rises-over-time", Severity.WARNING,
      summary="A survival, persistence or remission proportion is higher at a later time point.",
      rationale="The share of a cohort still alive, event-free, persisting or remaining in response cannot grow "
                "with time: for t1 < t2, S(t2) <= S(t1). Time points come from the category, the class or the "
                "time frame (e.g. '12 months', 'Month 24'); a different denominator at a later time point can "
                "explain a rise, hence a warning.",
      example="CAR-T persistence, Cohort: 60% at 24 months is higher than 50% at 12 months",
      tables=("stats",))
def proportion_rises_over_time(ds: Dataset) -> pd.DataFrame:
    s = _curve_points(ds)
    found = []
    base = ["trial_id", "source_id", "block", "measure", "group_id", "param", "unit"]
    values = s["value"].to_numpy(dtype="float64", na_value=np.nan)
    for src in ("category", "class_title", "time_frame"):
        t = s[src].fillna("").astype(str)
        uniq = pd.Series(t.unique())
        days = t.map(dict(zip(uniq, uniq.map(time_point_days)))).to_numpy(dtype="float64", na_value=np.nan)
        at = np.flatnonzero(~np.isnan(days))  # the rows of `s` whose `src` names a time point
        key = base + [c for c in ("class_title", "category", "time_frame") if c != src]
        # each point after the one before it in time on its curve (same key): sorted by key and time, and
        # compared with the row above when that row has the same key (integer codes, not texts, are sorted);
        # only the key columns of those rows are taken, whole rows only for the rises
        part = s[key].iloc[at].assign(t=days[at])
        order = sort_order(part, key + ["t"])
        curve = key_codes(part, key)[order]
        t_, value = days[at][order], values[at][order]
        rise = np.flatnonzero((curve[1:] == curve[:-1]) & (t_[:-1] < t_[1:]) & (value[1:] > value[:-1])) + 1
        if len(rise):
            now, before = at[order[rise]], at[order[rise - 1]]
            p = s.iloc[before]
            found.append(s.iloc[now].assign(tsrc=t.array.take(now), prev_value=p["value"].to_numpy(),
                                            prev_text=p["value_text"].array, prev_t=t.array.take(before),
                                            prev_loc=p["loc"].array))
    if not found:
        return emit(s.iloc[:0], message="")
    bad = pd.concat(found).drop_duplicates(["trial_id", "source_id", "loc"])
    unit = bad["unit"].fillna("").map(lambda u: "%" if "%" in u or "percent" in u.lower() else (" " + u if u else ""))
    v = number_text(bad, "value")
    pv = bad["prev_text"].astype("object").where(bad["prev_text"].notna(), bad["prev_value"].astype(str))
    msg = (_labels(ds, bad) + ": " + v + unit + " at " + bad["tsrc"] + " is higher than " + pv + unit + " at "
           + bad["prev_t"])
    ev = fields((bad["prev_loc"], pv), (bad["loc"], v))
    return emit(bad, message=msg, observed=v, expected="<= " + pv, evidence=ev)
