"""Shared pieces of the count rules (TG2xx): labels, the size of the group a count is out of, category sets.

A *category set* is the categories of one measure (and class) counted in one group of one source: the unit
over which counts and percentages are summed. Its size is the rows' `denom` when they agree on one, else the
group's `n` from the groups table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialguard.dataset import Dataset
from trialguard.keys import first_per_key, joint_key_codes
from trialguard.validators.derived import per_chunk

SET_KEY = ["source_id", "trial_id", "block", "group_id", "measure", "class_title"]
GROUP_KEY = ["source_id", "trial_id", "block", "group_id"]


def text(s: pd.Series, strip: bool = True) -> pd.Series:
    """Strings with missing values as "" (stripped of surrounding blanks unless `strip` is False)."""
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        out = s.fillna("")
    else:
        out = s.astype(object).where(s.notna(), "").astype(str)
    return out.str.strip() if strip else out


def num_text(s: pd.Series, missing: str = "?") -> pd.Series:
    """Whole numbers as text ("12"), `missing` for absent values."""
    return s.astype("Int64").astype(object).map(lambda v: missing if v is pd.NA else str(v)).astype(object)


def label(df: pd.DataFrame) -> pd.Series:
    """What a curator calls a count: its category, else its class, else its measure ("Female", "SLEDAI 0")."""
    out = text(df["category"])
    for col in ("class_title", "measure", "group_id"):
        out = out.where(out != "", text(df[col]))
    return out


def measure_label(df: pd.DataFrame) -> pd.Series:
    """The measure (and class) a category belongs to: "Sex: Female, Male" or "Age, Categorical / Japan"."""
    m, c = text(df["measure"]), text(df["class_title"])
    both = m.where(c == "", m + " / " + c)
    return both.where(both.str.strip(" /") != "", text(df["group_id"]))


def group_sizes(groups: pd.DataFrame) -> pd.DataFrame:
    """GROUP_KEY + group_n, group_title, parent_n: the size of every group and of its parent, if known."""
    # each group's key and its parent's key as codes numbered together (missing values match each other, as
    # they did in the merge this replaces): the first row of each key, and its parent looked up among them
    own, parent = joint_key_codes([groups[GROUP_KEY], groups[["source_id", "trial_id", "block", "parent"]].set_axis(
        GROUP_KEY, axis=1)], GROUP_KEY)
    first = np.flatnonzero(~pd.Series(own).duplicated().to_numpy())
    g = groups[GROUP_KEY + ["n", "title"]].iloc[first]
    sizes = g.rename(columns={"n": "group_n", "title": "group_title"}).reset_index(drop=True)
    sizes["parent_n"] = g["n"].array.take(pd.Index(own[first]).get_indexer(parent[first]), allow_fill=True)
    return sizes


def key_frame(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Key columns with missing values as "" so that groupby and merge keep every row."""
    return pd.DataFrame({c: text(df[c], strip=False) for c in cols}, index=df.index)


def with_group_sizes(counts: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """`counts` plus group_n, group_title and parent_n columns (missing when the group is not listed). A key
    listed twice (a group without an id and one with an empty id, which key_frame reads alike) gives each count
    the size of the group listed first, as `unique_groups` keeps it: one row per count, always."""
    sizes = group_sizes(groups)
    # the group key as one integer code (missing texts as "", as key_frame has them): the merge hashes numbers
    count_key, size_key = joint_key_codes([counts, sizes], GROUP_KEY, blank=True)
    first = np.flatnonzero(~pd.Series(size_key).duplicated().to_numpy())
    right = pd.DataFrame({"_k": size_key[first], "group_n": sizes["group_n"].array.take(first),
                          "group_title": sizes["group_title"].array.take(first),
                          "parent_n": sizes["parent_n"].array.take(first)})
    hit = pd.DataFrame({"_k": count_key}).merge(right, on="_k", how="left")
    out = counts.assign(group_n=hit["group_n"].array, group_title=hit["group_title"].array,
                        parent_n=hit["parent_n"].array)
    out.index.name = None
    return out


@per_chunk("counts", "groups")
def counts_with_sizes(ds: Dataset) -> pd.DataFrame:
    """`with_group_sizes` of the whole counts table, once per chunk: four rules start from it (a rule that needs
    some rows takes them from here; a row's sizes depend on that row alone)."""
    return with_group_sizes(ds.counts, ds.groups)


@per_chunk("groups")
def unique_groups(ds: Dataset) -> pd.DataFrame:
    """The groups table with each GROUP_KEY once (its first row), as several rules read it; without the
    descriptions, long texts that none of them reads and that selecting rows would copy."""
    return first_per_key(ds.groups.drop(columns="description"), GROUP_KEY)
