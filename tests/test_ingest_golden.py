"""Ingestion output pinned exactly: two real records' canonical tables cell by cell, and the whole fixture
corpus (CT.gov v2 and XML, curated seed records) after enrichment by digest, and the claims extracted from
real texts. Speed work on the adapters, `frame` and the enrichers must not change a single row, value, dtype
or order. (Digests were computed with the code as it was before that work.)"""

from __future__ import annotations

import hashlib
import json
import sys

import pytest

from tests.conftest import FIXTURES, ROOT
from tests.golden_tables import dataset_dump, digest, dump_text
from trialguard.enrich import enrich
from trialguard.ingest import read_paths

GOLDEN = FIXTURES / "golden"
# paths relative to the repository root (the `file` column holds the path as given)
RECORDS = {
    "ctgov_v2_NCT00301262.json": "fixtures/ctgov/v2/NCT00301262.json",
    "ctgov_xml_NCT00739752.xml": "fixtures/ctgov/xml/NCT00739752.xml",
}
# sha256 of dump_text(...) of each folder, read in one go and enriched (doses and claims found in text)
DIGESTS = {
    "ctgov/v2": "70b723356b2798b6cd97645caab39bdcbf7adb1a1bf441771cfc571f61fb872b",
    "ctgov/xml": "538039adc45950151da9f9331e1a0d8c6700ee390ce25e76457c671f0c7d469c",
    "ctgov (enriched)": "745c1b8333485b8e80c71ce7bb9cc4e3d419016c3d3edaf77a36ec803c1b436b",
    "seeds (enriched)": "6211e968071dbf755c301dcbfbcf603f94e779a976afb4e17e2c2ece2fc0f362",
}


@pytest.fixture(autouse=True)
def at_repository_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def golden_name(record: str) -> str:
    return record.rsplit(".", 1)[0] + ".json"


def current(key: str):
    folder, _, enriched = key.partition(" ")
    ds = read_paths([f"fixtures/{folder}"])
    return enrich(ds) if enriched else ds


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_record_tables_match_golden_cell_by_cell(name):
    want = json.loads((GOLDEN / golden_name(name)).read_text(encoding="utf-8"))
    got = dataset_dump(read_paths([RECORDS[name]]))
    assert sorted(got) == sorted(want)
    for table in want:
        assert got[table]["columns"] == want[table]["columns"], table
        assert got[table]["index"] == want[table]["index"], table
        for i, (g, w) in enumerate(zip(got[table]["rows"], want[table]["rows"])):
            assert g == w, f"{table} row {i}"
        assert len(got[table]["rows"]) == len(want[table]["rows"]), table


@pytest.mark.parametrize("key", sorted(DIGESTS))
def test_fixture_corpus_tables_match_pinned_digest(key):
    assert digest(current(key)) == DIGESTS[key]


def test_digest_sees_a_single_changed_cell():
    ds = read_paths([RECORDS["ctgov_v2_NCT00301262.json"]])
    before = digest(ds)
    ds.tables["flow"].loc[3, "n_text"] = "0"
    assert digest(ds) != before


def extracted_claims() -> list[dict]:
    """Claims extracted from real registry descriptions and the seed articles, with and without context."""
    from trialguard.claims.extract import extract_claims

    rows = []
    descriptions = json.loads((FIXTURES / "claims" / "ctgov_descriptions.json").read_text(encoding="utf-8"))
    for nct, fields in sorted(descriptions.items()):
        for key, text in sorted(fields.items()):
            rows += extract_claims(text, {"trial_id": nct, "loc": key, "claim_date": "2020"})
    for path in sorted((FIXTURES / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        rows += extract_claims(text, {"source_id": path.stem, "offset": 3})
        rows += extract_claims(text)
    return rows


def test_claims_extracted_from_real_texts_match_pinned_digest():
    rows = extracted_claims()
    text = json.dumps(rows, ensure_ascii=False)  # key order included
    assert len(rows) == 41
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == \
        "c895bd4ecc28c3ff36da9d311d2556ca881744c6025cc64812ee3261962deb84"


if __name__ == "__main__" and "--write" in sys.argv:
    import os

    os.chdir(ROOT)
    for name, path in RECORDS.items():
        (GOLDEN / golden_name(name)).write_text(dump_text(read_paths([path])), encoding="utf-8")
    print({k: digest(current(k)) for k in DIGESTS})
