"""TG5xx: doses that cannot be read, were read by guessing an exponent, mix bases, disagree or are implausible.

The `doses` table is filled by the `doses` enricher (trialguard.dose_table) before these rules run.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from trialguard.dataset import Dataset
from trialguard.dose_table import fill_doses
from trialguard.doses import BANDS, UNITS, base_factor
from trialguard.enrich import enricher
from trialguard.findings import Severity, emit
from trialguard.validators.registry import rule

enricher("doses")(fill_doses)

_DIMENSION = {u: dim for u, (dim, _) in UNITS.items()}
_FACTOR = {u: float(base_factor(u)) for u in UNITS}
_PER = {"per_kg": "/kg", "per_m2": "/m2", "flat": ""}


def _has_flag(d: pd.DataFrame, flag: str) -> pd.Series:
    return d["flags"].fillna("").str.split().map(lambda fs: flag in fs).astype(bool)


def _evidence(rows: pd.DataFrame) -> list[dict]:
    return [{"quote": q if isinstance(q, str) else r, "highlight": [r] if isinstance(r, str) else []}
            for q, r in zip(rows["quote"], rows["raw"])]


def _with_base(d: pd.DataFrame) -> pd.DataFrame:
    """Doses with their dimension and lo/hi in the dimension's base unit (mg, mL, cells, IU)."""
    unit = d["unit"].astype("object")
    d = d.assign(dimension=unit.map(_DIMENSION).astype("object"), factor=unit.map(_FACTOR).astype("float64"))
    return d.assign(base_lo=d["lo"] * d["factor"], base_hi=d["hi"] * d["factor"])


def _exact_base(d: pd.DataFrame, col: str) -> pd.Series:
    """`col` (lo or hi) of rows with a value, exactly in the base unit, for comparisons that must not be decided
    by binary rounding (10 * 0.14 mg is 1.4000000000000001 mg in floats). The table's float was made from the
    Decimal the parser read (or a curator's number), and its shortest repr gives that decimal back; the unit
    factor is exact (pint with Decimal). Each distinct (value, unit) is converted once."""
    keys = list(zip(d[col].astype("float64"), d["unit"].astype("object")))
    exact = {k: Decimal(repr(k[0])) * base_factor(k[1]) for k in dict.fromkeys(keys)}
    return pd.Series([exact[k] for k in keys], index=d.index, dtype="object")


def _shown(v: float) -> str:
    """A dose value as a curator writes it: '53', '0.5', and powers of ten for large counts ('5×10^5')."""
    d = Decimal(repr(v)).normalize()
    if abs(d) < 100_000:
        return f"{d:f}"
    sign, digits, exp = d.as_tuple()
    power = len(digits) - 1 + exp
    mantissa = (d.scaleb(-power)).normalize()
    return f"{mantissa:f}×10^{power}"


def _fmt(x: pd.Series) -> pd.Series:
    return x.map(lambda v: _shown(v) if pd.notna(v) else "").astype("object")


@rule("TG501", "dose-unparseable", Severity.INFO,
      summary="A dose statement has no number trialguard can read.",
      rationale="A dose that cannot be parsed cannot be compared across sources or checked for plausibility; "
                "a curator should restate it (number, unit, basis).",
      example="raw: 'as tolerated'", tables=("doses",))
def dose_unparseable(ds: Dataset) -> pd.DataFrame:
    d = ds.doses
    bad = d[d["raw"].notna() & d["raw"].str.strip().ne("") & d["lo"].isna()]
    return emit(bad, message="dose '" + bad["raw"].astype(str) + "' could not be parsed",
                observed=bad["raw"].astype(str), expected="number + unit (+ /kg or /m2)", evidence=_evidence(bad))


@rule("TG502", "dose-exponent-recovered", Severity.WARNING,
      summary="A dose reads as 'm×10d' with a lost superscript; only the exponent reading is plausible.",
      rationale="'0.5×106 cells/kg' is literally 53 cells/kg, far below any cell dose; read as 0.5×10^6 it is "
                "plausible. The value was recovered, but the source text is wrong and should be corrected.",
      example="'0.5×106 CAR-T cells/kg' -> 5×10^5 cells/kg", tables=("doses",))
def dose_exponent_recovered(ds: Dataset) -> pd.DataFrame:
    d = ds.doses
    bad = d[_has_flag(d, "exponent_recovered")]
    value = _fmt(bad["lo"]) + " " + bad["unit"].astype("object") + bad["basis"].map(_PER).fillna("").astype("object")
    return emit(bad, message="'" + bad["raw"].astype(str) + "' read as " + value
                + " (lost superscript exponent recovered)",
                observed=bad["raw"].astype(str), expected=value,
                evidence=_evidence(bad))


