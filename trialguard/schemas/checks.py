"""Column checks that carry their rule code, so one adapter can turn pandera failures into findings.

Each check also carries a declarative description in pandera's `statistics` (`kind` plus parameters: between,
number_text, number_text_between, in_set, partial_date, nct_id, unique, reference); `trialguard.gx` exports the
same checks to Great Expectations from it, so the two cannot drift apart.
A pandera check reports its `error` text in each failure case; every check here writes that text as
"TGnnn <what is expected>", and `trialguard.validators.schema` reads the code back from the first word.
Checks are vectorized, treat missing values as passing (absence is not a type error), and never use floats
for numbers that were written as text. Because they pass missing values themselves, column checks say
`ignore_na=False`: pandera then need not copy each column without its missing values first.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd
import pandera.pandas as pa

from trialguard.keys import joint_key_codes
from trialguard.numbers import is_not_available, parse_decimal

NEGATIVE_COUNT = "TG102"
PERCENT_RANGE = "TG103"
UNREADABLE_NUMBER = "TG104"
VOCABULARY = "TG105"
INVALID_DATE = "TG106"
DUPLICATE_KEY = "TG107"
UNKNOWN_PARENT = "TG108"
INVALID_TRIAL_ID = "TG101"
COLUMN_TYPE = "TG100"

# error text of a whole-row check -> the columns whose values a finding shows (its "observed" value)
SUBJECT_COLUMNS: dict[str, list[str]] = {}


def coded(code: str, expected: str) -> str:
    return f"{code} {expected}"


def code_of(error: str) -> str:
    head = str(error).split(" ", 1)[0]
    return head if re.fullmatch(r"TG\d{3}", head) else COLUMN_TYPE


def non_negative() -> pa.Check:
    return pa.Check(lambda s: s.isna() | (s >= 0), error=coded(NEGATIVE_COUNT, ">= 0"), ignore_na=False,
                    statistics={"kind": "between", "min": 0, "max": None})


# Predicates of one value are cached across chunks: registry codes and dates repeat in every chunk.
_cached = lru_cache(maxsize=1 << 16)


def _per_unique(s: pd.Series, fn) -> pd.Series:
    """Apply a per-string predicate once per distinct value (text parsing is the only non-vectorized step)."""
    codes, uniq = pd.factorize(s)
    ok = np.fromiter((bool(fn(v)) for v in uniq.tolist()), dtype=bool, count=len(uniq))
    out = np.ones(len(s), dtype=bool)  # missing values pass
    known = codes >= 0
    out[known] = ok[codes[known]]
    return pd.Series(out, index=s.index)


_INEXACT_PREFIX = re.compile(r"^\s*(?:[<>~\u2248\u2264\u2265]=?)\s*")


@_cached
def readable_number(v) -> bool:
    """Text that is a number, a not-available marker, a bound ("<5", ">=30"), or words ("all", "approximately
    20": curated records keep inexact amounts as written). Only number-like text that is not a well-formed
    number ("12..5", "1,23", "4 5") is unreadable: a typo that hides the value."""
    if is_not_available(v) or any(ch.isalpha() for ch in str(v)):
        return True
    return parse_decimal(_INEXACT_PREFIX.sub("", str(v))) is not None


def number_text() -> pa.Check:
    """A number written as text is readable (see `readable_number`)."""
    return pa.Check(lambda s: _per_unique(s, readable_number), error=coded(UNREADABLE_NUMBER, "a number (or NA)"),
                    ignore_na=False,
                    statistics={"kind": "number_text"})


@_cached
def percent_ok(v) -> bool:
    d = parse_decimal(v)
    return d is None or 0 <= d <= 100  # unreadable text is TG104's business


def percent_in_range() -> pa.Check:
    return pa.Check(lambda s: _per_unique(s, percent_ok), error=coded(PERCENT_RANGE, "between 0 and 100"),
                    ignore_na=False,
                    statistics={"kind": "number_text_between", "min": 0, "max": 100})


def _norm_token(v: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", str(v).upper()).strip("_")


def vocabulary(values: frozenset[str], *, normalize: bool = True) -> pa.Check:
    """Value is one of `values` (compared as upper-case tokens, so "Active, not recruiting" is fine)."""
    allowed = sorted(values)
    shown = ", ".join(allowed)

    def check(s: pd.Series) -> pd.Series:
        return _per_unique(s, lambda v: in_vocabulary(v, values, normalize))

    return pa.Check(check, error=coded(VOCABULARY, f"one of {shown}"), ignore_na=False,
                    statistics={"kind": "in_set", "values": allowed, "normalize": normalize})


@_cached
def in_vocabulary(v, values: frozenset[str], normalize: bool = True) -> bool:
    return not str(v).strip() or (_norm_token(v) if normalize else v) in values


_ISO = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@_cached
def _valid_partial_date(v: str) -> bool:
    s = str(v).strip()
    if not s:
        return True
    m = _ISO.fullmatch(s)
    if not m:
        return False
    y, mo, d = m.groups()
    if mo is None:
        return 1800 <= int(y) <= 2200
    if not 1 <= int(mo) <= 12:
        return False
    if d is None:
        return True
    try:
        pd.Timestamp(year=int(y), month=int(mo), day=int(d))
    except ValueError:
        return False
    return True


def partial_date() -> pa.Check:
    return pa.Check(lambda s: _per_unique(s, _valid_partial_date),
                    error=coded(INVALID_DATE, "a calendar date written YYYY, YYYY-MM or YYYY-MM-DD"), ignore_na=False,
                    statistics={"kind": "partial_date", "year_only_min": 1800, "year_only_max": 2200})


NCT_ID = re.compile(r"NCT\d{8}")


def trial_id() -> pa.Check:
    """An id that claims to be an NCT number ("NCT" prefix) must be NCT followed by exactly 8 digits."""

    return pa.Check(lambda s: _per_unique(s, valid_trial_id), error=coded(INVALID_TRIAL_ID, "NCT followed by 8 digits"),
                    ignore_na=False,
                    statistics={"kind": "nct_id"})


@_cached
def valid_trial_id(v) -> bool:
    s = str(v).strip()
    return not s.upper().startswith("NCT") or NCT_ID.fullmatch(s) is not None


def unique_key(columns: list[str], exempt: dict[str, str] | None = None) -> pa.Check:
    """Rows after the first with the same key fail; rows where a column equals its `exempt` value are not
    keyed (e.g. intervention groups, whose id is a name the registry may legitimately repeat)."""
    error = coded(DUPLICATE_KEY, f"unique ({', '.join(columns)})")
    SUBJECT_COLUMNS[error] = list(columns)

    def check(df: pd.DataFrame) -> pd.Series:
        keyed = pd.Series(True, index=df.index)
        for col, value in (exempt or {}).items():
            keyed &= df[col].astype(object).ne(value)
        return ~(df.duplicated(columns, keep="first") & keyed)

    return pa.Check(check, error=error, statistics={"kind": "unique", "columns": list(columns),
                                                   "exempt": dict(exempt or {})})


def parent_exists() -> pa.Check:
    """A group's `parent` names a group of the same source, trial and block."""
    key = ["source_id", "trial_id", "block"]

    def check(df: pd.DataFrame) -> pd.Series:
        has = df["parent"].notna() & (df["parent"].astype(str).str.strip() != "")
        ok = pd.Series(True, index=df.index)
        if not has.any():
            return ok
        # (key, parent) of each row that names a parent, looked up among the (key, group_id) of every row, as
        # integer codes numbered together (missing values match each other, as in a merge)
        named = df.loc[has, key + ["parent"]].set_axis(key + ["_id"], axis=1)
        groups = df[key + ["group_id"]].set_axis(key + ["_id"], axis=1)
        wanted, listed = joint_key_codes([named, groups], key + ["_id"])
        ok[has.to_numpy()] = np.isin(wanted, listed)
        return ok

    error = coded(UNKNOWN_PARENT, "the id of a group in the same block")
    SUBJECT_COLUMNS[error] = ["parent"]
    return pa.Check(check, error=error, statistics={"kind": "reference", "column": "parent", "to": "group_id",
                                                   "within": key})
