"""Readers pause the cyclic garbage collector while they build rows; the rules checking a chunk run with the
collector as the caller had it, and the caller's setting is restored afterwards."""

from __future__ import annotations

import gc

import pytest

from tests.conftest import FIXTURES
from trialguard.ingest import read_files

FILES = [str(p) for p in sorted((FIXTURES / "ctgov" / "v2").glob("*.json"))[:3]]


@pytest.mark.parametrize("enabled", [True, False])
def test_chunks_are_checked_with_the_callers_collector_setting(enabled):
    seen = []
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        ds = read_files(FILES, chunk_records=1, on_chunk=lambda chunk: seen.append(gc.isenabled()))
        after = gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
    assert seen == [enabled] * 3 and ds.records.checked == 3
    assert after is enabled
