"""The canonical tables every adapter produces and every rule reads.

A Dataset is a bundle of long pandas tables (one row per fact) plus the record accounting. Adapters
append rows through a `DatasetBuilder`; rules never see a file format. Every row carries its
provenance: `trial_id`, `source_id`, `file` (path as given on the command line) and `loc` (a JSON pointer,
an XML path, or a character span `chars:START-END` in a text). Numbers reported as text keep that text
(`*_text` columns) so that rounding checks know how many decimals were written.
"""

from __future__ import annotations

import functools

from collections import namedtuple
from dataclasses import dataclass, field
from typing import Callable, Iterable

import pandas as pd
import pyarrow as pa

PROVENANCE = {"trial_id": "str", "source_id": "str", "file": "str", "loc": "str"}

# Date fields of a trial; each has a text column (ISO partial date: YYYY, YYYY-MM or YYYY-MM-DD) and a
# `<name>_type` column (ACTUAL, ESTIMATED or empty).
TRIAL_DATES = (
    "start",
    "primary_completion",
    "completion",
    "first_submitted",
    "first_posted",
    "results_first_submitted",
    "results_first_posted",
    "last_update",
)

# Table name -> column -> pandas dtype. The single source of truth for the canonical shape.
TABLES: dict[str, dict[str, str]] = {
    "trials": {
        **PROVENANCE,
        "title": "str",
        "status": "str",
        "phase": "str",
        "study_type": "str",
        **{c: "str" for d in TRIAL_DATES for c in (d, f"{d}_type")},
        "enrollment": "Int64",
        "enrollment_type": "str",
    },
    "sources": {
        **PROVENANCE,
        "kind": "str",  # registry, journal, conference, press, news
        "title": "str",
        "publisher": "str",
        "published": "str",  # as written (curated records) or ISO
        "url": "str",
        "published_lo": "str",  # ISO day interval of `published` (trialguard.dates)
        "published_hi": "str",
    },
    "groups": {
        **PROVENANCE,
        "block": "str",  # namespace of group ids: flow, baseline, outcome/<i>, ae, arms, cohort
        "group_id": "str",
        "title": "str",
        "description": "str",
        "n": "Int64",
        "n_text": "str",
        "parent": "str",  # group_id of the group this one is a part of (same block)
        "parts_exhaustive": "boolean",  # on a parent: its parts together make up all of it
        "is_total": "boolean",
        "quote": "str",
    },
    "counts": {
        **PROVENANCE,
        "block": "str",
        "measure": "str",
        "class_title": "str",
        "category": "str",
        "group_id": "str",
        "count": "Int64",
        "count_text": "str",
        "denom": "Int64",
        "denom_text": "str",
        "percent_text": "str",
        "exhaustive": "boolean",  # the categories of this measure/class cover every participant
        "exclusive": "boolean",  # a participant is in at most one category
        "quote": "str",
        "time_frame": "str",  # when the count was taken, as written ("12 months after infusion")
    },
    "stats": {
        **PROVENANCE,
        "block": "str",
        "measure": "str",
        "class_title": "str",
        "category": "str",
        "group_id": "str",
        "param": "str",  # mean, median, geometric_mean, least_squares_mean, number, count_of_units, ...
        "value": "float64",
        "value_text": "str",
        "dispersion": "str",  # sd, se, full_range, iqr, ci, ...
        "ci_pct": "str",
        "spread": "float64",
        "spread_text": "str",
        "lower": "float64",
        "lower_text": "str",
        "upper": "float64",
        "upper_text": "str",
        "unit": "str",
        "n": "Int64",
        "time_frame": "str",
        "quote": "str",
    },
    "flow": {
        **PROVENANCE,
        "period": "Int64",  # 0-based period index
        "period_title": "str",
        "kind": "str",  # milestone | withdrawal
        "milestone": "str",  # STARTED, COMPLETED, NOT COMPLETED, custom title, or the withdrawal reason
        "group_id": "str",
        "n": "Int64",
        "n_text": "str",
    },
    "adverse_events": {
        **PROVENANCE,
        "kind": "str",  # term | total | deaths
        "serious": "boolean",
        "term": "str",
        "organ_system": "str",
        "group_id": "str",
        "affected": "Int64",
        "at_risk": "Int64",
        "events": "Int64",
    },
    "analyses": {
        **PROVENANCE,
        "block": "str",
        "group_ids": "str",  # space-separated
        "method": "str",
        "param": "str",
        "estimate": "float64",
        "estimate_text": "str",
        "ci_pct": "str",
        "ci_sides": "str",
        "ci_low": "float64",
        "ci_low_text": "str",
        "ci_high": "float64",
        "ci_high_text": "str",
        "p_text": "str",
        "quote": "str",
    },
    "doses": {
        **PROVENANCE,
        "group_id": "str",
        "raw": "str",
        "lo": "float64",
        "hi": "float64",
        "unit": "str",
        "basis": "str",  # per_kg, per_m2, flat
        "population": "str",
        "flags": "str",  # space-separated
        "quote": "str",
        "block": "str",  # block of group_id: arms, interventions, flow, ..., cohort
        "level": "Int64",  # dose-escalation level (1, 2, ...) where the source numbers or orders its levels
    },
    "events": {
        **PROVENANCE,
        "group_id": "str",
        "event_type": "str",
        "date_text": "str",
        "date_lo": "str",  # ISO date
        "date_hi": "str",
        "modality": "str",
        "targets": "str",  # space-separated canonical antigen names
        "indication": "str",
        "geography": "str",
        "population": "str",
        "quote": "str",
        "product": "str",  # the named product, the most specific level of modality
    },
    "texts": {  # free text of a record that extractors read (registry summaries, descriptions, article text)
        **PROVENANCE,
        "field": "str",  # brief_summary, detailed_description, arm_description, intervention_description, article
        "group_id": "str",  # the arm or intervention a description belongs to, if any
        "text": "str",
    },
    "claims": {
        **PROVENANCE,
        "kind": "str",  # first, never_reported, only
        "event_type": "str",
        "modality": "str",
        "targets": "str",
        "indication": "str",
        "geography": "str",
        "population": "str",
        "claim_date": "str",
        "event_date_lo": "str",
        "event_date_hi": "str",
        "hedged": "boolean",
        "quote": "str",
        "product": "str",
        "claim_date_lo": "str",  # ISO day interval of claim_date (trialguard.dates)
        "claim_date_hi": "str",
    },
}


