"""Integer codes for composite keys: rules often find the first or largest row per (trial, source, group), and
hashing three Arrow string columns together (a groupby or drop_duplicates on the frame) costs several times more
than factorizing each column once and combining the codes in numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd

_LIMIT = 1 << 62


def key_codes(df: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """One int64 per row, equal for two rows exactly when their values in `cols` are equal (missing values equal
    each other, as in drop_duplicates)."""
    out = np.zeros(len(df), dtype=np.int64)
    size = 1
    for c in cols:
        codes, uniq = pd.factorize(df[c], use_na_sentinel=False)
        if size * max(len(uniq), 1) >= _LIMIT:  # renumber what is combined so far before it could overflow
            out, seen = pd.factorize(out)
            size = len(seen)
        out = out * max(len(uniq), 1) + codes
        size *= max(len(uniq), 1)
    return out


def largest_per_key(df: pd.DataFrame, cols: list[str], value: str) -> pd.DataFrame:
    """The row with the largest `value` of each key (the first listed among equal values), rows without a value
    left out, ordered by value, largest first: what
    `df[df[value].notna()].sort_values(value, ascending=False, kind="mergesort").drop_duplicates(cols)` gives,
    taking only the kept rows instead of sorting every column of the table."""
    v = df[value]
    has = np.flatnonzero(v.notna().to_numpy())
    order = has[np.argsort(-v.iloc[has].to_numpy(), kind="stable")]
    codes = key_codes(df, cols)[order]
    return df.iloc[order[~pd.Series(codes).duplicated().to_numpy()]]
