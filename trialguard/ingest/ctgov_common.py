"""What the two ClinicalTrials.gov formats (API v2 JSON and legacy XML) share once their fields are found:
parsing numbers and dates written as text, and the vocabulary that decides which table a measurement goes to.

Both adapters walk their own syntax and call these helpers, so a v2 record and the same trial in legacy XML
land in identical canonical rows (apart from `loc`). Nothing here raises on odd text: unparseable numbers
become None with the text kept by the caller.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

PUBLISHER = "ClinicalTrials.gov"

# ---------------------------------------------------------------- numbers

_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d*)?(?:[eE][+-]?\d+)?$")


def _decimal(text) -> Decimal | None:
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, float):
        return Decimal(repr(text)) if text == text and text not in (float("inf"), float("-inf")) else None
    return _decimal_text(str(text))


@lru_cache(maxsize=1 << 16)
def _decimal_text(text: str) -> Decimal | None:
    """Registry numbers repeat a lot ("0", "1", "NA"): each distinct text is parsed once."""
    t = text.strip()
    if not t or not any(c.isdigit() for c in t) or not _NUMBER.match(t):
        return None
    try:
        return Decimal(t.replace(",", ""))
    except InvalidOperation:
        return None


INT64_MAX = 2**63 - 1


def parse_float(text) -> float | None:
    """'30,600' -> 30600.0, '.17' -> 0.17, '30.' -> 30.0; 'NA', '<0.001', '', '1e999' -> None."""
    if type(text) is str:
        return float_of_text(text)
    if text is None:
        return None
    return _float_of(_decimal(text))


def parse_int(text) -> int | None:
    """A whole number written as text ('1,204', '158.0'); None for 'NA', '12.5', numbers beyond 64 bits
    (checked on the exponent first, so '1e999999999' costs nothing) or anything else."""
    if type(text) is str:
        return int_of_text(text)
    if text is None:
        return None
    return _int_of(_decimal(text))


# Registry numbers are text and a few texts ("0", "1", "NA", "12") make up most of them: the result for each
# distinct text is cached, so the common case is one dictionary lookup instead of a Decimal parse. The
# caches are bounded, so memory does not grow with the input. The adapters' hot loops, whose values are
# text or missing, call these directly: a cache hit then runs no Python code at all.
@lru_cache(maxsize=1 << 16)
def float_of_text(text: str | None) -> float | None:
    """`parse_float` of a value that is text or None."""
    return None if text is None else _float_of(_decimal_text(text))


@lru_cache(maxsize=1 << 16)
def int_of_text(text: str | None) -> int | None:
    """`parse_int` of a value that is text or None."""
    return None if text is None else _int_of(_decimal_text(text))


def _float_of(d: Decimal | None) -> float | None:
    if d is None:
        return None
    f = float(d)
    return f if f not in (float("inf"), float("-inf")) else None


def _int_of(d: Decimal | None) -> int | None:
    if d is None or d.adjusted() > 18 or d != d.to_integral_value():
        return None
    n = int(d)
    return n if -INT64_MAX <= n <= INT64_MAX else None


def as_text(value) -> str | None:
    """The value as the registry wrote it (numbers that arrived as JSON numbers become their text)."""
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


# ---------------------------------------------------------------- dates

_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_PROSE = re.compile(r"^([A-Za-z]+)\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})$")


def iso_date(text: str | None) -> str | None:
    """An ISO partial date (YYYY, YYYY-MM or YYYY-MM-DD) for registry date text: v2 dates pass through,
    legacy prose ('June 2003', 'August 20, 2008') is converted. Text that is neither is returned unchanged
    so that a date rule can flag it rather than the value silently disappearing."""
    if text is None:
        return None
    t = " ".join(str(text).split())
    if not t:
        return None
    if _ISO.match(t):
        return t
    m = _PROSE.match(t)
    if m and m.group(1).lower() in _MONTHS:
        month = _MONTHS[m.group(1).lower()]
        day = f"-{int(m.group(2)):02d}" if m.group(2) else ""
        return f"{m.group(3)}-{month:02d}{day}"
    return t


_DATE_TYPES = {"ACTUAL": "ACTUAL", "ESTIMATED": "ESTIMATED", "ESTIMATE": "ESTIMATED", "ANTICIPATED": "ESTIMATED"}


def date_type(text: str | None) -> str | None:
    """ACTUAL or ESTIMATED (legacy XML says Actual / Anticipated / Estimate); None when the record gives none."""
    if not text:
        return None
    t = str(text).strip().upper()
    return _DATE_TYPES.get(t, t)


# ---------------------------------------------------------------- enumerations


def enum_token(text: str | None) -> str | None:
    """Legacy display text as the v2 enum token: 'Active, not recruiting' -> 'ACTIVE_NOT_RECRUITING'."""
    if text is None:
        return None
    return _enum_token(str(text))


@lru_cache(maxsize=1 << 12)
def _enum_token(text: str) -> str | None:  # a few dozen distinct texts, read once per measure
    t = re.sub(r"[^A-Za-z0-9]+", "_", text.strip()).strip("_").upper()
    return t or None


_LEGACY_STATUS = {"UNKNOWN_STATUS": "UNKNOWN", "AVAILABLE": "AVAILABLE"}


def status_token(text: str | None) -> str | None:
    t = enum_token(text)
    return _LEGACY_STATUS.get(t, t) if t else None


def phase_token(text: str) -> str:
    """'Phase 1' -> 'PHASE1', 'Early Phase 1' -> 'EARLY_PHASE1', 'N/A' -> 'NA' (the v2 tokens)."""
    t = str(text).strip()
    if t.upper() in ("N/A", "NA"):
        return "NA"
    return re.sub(r"PHASE_(\d)", r"PHASE\1", enum_token(t) or "")


def join_phases(phases) -> str | None:
    """Several phases (a phase 1/2 trial) as one text: 'PHASE1/PHASE2'."""
    tokens = [p for p in phases if p]
    return "/".join(tokens) if tokens else None


_INTERVENTION_TYPE_NAMES = {"DIAGNOSTIC_TEST": "Diagnostic Test", "COMBINATION_PRODUCT": "Combination Product",
                            "DIETARY_SUPPLEMENT": "Dietary Supplement", "GENETIC": "Genetic"}


def intervention_label(kind: str | None, name: str | None) -> str:
    """The id the registry itself uses in arm groups' intervention lists: 'Drug: Galcanezumab'."""
    k = (kind or "").strip()
    if k.isupper() or "_" in k:
        k = _INTERVENTION_TYPE_NAMES.get(k, k.replace("_", " ").capitalize())
    return f"{k}: {name}" if k else str(name or "")


