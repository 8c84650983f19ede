"""Shared test helpers: paths to fixtures and a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def one(df: pd.DataFrame, **where) -> pd.Series:
    """The single row of `df` whose columns equal `where` (fails the test unless exactly one matches)."""
    mask = pd.Series(True, index=df.index)
    for col, value in where.items():
        mask &= df[col] == value
    rows = df[mask]
    assert len(rows) == 1, f"{len(rows)} rows match {where}"
    return rows.iloc[0]