@rule("TG503", "dose-exponent-ambiguous", Severity.WARNING,
      summary="A dose reads as 'm×10d' and neither or both readings (m×10^d, m×10d) are plausible.",
      rationale="Without a unit and basis whose plausibility band decides, the value of '0.5×106/kg' is "
                "unknown; the exponent reading is stored but must be confirmed from the source.",
      example="'0.5×106/kg'", tables=("doses",))
def dose_exponent_ambiguous(ds: Dataset) -> pd.DataFrame:
    d = ds.doses
    bad = d[_has_flag(d, "exponent_ambiguous")]
    return emit(bad, message="'" + bad["raw"].astype(str) + "' may be " + _fmt(bad["lo"])
                + " (exponent) or a literal product; the value is ambiguous",
                observed=bad["raw"].astype(str), expected="an explicit exponent (10^d)", evidence=_evidence(bad))


@rule("TG504", "dose-basis-mixed", Severity.WARNING,
      summary="One cohort states a weight-based (per kg) and a flat dose of the same kind without a cap.",
      rationale="'1×10^6 cells/kg' and '1×10^8 cells' for one cohort are consistent only for a 100 kg patient; "
                "a report that mixes them states a maximum or weight bands. Without one, one of them is wrong. "
                "Checked on curated cohorts only: registry arm text legitimately mixes bases across regimen "
                "phases ('IV 7 mg/kg q12h, then oral 200 mg q12h'; 'nivolumab 3 mg/kg q2w, later 480 mg q4w'), "
                "23 such arms in the 143-record corpus, none an error.",
      example="arm: '2×10^6 CAR-T cells/kg' and '2×10^8 CAR-T cells', no 'maximum'", tables=("doses",))
def dose_basis_mixed(ds: Dataset) -> pd.DataFrame:
    d = _with_base(ds.doses)
    d = d[d["dimension"].notna() & d["lo"].notna() & d["group_id"].notna() & d["block"].eq("cohort")]
    if d.empty:
        return emit(d, message="")
    key = ["trial_id", "source_id", "block", "group_id", "dimension"]
    capped = (_has_flag(d, "cap") | _has_flag(d, "weight_band")).groupby([d[k] for k in key], dropna=False).transform("any")
    d = d[~capped]
    per_kg = d[d["basis"] == "per_kg"].drop_duplicates(subset=key)
    flat = d[d["basis"] == "flat"].drop_duplicates(subset=key)
    both = per_kg.merge(flat[key + ["raw", "loc"]], on=key, how="inner", suffixes=("", "_flat"))
    return emit(both, message="arm '" + both["group_id"].astype(str) + "' has a per-kg dose '" + both["raw"]
                + "' and a flat dose '" + both["raw_flat"] + "' without a stated cap",
                observed=both["raw"] + " | " + both["raw_flat"], expected="one basis, or a stated maximum",
                evidence=[{"quote": q if isinstance(q, str) else r, "highlight": [r, f]}
                          for q, r, f in zip(both["quote"], both["raw"], both["raw_flat"])])


def _cohort_key(d: pd.DataFrame) -> pd.Series:
    level = d["level"].astype("string")
    name = d["group_id"].astype("string").str.lower().str.strip()
    return ("L" + level).fillna("G" + name)


@rule("TG505", "dose-sources-disagree", Severity.WARNING,
      summary="Two sources state doses for the same cohort of a trial that differ by 10× or more.",
      rationale="Doses of one cohort reported by a registry and an article (or two articles) should agree; "
                "a factor of 10 or more is a unit slip or a lost exponent in one of them. "
                "Compared exactly (Decimal) in base units (mg, mL, cells) on the same basis: max(lo) / min(lo) "
                ">= 10.",
      example="registry '1×10^6 cells/kg', article '1×10^7 cells/kg' for dose level 1",
      scope="sources", tables=("doses",))
