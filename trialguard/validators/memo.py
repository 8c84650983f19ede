"""Work that several rules share (one pandera run for all TG1xx rules, one claim/event comparison for all
TG7xx rules), computed once per dataset.

The result is kept on the Dataset together with the table objects it was computed from, and reused only while
the dataset still holds those very objects. Identity, not `id()`: the memo keeps the tables alive, so a new
table can never be taken for a freed one that happened to live at the same address.
"""

from __future__ import annotations

from typing import Callable, Iterable, TypeVar

from trialguard.dataset import Dataset

T = TypeVar("T")


def once_per_dataset(ds: Dataset, name: str, tables: Iterable[str] | None, compute: Callable[[Dataset], T]) -> T:
    """`compute(ds)`, or its remembered result while the named tables (None: all of them) are unchanged."""
    key = tuple(ds.tables.values()) if tables is None else tuple(ds.tables.get(t) for t in tables)
    memo = ds.__dict__.setdefault("_memo", {})
    if name in memo:
        held, result = memo[name]
        if len(held) == len(key) and all(a is b for a, b in zip(held, key)):
            return result
    result = compute(ds)
    memo[name] = (key, result)
    return result
