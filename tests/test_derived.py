"""per_chunk: a derived table is computed once per chunk, recomputed when a table it reads is replaced, and a
rule that adds a column to its copy does not change what the next rule gets."""

from __future__ import annotations

import pandas as pd

from trialguard.dataset import Dataset, frame
from trialguard.validators.derived import per_chunk

calls: list[int] = []


@per_chunk("flow")
def flow_size(ds: Dataset) -> pd.DataFrame:
    calls.append(1)
    return pd.DataFrame({"rows": [len(ds.flow)]})


def chunk(n: int) -> Dataset:
    ds = Dataset()
    ds.tables["flow"] = frame("flow", [{"trial_id": f"NCT{i:08d}", "n": i} for i in range(n)])
    return ds


def test_computed_once_per_chunk_and_again_for_a_replaced_table():
    calls.clear()
    ds = chunk(3)
    assert flow_size(ds)["rows"].tolist() == [3]
    assert flow_size(ds)["rows"].tolist() == [3]
    assert len(calls) == 1
    ds.tables["flow"] = chunk(5).flow
    assert flow_size(ds)["rows"].tolist() == [5]
    assert flow_size(chunk(2))["rows"].tolist() == [2]
    assert len(calls) == 3


def test_a_rule_changing_its_copy_leaves_the_cached_table_alone():
    ds = chunk(4)
    first = flow_size(ds)
    first["rows"] = 99
    first["extra"] = 1
    again = flow_size(ds)
    assert again["rows"].tolist() == [4] and "extra" not in again



@per_chunk("flow")
def first_trial(ds: Dataset) -> pd.DataFrame:
    return pd.DataFrame({"trial_id": [ds.flow["trial_id"].iloc[0]]})


def test_forget_drops_the_cache_so_a_table_changed_in_place_is_read_again():
    from trialguard.validators.derived import forget

    ds = chunk(3)
    assert first_trial(ds)["trial_id"].tolist() == ["NCT00000000"]
    ds.flow.loc[0, "trial_id"] = "NCT99999999"  # the same table object, changed in place
    assert first_trial(ds)["trial_id"].tolist() == ["NCT00000000"]  # within one run of the rules it stands
    forget(ds)
    assert first_trial(ds)["trial_id"].tolist() == ["NCT99999999"]
