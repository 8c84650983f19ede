"""The rule families of this branch run once over the real CT.gov records in fixtures/ctgov."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
import pytest

from conftest import FIXTURES
from trialguard.config import Config
from trialguard.engine import validate
from trialguard.ingest import read_paths

CTGOV = FIXTURES / "ctgov"


@lru_cache(maxsize=1)
def _corpus():
    result = validate(read_paths([str(CTGOV)]), Config(select=("TG3", "TG4", "TG6")))
    return result.dataset, result.findings


def corpus_dataset():
    """Every fixture record, ingested (skips until the CT.gov adapter maps results on this branch)."""
    ds, _ = _corpus()
    if ds.flow.empty:
        pytest.skip("the CT.gov adapter on this branch does not map results yet (ingestion not merged)")
    return ds


def corpus_findings() -> pd.DataFrame:
    """Findings of TG3xx, TG4xx and TG6xx on every fixture record."""
    corpus_dataset()
    return _corpus()[1]


def hits(prefix: str) -> list[tuple[str, str, str]]:
    f = corpus_findings()
    f = f[f["rule"].str.startswith(prefix)]
    return sorted(zip(f["rule"], f["trial_id"], f["loc"]))
