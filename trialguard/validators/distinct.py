"""Text work per distinct value: a column of a long table repeats a few hundred strings (units, parameter names,
number texts) over many thousand rows, so a string function runs on the distinct values and its result is
spread back over the rows by position."""

from __future__ import annotations

from typing import Callable

import pandas as pd


def per_distinct(s: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`fn(s)` for a vectorized, element-wise `fn`, computed on the distinct values of `s` only (missing values
    included, as one value of their own)."""
    codes, uniq = pd.factorize(s, use_na_sentinel=False)
    out = fn(pd.Series(uniq, dtype=s.dtype))
    return pd.Series(out.array.take(codes), index=s.index, name=s.name)
