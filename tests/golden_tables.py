"""A canonical, exact text form of a Dataset's tables, used to pin ingestion output byte for byte.

Every table becomes its column names, dtypes and rows (missing values as null, floats by their shortest
round-trip repr), so two Datasets dump equal exactly when they hold the same rows with the same types.
"""

from __future__ import annotations

import hashlib
import json
import math

import pandas as pd

from trialguard.dataset import Dataset


def _cell(v):
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, float):
        return repr(v)  # exact: the shortest text that reads back as the same double
    if hasattr(v, "item"):  # numpy scalars
        return _cell(v.item())
    return v


def table_dump(df: pd.DataFrame) -> dict:
    return {
        "columns": {c: str(t) for c, t in df.dtypes.items()},
        "index": f"{type(df.index).__name__}({len(df)})",
        "rows": [[_cell(v) for v in row] for row in df.astype(object).itertuples(index=False, name=None)],
    }


def dataset_dump(ds: Dataset) -> dict:
    return {name: table_dump(df) for name, df in sorted(ds.tables.items())}


def dump_text(ds: Dataset) -> str:
    return json.dumps(dataset_dump(ds), indent=0, sort_keys=True, ensure_ascii=False) + "\n"


def digest(ds: Dataset) -> str:
    return hashlib.sha256(dump_text(ds).encode("utf-8")).hexdigest()
