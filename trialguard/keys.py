"""Integer codes for composite keys, and the row selections rules make with them.

Rules often find the first or largest row per (trial, source, group), and hashing three Arrow string columns
together (a groupby or drop_duplicates on the frame) costs several times more than factorizing each column once
and combining the codes in numpy. Selecting rows copies every column of the frame, text byte by text byte, so a
selection that keeps every row returns the frame itself (a shallow, copy-on-write copy) instead."""

from __future__ import annotations

import numpy as np
import pandas as pd

_LIMIT = 1 << 62


def key_codes(df: pd.DataFrame, cols: list[str], blank: bool = False) -> np.ndarray:
    """One int64 per row, equal for two rows exactly when their values in `cols` are equal (missing values equal
    each other, as in drop_duplicates; with `blank`, a missing text also equals "", as in `_categories.key_frame`)."""
    out = np.zeros(len(df), dtype=np.int64)
    size = 1
    for c in cols:
        codes, uniq = _codes(df[c], blank)
        if size * max(len(uniq), 1) >= _LIMIT:  # renumber what is combined so far before it could overflow
            out, seen = pd.factorize(out)
            size = len(seen)
        out = out * max(len(uniq), 1) + codes
        size *= max(len(uniq), 1)
    return out


def _codes(s: pd.Series, blank: bool) -> tuple[np.ndarray, pd.Index]:
    if not blank:
        return pd.factorize(s, use_na_sentinel=False)
    codes, uniq = pd.factorize(s)  # missing values: -1, then the code of "" (a new one if "" is not listed)
    if (codes < 0).any():
        empty = np.flatnonzero(np.asarray(pd.Index(uniq) == ""))
        codes = np.where(codes < 0, empty[0] if len(empty) else len(uniq), codes)
        if not len(empty):
            uniq = pd.Index(uniq).append(pd.Index([""]))
    return codes, uniq


def joint_key_codes(frames: list[pd.DataFrame], cols: list[str], blank: bool = False) -> list[np.ndarray]:
    """`key_codes` of several frames numbered together, so that codes compare across them (a join on codes)."""
    codes = key_codes(pd.concat([f[cols] for f in frames], ignore_index=True), cols, blank)
    return np.split(codes, np.cumsum([len(f) for f in frames])[:-1])


def rows_where(df: pd.DataFrame, keep) -> pd.DataFrame:
    """`df[keep]` for a boolean mask; a shallow copy of `df` when the mask keeps every row."""
    keep = np.asarray(keep, dtype=bool)
    return df.copy(deep=False) if keep.all() else df.iloc[np.flatnonzero(keep)]


def first_per_key(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """`df.drop_duplicates(cols)`: the first row of each key (missing values equal each other)."""
    return rows_where(df, ~pd.Series(key_codes(df, cols)).duplicated().to_numpy())


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


def sort_order(df: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Positions of `df`'s rows in the order of `df.sort_values(cols, kind="mergesort")` (missing values last,
    ties in table order), from each column's sorted codes: numpy's lexsort on integers instead of pandas sorting
    a frame of texts."""
    keys = []
    for c in reversed(cols):  # lexsort's last key is the first sort key
        codes, _ = pd.factorize(df[c], sort=True)
        keys.append(np.where(codes < 0, codes.max(initial=0) + 1, codes))
    return np.lexsort(keys) if keys else np.arange(len(df))
