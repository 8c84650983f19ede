"""named_agg returns exactly what pandas' named aggregation returns (columns, dtypes, group order, missing
values), for one or several keys, missing keys kept or dropped, and empty frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trialguard.validators.groupagg import named_agg

SPECS = dict(total=("n", "sum"), complete=("known", "all"), size=("known", "size"), denoms=("n", "nunique"),
             largest=("n", "max"), first=("t", "first"), fsum=("f", "sum"), items=("t", " + ".join))


def frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    text = lambda vals: pd.array(rng.choice(np.array(vals, dtype=object), n), dtype="str")  # noqa: E731
    counts = np.where(rng.random(n) < 0.2, None, rng.integers(0, 9, n)).tolist()
    return pd.DataFrame({"a": text(["x", "y", None, ""]), "b": text(["p", "q"]), "k": rng.integers(0, 4, n),
                         "n": pd.array(counts, dtype="Int64"), "f": np.where(rng.random(n) < 0.2, np.nan, rng.random(n)),
                         "known": rng.random(n) < 0.8, "t": text(["u", "v"])})


@pytest.mark.parametrize("n", [0, 1, 7, 200])
@pytest.mark.parametrize("keys, dropna", [(["k"], True), (["a", "b"], True), (["a", "b", "k"], False), (["a"], False)])
def test_same_frame_as_pandas_named_aggregation(n, keys, dropna):
    grouped = frame(n).groupby(keys, sort=False, dropna=dropna)
    pd.testing.assert_frame_equal(named_agg(grouped, **SPECS), grouped.agg(**SPECS))
