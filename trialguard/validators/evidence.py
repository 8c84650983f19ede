"""Evidence for findings: the offending values side by side, keyed by where they are in the record.

Only offending rows reach these helpers, so plain Python over them is cheap; the checks stay vectorized.
"""

from __future__ import annotations

import pandas as pd


def plain(value):
    """A JSON-serialisable scalar (int for whole numbers, float, str) or None for a missing value."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def fields(*pairs: tuple[pd.Series, pd.Series]) -> pd.Series:
    """Per row, {"fields": {loc: value}} from aligned (loc Series, value Series) pairs; missing ones left out."""
    index = pairs[0][0].index
    cols = [(locs.tolist(), vals.tolist()) for locs, vals in pairs]
    out = []
    for i in range(len(index)):
        d = {}
        for locs, vals in cols:
            loc, val = locs[i], plain(vals[i])
            if isinstance(loc, str) and loc and val is not None:
                d[loc] = val
        out.append({"fields": d})
    return pd.Series(out, index=index, dtype="object")


def fields_by(df: pd.DataFrame, keys: list[str], loc: str, value: str) -> dict[tuple, dict]:
    """{key tuple: {loc: value}} over the rows of `df`, for evidence that lists every value of a group."""
    out: dict[tuple, dict] = {}
    for row in df[keys + [loc, value]].itertuples(index=False, name=None):
        k, l, v = row[:-2], row[-2], plain(row[-1])
        if isinstance(l, str) and l and v is not None:
            out.setdefault(k, {})[l] = v
    return out


def with_fields(base: pd.DataFrame, keys: list[str], extra: dict[tuple, dict], first: dict | None = None) -> pd.Series:
    """Per row of `base`, {"fields": {**first-row-fields, **extra[key]}}."""
    out = []
    for i, k in enumerate(base[keys].itertuples(index=False, name=None)):
        d = dict(first[i]) if first is not None else {}
        d.update(extra.get(k, {}))
        out.append({"fields": d})
    return pd.Series(out, index=base.index, dtype="object")