# ---------------------------------------------------------------- measures

COUNT_PARAMS = {"count_of_participants", "count_of_units"}


def param_token(text: str | None) -> str:
    """'LEAST_SQUARES_MEAN' / 'Least Squares Mean' -> 'least_squares_mean'."""
    return (enum_token(text) or "").lower()


def is_percent_unit(unit: str | None) -> bool:
    u = (unit or "").strip().lower()
    return u.startswith("percent") or "%" in u or u.startswith("per-patient percent")


def is_participant_unit(unit: str | None) -> bool:
    return (unit or "").strip().lower() in ("participants", "participant")


def measure_table(param: str, unit: str | None) -> str:
    """Where a measure's values belong: 'counts' (a count of participants or units, or a percentage of
    them as written), or 'stats' (a continuous summary).

    NUMBER measures whose unit is participants are counts too: older records (and most legacy XML) report
    baseline categories that way before COUNT_OF_PARTICIPANTS existed."""
    if param in COUNT_PARAMS:
        return "counts"
    if param in ("number", "") and (is_percent_unit(unit) or is_participant_unit(unit)):
        return "counts"
    return "stats"


_DISPERSIONS = {
    "standard_deviation": "sd",
    "standard_error": "se",
    "standard_error_of_mean": "se",
    "standard_error_of_the_mean": "se",
    "full_range": "full_range",
    "inter_quartile_range": "iqr",
    "interquartile_range": "iqr",
    "geometric_coefficient_of_variation": "geometric_cv",
    "geometric_coefficient": "geometric_cv",
    "coefficient_of_variation": "cv",
    "na": None,
    "not_applicable": None,
}
_CI = re.compile(r"^(?:(\d+(?:\.\d+)?)\s*%?\s*confidence interval|confidence_(\d+|other))$", re.I)


def dispersion(text: str | None) -> tuple[str | None, str | None]:
    """(token, ci_pct) for a dispersion type in either spelling: 'STANDARD_DEVIATION' and 'Standard
    Deviation' -> ('sd', None); '95% Confidence Interval' and 'CONFIDENCE_95' -> ('ci', '95')."""
    if not text or not str(text).strip():
        return None, None
    t = str(text).strip()
    m = _CI.match(t)
    if m:
        pct = m.group(1) or m.group(2)
        if pct and pct.lower() == "other":
            pct = None
        elif pct and m.group(2) and len(pct) == 3:  # CONFIDENCE_975 is 97.5 %
            pct = f"{pct[:2]}.{pct[2]}"
        return "ci", pct
    key = param_token(t)
    return _DISPERSIONS.get(key, key), None


def ci_sides(text: str | None) -> str | None:
    """'TWO_SIDED' / '2-Sided' -> 'TWO_SIDED'."""
    t = enum_token(text)
    return {"2_SIDED": "TWO_SIDED", "1_SIDED": "ONE_SIDED"}.get(t, t) if t else None


# Standard baseline measures whose categories are defined by the registry to cover every participant
# exactly once: the flags are set only when the measure has the standard title and exactly these
# categories in a single untitled class. Everything else (customised measures, regions, outcomes) stays
# unknown, because a wrong flag would make the sum rules raise false alarms.
STANDARD_PARTITIONS = {
    "Sex: Female, Male": frozenset({"Female", "Male"}),
    "Ethnicity (NIH/OMB)": frozenset({"Hispanic or Latino", "Not Hispanic or Latino", "Unknown or Not Reported"}),
    "Race (NIH/OMB)": frozenset({
        "American Indian or Alaska Native", "Asian", "Native Hawaiian or Other Pacific Islander",
        "Black or African American", "White", "More than one race", "Unknown or Not Reported"}),
    "Age, Categorical": frozenset({"<=18 years", "Between 18 and 65 years", ">=65 years"}),
}


def partition_flags(block: str, measure: str | None, class_titles: list, categories: list) -> tuple:
    """(exhaustive, exclusive) for the counts of one measure class: (True, True) for a standard baseline
    partition, (None, None) — unknown — otherwise."""
    if block != "baseline" or measure not in STANDARD_PARTITIONS or len(class_titles) != 1 or class_titles[0]:
        return None, None
    cats = [c for c in categories]
    if len(cats) == len(set(cats)) and frozenset(cats) == STANDARD_PARTITIONS[measure]:
        return True, True
    return None, None


def is_total_group(title: str | None) -> bool:
    return (title or "").strip().lower() == "total"


def study_url(nct: str) -> str:
    return f"https://clinicaltrials.gov/study/{nct}"
