"""What adapters share while reading: the rows collected so far, rejections, accounting and limits."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from operator import itemgetter
from typing import Callable

from trialguard.dataset import IDS, PROVENANCE, TABLES, Accounting, Dataset, DatasetBuilder
from trialguard.findings import rejection, rejections_frame
from trialguard.memory import gc_resumed
from trialguard.validators import ingestion as tg0
from trialguard.validators.registry import Rule


@dataclass(frozen=True)
class Limits:
    """Guards against pathological input; each is configurable (CLI options / [tool.trialguard])."""

    max_file_bytes: int = 256 * 1024 * 1024
    max_json_depth: int = 64
    max_archive_members: int = 100_000
    max_member_bytes: int = 256 * 1024 * 1024
    max_compression_ratio: int = 200


class RecordError(Exception):
    """A record is structurally wrong at `pointer`; the adapter rejects that record and goes on."""

    def __init__(self, pointer: str, message: str, rule: Rule = tg0.INVALID_RECORD):
        super().__init__(message)
        self.pointer = pointer
        self.message = message
        self.rule = rule


INT64_MAX = 2**63 - 1
# table -> positions of its whole-number columns: a value there must fit the column, or building the chunk would fail
_INT_COLUMNS = {t: tuple(i for i, dtype in enumerate(cols.values()) if dtype == "Int64") for t, cols in TABLES.items()}


_LOC = list(PROVENANCE).index("loc")
_COLUMN_NAMES = {t: list(cols) for t, cols in TABLES.items()}
_INT_TYPES = frozenset({int, type(None)})


def _misfits(column: list) -> bool:
    """Whether a column holds a value other than None or an int within 64 bits."""
    if not _INT_TYPES.issuperset(map(type, column)):
        return True
    ints = [v for v in column if v is not None]
    return bool(ints) and (min(ints) < -INT64_MAX or max(ints) > INT64_MAX)


def misfit(b: DatasetBuilder) -> tuple[str, str, object] | None:
    """(loc, column, value) of the first whole-number value that does not fit a 64-bit column. Adapters turn
    such numbers into text; this is the net that keeps one record from failing a whole chunk."""
    skip = 0 if b.ids is None else IDS  # a record's builder keeps its rows without the ids
    for table, positions in _INT_COLUMNS.items():
        rows = b.rows[table]
        if not any(_misfits(list(map(itemgetter(i - skip), rows))) for i in positions):
            continue  # the common case, checked column by column at C speed; the loop below finds the culprit
        for row in rows:
            for i in positions:
                v = row[i - skip]
                if v is not None and (type(v) is not int or not -INT64_MAX <= v <= INT64_MAX):
                    return row[_LOC - skip] or "", _COLUMN_NAMES[table][i], v
    return None


class IngestContext:
    """Collects accepted records' rows; with `on_chunk`, hands them over every `chunk_records` records so that
    memory stays bounded by the chunk, not by the input."""

    def __init__(self, limits: Limits, chunk_records: int | None = None,
                 on_chunk: Callable[[Dataset], None] | None = None):
        self.limits = limits
        self.chunk_records = chunk_records
        self.on_chunk = on_chunk
        self.pending = 0  # accepted records in the builder, not yet handed over
        self.builder = DatasetBuilder()
        self.rejected_rows: list[dict] = []
        self.records = Accounting()
        self.inputs: list[str] = []
        self.skipped: list[str] = []  # archive members that are not inputs (a README inside a zip)
        self.gc_enabled = gc.isenabled()  # the caller's setting: readers pause the collector (`gc_paused`)
        self.seen: dict[tuple[str, str], tuple[str, str]] = {}  # (kind, id) -> (file, loc) of the accepted record

    def reject(self, rule: Rule, file: str, loc: str, message: str, *, trial_id: str = "",
               source_id: str = "", observed: str = "", records: int = 1, per_file: bool = False) -> None:
        """Count `records` records as read and rejected, with one TG0xx finding saying why."""
        self.records = self.records + Accounting(read=records, rejected=records)
        self.rejected_rows.append(rejection(rule.code, rule.name, file, loc, message, trial_id, source_id, observed,
                                            per_file))

    def reject_duplicate(self, kind: str, record_id: str, file: str, loc: str, first: tuple[str, str]) -> None:
        where = first[0] + (f"#{first[1]}" if first[1] else "")
        ids = {"trial_id": record_id} if kind == "trial" else {"source_id": record_id}
        self.reject(tg0.DUPLICATE_ID, file, loc, f"{kind} {record_id} was already read from {where}",
                    observed=record_id, per_file=True, **ids)

    def record(self, file: str, loc: str, kind: str, record_id: str | None, fill: Callable[[DatasetBuilder], None],
               id_field: str = "id", numbers_fit: bool = False, row_ids: tuple[str, str, str] | None = None) -> bool:
        """Read one record in isolation: either all its rows are kept and it counts as checked, or none are
        and it is rejected with the reason. Returns whether it was accepted. An adapter whose whole numbers
        are range-checked as they are read (`numbers_fit`) skips the `misfit` net. An adapter whose rows all
        carry the same provenance ids passes them (`row_ids`): `fill` then gets a `DatasetBuilder(row_ids)`."""
        if not record_id:
            self.reject(tg0.MISSING_ID, file, loc, f"{kind} record has no {id_field}")
            return False
        key = (kind, record_id)
        ids = {"trial_id": record_id} if kind == "trial" else {"source_id": record_id}
        if key in self.seen:
            self.reject_duplicate(kind, record_id, file, loc, self.seen[key])
            return False
        local = DatasetBuilder(row_ids)
        try:
            fill(local)
        except RecordError as e:
            self.reject(e.rule, file, e.pointer, f"{kind} {record_id}: {e.message}", **ids)
            return False
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
            self.reject(tg0.INVALID_RECORD, file, loc,
                        f"{kind} {record_id}: unexpected structure ({type(e).__name__}: {e})", **ids)
            return False
        bad = None if numbers_fit else misfit(local)
        if bad:
            where, column, value = bad
            self.reject(tg0.INVALID_RECORD, file, where, f"{kind} {record_id}: {where or '/'}: {column} "
                        f"{str(value)[:40]!r} is not a whole number that fits 64 bits", observed=str(value)[:40], **ids)
            return False
        self.seen[key] = (file, loc)
        self.builder.extend(local)
        self.records = self.records + Accounting(read=1, checked=1)
        self.pending += 1
        if self.on_chunk and self.chunk_records and self.pending >= self.chunk_records:
            self.flush()
        return True

    def flush(self) -> None:
        """Hand the accepted rows collected so far to `on_chunk` and start a new builder."""
        if self.on_chunk and self.pending:
            chunk, self.builder, self.pending = self.builder.build(), DatasetBuilder(), 0
            with gc_resumed(self.gc_enabled):
                self.on_chunk(chunk)

    def finish(self) -> Dataset:
        """The rows not yet handed over (all of them without `on_chunk`), the rejections and the accounting."""
        self.flush()
        ds = self.builder.build(self.records, rejections_frame(self.rejected_rows), self.inputs)
        ds.record_ids = dict(self.seen)
        ds.skipped = list(self.skipped)
        return ds
