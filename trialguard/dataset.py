"""The canonical tables every adapter produces and every rule reads.

A Dataset is a bundle of long pandas tables (one row per fact) plus the record accounting. Adapters
append rows through a `DatasetBuilder`; rules never see a file format. Every row carries its
provenance: `trial_id`, `source_id`, `file` (path as given on the command line) and `loc` (a JSON pointer,
an XML path, or a character span `chars:START-END` in a text). Numbers reported as text keep that text
(`*_text` columns) so that rounding checks know how many decimals were written.
"""

from __future__ import annotations

import functools
import itertools
from collections import namedtuple
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
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
# The provenance ids every row of one registry record shares (trial_id, source_id, file): the leading columns.
IDS = 3
_ARROW_SHORT_ROWS = {name: pa.struct(list(schema)[IDS:]) for name, schema in _ARROW_SCHEMAS.items()}

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


def _from_record_rows(name: str, ids: list[tuple], counts: list[int], rows: list[tuple]) -> pd.DataFrame:
    """Rows kept without their provenance ids (`DatasetBuilder(ids)`), `counts[k]` of them from the record
    with `ids[k]`: the other columns are converted as `_from_rows` does, the ids repeated per record in Arrow."""
    cols = TABLES[name]
    try:
        batch = pa.RecordBatch.from_struct_array(pa.array(rows, type=_ARROW_SHORT_ROWS[name]))
    except (pa.ArrowException, OverflowError):  # the general path, with the ids put back in each row
        full = [i + r for i, n, start in zip(ids, counts, itertools.accumulate([0, *counts])) for r in
                rows[start:start + n]]
        return tuples_frame(name, full)
    record = np.repeat(np.arange(len(ids)), counts)
    out = {c: pd.array(pa.array([i[k] for i in ids], type=pa.large_string()).take(record), dtype=cols[c])
           for k, c in enumerate(list(cols)[:IDS])}
    out.update((c, _pandas_array(batch.column(k), t)) for k, (c, t) in enumerate(list(cols.items())[IDS:]))
    return pd.DataFrame(out)


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
    """Collects rows per table while an adapter walks a document, as `ROWS` tuples (see `add`).

    A builder for one registry record (`ids` given: trial_id, source_id, file) keeps its rows without those
    three leading columns, which every row of the record shares: they are a fifth of all cells of a CT.gov
    record, and `build` fills them in per record instead. Its hot loops append tuples of the other columns.
    A builder that `extend`s with records keeps each table's rows in blocks, in record order: a run of
    records read with ids, or of records read without."""

    def __init__(self, ids: tuple[str, str, str] | None = None) -> None:
        self.ids = ids
        self.rows: dict[str, list[tuple]] = {t: [] for t in TABLES}
        self.blocks: dict[str, list[_Block]] = {t: [] for t in TABLES}

    def add(self, table: str, *values, **row) -> None:
        """One row: leading columns by position (the provenance ids), the others by name; columns not given
        are empty. Hot loops append `ROWS[table](...)` (or, with `ids`, tuples of the columns after the ids)
        to `rows[table]` themselves, skipping this call."""
        try:
            full = ROWS[table](*values, **row)
        except TypeError:
            unknown = sorted(row.keys() - TABLES[table].keys())
            raise KeyError(f"unknown columns for table {table!r}: {unknown}") from None
        if self.ids is None:
            self.rows[table].append(full)
        elif tuple(full[:IDS]) == self.ids:
            self.rows[table].append(tuple(full[IDS:]))
        else:
            raise ValueError(f"a row of {self.ids} names {tuple(full[:IDS])}")

    def extend(self, other: "DatasetBuilder") -> None:
        """Append another builder's rows (one record's, or more), after the rows this one holds."""
        for t, rows in other.rows.items():
            for block in other.blocks[t]:
                self._append(t, block.ids, block.counts, block.rows)
            if rows:  # once per table of each record read: kept lean
                self._append(t, None if other.ids is None else [other.ids], [len(rows)], rows)

    def _append(self, table: str, ids: list[tuple] | None, counts: list[int], rows: list) -> None:
        blocks = self.blocks[table]
        if self.rows[table]:  # rows appended to this builder directly come first
            blocks.append(self._own(table))
            self.rows[table] = []
        if blocks and (blocks[-1].ids is None) == (ids is None):
            last = blocks[-1]
            if ids is not None:
                last.ids.extend(ids)
            last.counts.extend(counts)
            last.rows.extend(rows)
        else:
            blocks.append(_Block(None if ids is None else list(ids), list(counts), list(rows)))

    def _own(self, table: str) -> "_Block":
        return _Block(None if self.ids is None else [self.ids], [len(self.rows[table])], self.rows[table])

    def _blocks(self, table: str) -> list["_Block"]:
        return self.blocks[table] + ([self._own(table)] if self.rows[table] else [])

    def frame(self, table: str) -> pd.DataFrame:
        """One table of what was collected, blocks in order."""
        parts = [b.frame(table) for b in self._blocks(table) if b.rows]
        if not parts:
            return empty_table(table)
        if len(parts) == 1:
            return parts[0]
        out = pd.concat(parts, ignore_index=True)
        # one Arrow chunk per column, as a single block has: selecting rows of a chunked column copies it whole
        return out.assign(**{c: pd.array(_one_chunk(pa.array(out[c].array)), dtype=out[c].dtype)
                             for c in out.columns if isinstance(out[c].array, pd.arrays.ArrowExtensionArray)})

    def build(self, records: Accounting | None = None, rejections=None, inputs=()) -> Dataset:
        return Dataset(
            tables={t: self.frame(t) for t in TABLES},
            rejections=rejections,
            records=records or Accounting(),
            inputs=list(inputs),
        )


def _one_chunk(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


@dataclass
class _Block:
    """Consecutive rows of one table: full rows (`ids` None), or rows without their ids, `counts[k]` of them
    from the record with `ids[k]`."""

    ids: list[tuple] | None
    counts: list[int]
    rows: list

    def frame(self, table: str) -> pd.DataFrame:
        if self.ids is None:
            return tuples_frame(table, self.rows)
        return _from_record_rows(table, self.ids, self.counts, self.rows)
