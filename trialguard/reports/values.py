"""Table cells as JSON-ready Python values, converted column by column (the reports' hot path on large runs)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa


def plain(v):
    """A cell as a JSON-ready value: missing -> None, numpy scalars -> Python."""
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        return v.item()
    return v


def records(df: pd.DataFrame, cols: list[str]) -> list[list]:
    """Rows of `df[cols]` as lists of plain values (converted column by column, not cell by cell)."""
    if df.empty:
        return []
    return [list(row) for row in zip(*(column_values(df[c]) for c in cols))]


def column_values(s: pd.Series) -> list:
    """A column as plain Python values, missing ones None. Text, numbers and booleans go through Arrow's
    `to_pylist`, in compiled code (a pandas Arrow column turned into objects is read element by element);
    anything else is converted value by value."""
    if isinstance(s.dtype, pd.StringDtype) or s.dtype.kind in "iufb":  # nullable Int64, boolean, Float64 too
        return pa.array(s.array, from_pandas=True).to_pylist()
    return [plain(v) for v in s.astype(object).where(s.notna(), None).tolist()]
