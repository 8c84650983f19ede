"""Derived tables that several rules read, computed once per chunk.

Rules run one after another on the same chunk, and several start from the same merge (the flow pivoted to one
row per period and group, ...). `per_chunk` memoizes such a helper on the chunk's Dataset, keyed on the
identity of the tables it reads; the cache holds those tables, so a replaced table is never mistaken for the
one it replaced, and it is dropped with the chunk. Callers get a shallow copy (pandas copy-on-write), so a
rule that adds a column never changes what the next rule sees. The cache lives for one run of the rules
(`engine.run_rules` calls `forget` first), so a table changed in place between two runs is read afresh.
"""

from __future__ import annotations

import functools
from typing import Callable

import pandas as pd

from trialguard.dataset import Dataset

_CACHE = "_derived"


def per_chunk(*tables: str) -> Callable[[Callable[[Dataset], pd.DataFrame]], Callable[[Dataset], pd.DataFrame]]:
    """Memoize `fn(ds) -> DataFrame`, which reads only `tables`, per Dataset."""

    def deco(fn: Callable[[Dataset], pd.DataFrame]) -> Callable[[Dataset], pd.DataFrame]:
        key = f"{fn.__module__}.{fn.__qualname__}"

        @functools.wraps(fn)
        def cached(ds: Dataset) -> pd.DataFrame:
            cache = ds.__dict__.setdefault(_CACHE, {})
            used = tuple(ds.tables[t] for t in tables)
            hit = cache.get(key)
            if hit is None or any(a is not b for a, b in zip(hit[0], used)):
                hit = cache[key] = (used, fn(ds))
            return hit[1].copy(deep=False)

        return cached

    return deco


def forget(ds: Dataset) -> None:
    """Drop the derived tables cached on `ds` (a table may have been changed in place since they were made)."""
    ds.__dict__.pop(_CACHE, None)