def empty_table(name: str) -> pd.DataFrame:
    return _empty_tables()[name].copy(deep=False)  # copy-on-write: changing the copy never changes the cache


@functools.lru_cache(maxsize=1)
def _empty_tables() -> dict[str, pd.DataFrame]:
    """One empty frame per table, built once: building it column by column costs milliseconds, and every
    chunk needs several."""
    return {name: pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()}) for name, cols in TABLES.items()}


_ARROW_TYPES = {"str": pa.large_string(), "Int64": pa.int64(), "float64": pa.float64(), "boolean": pa.bool_()}
_ARROW_SCHEMAS = {name: pa.schema([(c, _ARROW_TYPES[t]) for c, t in cols.items()]) for name, cols in TABLES.items()}


_ARROW_ROWS = {name: pa.struct(list(schema)) for name, schema in _ARROW_SCHEMAS.items()}

# Table name -> the type of one row while a table is being built: a tuple of the table's columns in order
# (each defaulting to None), so no per-row dict is kept. The hottest loops append plain tuples of every
# column instead (three times cheaper to make); a table's rows may mix both.
ROWS = {name: namedtuple(f"{name}_row", cols, defaults=(None,) * len(cols)) for name, cols in TABLES.items()}


def _from_rows(name: str, rows: list, as_dicts: Callable[[], list[dict]]) -> pd.DataFrame:
    """Arrow converts the rows (tuples in column order, or dicts) into typed columns in one pass of compiled
    code; the `str` dtype stores Arrow strings anyway, so the text columns are handed over as they are.

    Rows Arrow will not convert as they are (a number in a text column, a fraction in an integer column)
    take pandas' object path (`from_records` + `astype`), so they are converted, or refused, as always."""
    cols = TABLES[name]
    try:
        batch = pa.RecordBatch.from_struct_array(pa.array(rows, type=_ARROW_ROWS[name]))
    except (pa.ArrowException, OverflowError):
        return pd.DataFrame.from_records(as_dicts(), columns=list(cols)).astype(cols)
    return pd.DataFrame({c: _pandas_array(batch.column(i), t) for i, (c, t) in enumerate(cols.items())})


