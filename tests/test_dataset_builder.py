"""A record's builder keeps its rows without the provenance ids all of them share; a chunk built from such
records, and from records read without ids, in any interleaving, is the table the full rows make."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from trialguard.dataset import DatasetBuilder
from trialguard.ingest.context import misfit

A = ("NCT00000001", "ctgov:NCT00000001", "a.json")
B = ("NCT00000002", "ctgov:NCT00000002", "b.xml")
C = ("NCT00000003", "curated-1", "c.json")


def fill(b: DatasetBuilder, ids: tuple, n: int) -> DatasetBuilder:
    for i in range(n):
        b.add("groups", *ids, loc=f"/g/{i}", block="arms", group_id=f"G{i}", n=10 + i, n_text=str(10 + i))
        b.add("adverse_events", *ids, loc=f"/ae/{i}", kind="term", serious=bool(i % 2), term="Anaemia",
              affected=i, at_risk=20)
    return b


def test_records_with_and_without_ids_build_the_tables_full_rows_build():
    chunk, reference = DatasetBuilder(), DatasetBuilder()
    for ids, n, shared in ((A, 2, True), (B, 3, True), (C, 1, False), (A[:2] + ("d.json",), 2, True)):
        chunk.extend(fill(DatasetBuilder(ids if shared else None), ids, n))
        fill(reference, ids, n)
    built, expected = chunk.build(), reference.build()
    for table in ("groups", "adverse_events", "counts"):
        pd.testing.assert_frame_equal(built.tables[table], expected.tables[table])
    assert built.groups["file"].tolist() == ["a.json"] * 2 + ["b.xml"] * 3 + ["c.json"] + ["d.json"] * 2
    assert all(isinstance(pa.array(built.groups[c].array), pa.Array) for c in ("trial_id", "loc"))  # one chunk


def test_a_record_builder_refuses_a_row_of_another_record():
    with pytest.raises(ValueError, match="NCT00000002"):
        DatasetBuilder(A).add("groups", *B, loc="/g/0")


def test_misfit_finds_the_number_in_a_record_builder_row():
    b = fill(DatasetBuilder(A), A, 2)
    assert misfit(b) is None
    b.add("groups", *A, loc="/g/9", n=2**70)
    assert misfit(b) == ("/g/9", "n", 2**70)
