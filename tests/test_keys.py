"""Integer key codes stand in for text keys: equal codes exactly for equal keys (missing values equal each
other; with `blank`, missing equals ""), codes that compare across frames, and the same rows and order as the
pandas operations they replace (largest per key, sort order, first per key, a boolean filter)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialguard.keys import first_per_key, joint_key_codes, key_codes, largest_per_key, rows_where, sort_order

TEXT = st.one_of(st.none(), st.sampled_from(["", "a", "b", "NCT00000001", "Placebo", "é"]))


def table(rows: list[tuple]) -> pd.DataFrame:
    trial, group, n = zip(*rows) if rows else ((), (), ())
    return pd.DataFrame({"trial_id": pd.array(trial, dtype="str"), "group_id": pd.array(group, dtype="str"),
                         "n": pd.array(n, dtype="Int64")})


ROWS = st.lists(st.tuples(TEXT, TEXT, st.one_of(st.none(), st.integers(0, 5))), max_size=30)


def same_key_pairs(codes: np.ndarray) -> set[tuple[int, int]]:
    return {(i, j) for i in range(len(codes)) for j in range(len(codes)) if codes[i] == codes[j]}


@settings(max_examples=60, deadline=None)
@given(ROWS)
def test_codes_are_equal_exactly_when_the_keys_are(rows):
    df = table(rows)
    codes = key_codes(df, ["trial_id", "group_id"])
    groups = df.groupby(["trial_id", "group_id"], sort=False, dropna=False).ngroup().to_numpy()
    assert same_key_pairs(codes) == same_key_pairs(groups)
    blank = key_codes(df, ["trial_id", "group_id"], blank=True)
    filled = df[["trial_id", "group_id"]].fillna("").groupby(["trial_id", "group_id"], sort=False).ngroup().to_numpy()
    assert same_key_pairs(blank) == same_key_pairs(filled)


def test_missing_equals_missing_and_blank_equals_empty_text():
    df = table([(None, "a", 1), (None, "a", 2), ("", "a", 3)])
    assert key_codes(df, ["trial_id", "group_id"]).tolist()[:2] == [0, 0]
    assert key_codes(df, ["trial_id", "group_id"])[2] != 0
    assert len(set(key_codes(df, ["trial_id", "group_id"], blank=True).tolist())) == 1


@settings(max_examples=40, deadline=None)
@given(ROWS, ROWS)
def test_joint_codes_compare_across_frames_as_a_merge_matches(left_rows, right_rows):
    left, right = table(left_rows), table(right_rows)
    a, b = joint_key_codes([left, right], ["trial_id", "group_id"])
    matched = {(i, j) for i in range(len(a)) for j in range(len(b)) if a[i] == b[j]}
    merged = left.reset_index().merge(right.reset_index(), on=["trial_id", "group_id"])
    assert matched == set(zip(merged["index_x"], merged["index_y"]))


def test_many_distinct_columns_are_renumbered_instead_of_overflowing():
    n = 70_000  # 70,000**4 > 2**62: the combined codes are renumbered on the way
    df = pd.DataFrame({c: pd.array([f"{c}{i}" for i in range(n)], dtype="str") for c in "abcd"})
    df = pd.concat([df, df.iloc[:3]], ignore_index=True)
    codes = key_codes(df, list("abcd"))
    assert len(set(codes.tolist())) == n
    assert codes[n:].tolist() == codes[:3].tolist()


@settings(max_examples=60, deadline=None)
@given(ROWS)
def test_largest_per_key_is_the_sort_and_drop_duplicates_it_replaces(rows):
    df = table(rows)
    expected = (df[df["n"].notna()].sort_values("n", ascending=False, kind="mergesort")
                .drop_duplicates(["trial_id", "group_id"]))
    pd.testing.assert_frame_equal(largest_per_key(df, ["trial_id", "group_id"], "n"), expected)


@settings(max_examples=60, deadline=None)
@given(ROWS)
def test_sort_order_is_pandas_stable_sort_with_missing_last(rows):
    df = table(rows)
    expected = df.sort_values(["trial_id", "group_id", "n"], kind="mergesort").index.to_numpy()
    assert sort_order(df, ["trial_id", "group_id", "n"]).tolist() == expected.tolist()


@pytest.mark.parametrize("cols", [[], ["trial_id"]])
def test_empty_tables(cols):
    df = table([])
    assert key_codes(df, cols).tolist() == []
    assert sort_order(df, cols).tolist() == []
    assert largest_per_key(df, ["trial_id"], "n").empty


@settings(max_examples=60, deadline=None)
@given(ROWS)
def test_first_per_key_keeps_the_rows_drop_duplicates_keeps(rows):
    df = table(rows).set_axis(range(10, 10 + len(rows)))  # labels kept, as drop_duplicates keeps them
    expected = df.drop_duplicates(["trial_id", "group_id"])
    pd.testing.assert_frame_equal(first_per_key(df, ["trial_id", "group_id"]), expected)


@settings(max_examples=60, deadline=None)
@given(ROWS, st.data())
def test_rows_where_is_the_boolean_filter(rows, data):
    df = table(rows)
    keep = np.array(data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows))), dtype=bool)
    pd.testing.assert_frame_equal(rows_where(df, keep), df[keep])
    pd.testing.assert_frame_equal(rows_where(df, pd.Series(keep)), df[keep])


def test_rows_where_keeping_every_row_is_a_copy_that_leaves_the_table_alone():
    df = table([("NCT00000001", "a", 1), ("NCT00000002", "b", 2)])
    kept = rows_where(df, np.ones(2, dtype=bool))
    assert kept is not df
    kept["n"] = kept["n"] + 1
    kept["extra"] = 1
    assert df["n"].tolist() == [1, 2] and "extra" not in df