def _pandas_array(col: pa.Array, dtype: str):
    """One Arrow column as the pandas array of its canonical dtype. Nullable integers and booleans are built
    from their values and null mask directly: `pd.array` converts a column with nulls element by element."""
    if dtype == "float64":
        return col.to_numpy(zero_copy_only=False)
    if dtype in ("Int64", "boolean"):
        values = col.fill_null(0 if dtype == "Int64" else False).to_numpy(zero_copy_only=False)
        mask = col.is_null().to_numpy(zero_copy_only=False)
        return pd.arrays.IntegerArray(values, mask) if dtype == "Int64" else pd.arrays.BooleanArray(values, mask)
    return pd.array(col, dtype=dtype)


def frame(name: str, rows: list[dict]) -> pd.DataFrame:
    """Rows (dicts with any subset of the table's columns) as a table with the canonical columns and dtypes."""
    if not rows:
        return empty_table(name)
    unknown = set().union(*rows) - TABLES[name].keys()
    if unknown:
        raise KeyError(f"unknown columns for table {name!r}: {sorted(unknown)}")
    return _from_rows(name, rows, lambda: rows)


def tuples_frame(name: str, rows: list[tuple]) -> pd.DataFrame:
    """Rows (`ROWS[name]` or plain tuples of every column, in column order) as a table."""
    if not rows:
        return empty_table(name)
    return _from_rows(name, rows, lambda: [dict(zip(TABLES[name], r)) for r in rows])


@dataclass
class Accounting:
    """Records in = records checked + records rejected, per run."""

    read: int = 0
    checked: int = 0
    rejected: int = 0

    def __add__(self, other: "Accounting") -> "Accounting":
        return Accounting(self.read + other.read, self.checked + other.checked, self.rejected + other.rejected)


@dataclass
class Dataset:
    tables: dict[str, pd.DataFrame] = field(default_factory=lambda: {t: empty_table(t) for t in TABLES})
    rejections: pd.DataFrame | None = None  # TG0xx findings raised while reading
    records: Accounting = field(default_factory=Accounting)
    inputs: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    record_ids: dict = field(default_factory=dict)  # (kind, id) -> (file, loc) of each accepted record

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def row_counts(self) -> dict[str, int]:
        return {t: len(df) for t, df in self.tables.items()}

    @classmethod
    def concat(cls, parts: Iterable["Dataset"]) -> "Dataset":
        from trialguard.findings import concat_findings

        parts = list(parts)
        tables = {}
        for t in TABLES:
            frames = [p.tables[t] for p in parts if len(p.tables[t])]
            tables[t] = pd.concat(frames, ignore_index=True) if frames else empty_table(t)
        acc = Accounting()
        for p in parts:
            acc = acc + p.records
        return cls(
            tables=tables,
            rejections=concat_findings(p.rejections for p in parts),
            records=acc,
            inputs=[i for p in parts for i in p.inputs],
            skipped=[i for p in parts for i in p.skipped],
        )


class DatasetBuilder:
    """Collects rows per table while an adapter walks a document, as `ROWS` tuples (see `add`)."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple]] = {t: [] for t in TABLES}

    def add(self, table: str, *values, **row) -> None:
        """One row: leading columns by position (the provenance ids), the others by name; columns not given
        are empty. Hot loops append `ROWS[table](...)` to `rows[table]` themselves, skipping this call."""
        try:
            self.rows[table].append(ROWS[table](*values, **row))
        except TypeError:
            unknown = sorted(row.keys() - TABLES[table].keys())
            raise KeyError(f"unknown columns for table {table!r}: {unknown}") from None

    def extend(self, other: "DatasetBuilder") -> None:
        for t, rows in other.rows.items():
            self.rows[t].extend(rows)

    def build(self, records: Accounting | None = None, rejections=None, inputs=()) -> Dataset:
        return Dataset(
            tables={t: tuples_frame(t, rows) for t, rows in self.rows.items()},
            rejections=rejections,
            records=records or Accounting(),
            inputs=list(inputs),
        )
