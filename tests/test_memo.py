"""Shared per-dataset work is computed once and never served for tables it was not computed from."""

from trialguard.dataset import Dataset, frame
from trialguard.validators.memo import once_per_dataset


def test_computed_once_per_dataset_and_again_when_a_named_table_is_replaced():
    calls = []

    def compute(ds):
        calls.append(len(ds.claims))
        return len(ds.claims)

    ds = Dataset()
    assert once_per_dataset(ds, "n", ("claims",), compute) == 0
    ds.tables["events"] = frame("events", [{"trial_id": "t", "source_id": "s", "file": "f", "loc": "/e"}])
    assert once_per_dataset(ds, "n", ("claims",), compute) == 0  # an unnamed table changed: reused
    ds.tables["claims"] = frame("claims", [{"trial_id": "t", "source_id": "s", "file": "f", "loc": "/c"}])
    assert once_per_dataset(ds, "n", ("claims",), compute) == 1
    assert once_per_dataset(Dataset(), "n", ("claims",), compute) == 0  # another dataset: its own result
    assert calls == [0, 1, 0]
