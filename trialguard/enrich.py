"""Derived rows computed after ingestion and before the rules: parsed doses, claims found in free text, ...

An enricher is a function `Dataset -> Dataset` registered with `@enricher`; it must work on any chunk of
records on its own (it sees one chunk at a time on large runs), and must be deterministic.
"""

from __future__ import annotations

from typing import Callable

from trialguard.dataset import Dataset

Enricher = Callable[[Dataset], Dataset]
ENRICHERS: list[tuple[str, Enricher]] = []


def enricher(name: str):
    def deco(fn: Enricher) -> Enricher:
        if name not in dict(ENRICHERS):
            ENRICHERS.append((name, fn))
        return fn

    return deco


def enrich(ds: Dataset) -> Dataset:
    import trialguard.validators  # noqa: F401  (family modules register their enrichers on import)

    for _, fn in ENRICHERS:
        ds = fn(ds)
    return ds