def dose_sources_disagree(ds: Dataset) -> pd.DataFrame:
    d = _with_base(ds.doses)
    d = d[d["trial_id"].fillna("").ne("") & d["base_lo"].gt(0) & d["dimension"].notna()]
    d = d.assign(cohort=_cohort_key(d))
    d = d[d["cohort"].notna()]
    key = ["trial_id", "cohort", "basis", "dimension"]
    # Only a cohort stated by two sources can disagree. Registry-only cohorts are most rows, and pairing them
    # with themselves grew quadratically per cohort (gigabytes at 10k records) before the filter below
    # dropped every pair; a missing source id counts as different, as in that filter.
    by_cohort = d.groupby(key, dropna=False, sort=False)["source_id"]
    d = d[by_cohort.transform("nunique").gt(1) | d["source_id"].isna().groupby(
        [d[k] for k in key], dropna=False, sort=False).transform("any")]
    d = d.assign(exact_lo=_exact_base(d, "lo"))
    cols = key + ["source_id", "file", "loc", "raw", "quote", "base_lo", "exact_lo"]
    pairs = d[cols].merge(d[cols], on=key, suffixes=("", "_o"))
    pairs = pairs[pairs["source_id"] != pairs["source_id_o"]]
    pairs = pairs[(pairs["exact_lo"] >= 10 * pairs["exact_lo_o"]).astype(bool)]
    pairs = pairs.sort_values(["source_id", "loc", "source_id_o", "loc_o"], kind="mergesort")
    if pairs.empty:
        return emit(pairs, message="")
    ratio = (pairs["base_lo"] / pairs["base_lo_o"]).map(lambda r: f"{r:g}").astype("object")
    return emit(pairs, message="dose '" + pairs["raw"] + "' is " + ratio + "× the dose '" + pairs["raw_o"]
                + "' that " + pairs["source_id_o"] + " states for the same cohort",
                observed=pairs["raw"] + " vs " + pairs["raw_o"], expected="within a factor of 10",
                evidence=[{"quote": q if isinstance(q, str) else r, "highlight": [r],
                           "other": {"source_id": s, "file": f, "loc": l, "quote": oq if isinstance(oq, str) else o}}
                          for q, r, s, f, l, oq, o in zip(pairs["quote"], pairs["raw"], pairs["source_id_o"],
                                                          pairs["file_o"], pairs["loc_o"], pairs["quote_o"],
                                                          pairs["raw_o"])])


@rule("TG506", "dose-escalation-not-increasing", Severity.WARNING,
      summary="A dose-escalation level has a dose no higher than the level before it.",
      rationale="Escalation cohorts are numbered in the order of increasing dose; level k+1 with a dose <= level "
                "k means a swapped cohort, a typo or a lost exponent: lo(k+1) > lo(k), compared exactly (Decimal) "
                "on the same basis and unit dimension, in base units.",
      example="level 1: 1.0×10^6 cells/kg, level 2: 0.5×10^6 cells/kg", tables=("doses",))
def dose_escalation_not_increasing(ds: Dataset) -> pd.DataFrame:
    d = _with_base(ds.doses)
    d = d[d["level"].notna() & d["base_lo"].notna() & d["dimension"].notna()]
    key = ["trial_id", "source_id", "basis", "dimension"]
    d = d.sort_values(key + ["level", "loc"], kind="mergesort")
    d = d.drop_duplicates(subset=key + ["level"], keep="first")
    d = d.assign(exact_lo=_exact_base(d, "lo"))
    prev = d.groupby(key, dropna=False)[["exact_lo", "level", "raw"]].shift(1)
    d = d.assign(prev_lo=prev["exact_lo"], prev_level=prev["level"], prev_raw=prev["raw"])
    later = d[d["prev_lo"].notna()]
    bad = later[(later["exact_lo"] <= later["prev_lo"]).astype(bool)]
    if bad.empty:
        return emit(bad, message="")
    return emit(bad, message="escalation level " + bad["level"].astype(str) + " dose '" + bad["raw"]
                + "' is not higher than level " + bad["prev_level"].astype("Int64").astype(str) + " dose '"
                + bad["prev_raw"] + "'",
                observed=bad["raw"] + " <= " + bad["prev_raw"], expected="increasing doses by level",
                evidence=_evidence(bad))


def _band_text(dim, basis) -> str:
    band = BANDS.get((dim, basis))
    return f"{band[0]:g}..{band[1]:g}" if band else ""


@rule("TG507", "dose-out-of-band", Severity.WARNING,
      summary="A dose lies outside the plausibility band of its unit and basis.",
      rationale="Bands (base units, inclusive): cells/kg 1e4..1e9, cells/m2 1e5..1e10, flat cells 1e6..1e11; "
                "mg/kg 1e-4..2e3, mg/m2 1e-2..2e4, flat mg 1e-4..1e5; flat mL 1e-2..5e3; IU/kg 1e-2..1e6, "
                "flat IU 1e-1..1e8. Outside them a dose is almost surely a unit slip or a typo.",
      example="'5×10^10 cells/kg'", tables=("doses",))
def dose_out_of_band(ds: Dataset) -> pd.DataFrame:
    d = _with_base(ds.doses)
    bad = d[_has_flag(d, "out_of_band")]
    band = [_band_text(dim, b) for dim, b in zip(bad["dimension"], bad["basis"])]
    return emit(bad, message="dose '" + bad["raw"].astype(str) + "' is outside the plausible band for "
                + bad["unit"].astype(str) + " " + bad["basis"].astype(str),
                observed=_fmt(bad["base_lo"]) + ".." + _fmt(bad["base_hi"]),
                expected=pd.Series(band, index=bad.index, dtype="object"), evidence=_evidence(bad))
