"""Match the groups of two result modules of one record (participant flow vs baseline, flow vs adverse events).

Group ids are per module in CT.gov (FG000 in the flow, BG000 in the baseline, EG000 in adverse events), so the
same arm has to be recognised by its title, or failing that by its position when both modules list the same
number of groups. Total groups ("Total" column of the baseline) are left out.

The matching works on positions into the groups table and integer codes (record, normalised title, position):
the two blocks hold a few thousand rows per chunk, and merges on string keys cost more in pandas' fixed
overhead than the work itself. Only the matched pairs' columns are taken from the table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialguard.keys import key_codes
from trialguard.validators.distinct import per_distinct

KEY = ["trial_id", "source_id"]
COLUMNS = ["trial_id", "source_id", "group_a", "title_a", "group_b", "title_b", "n_b", "loc_b", "how"]


def _groups(groups: pd.DataFrame, block: str, record: np.ndarray, group: np.ndarray) -> pd.DataFrame:
    """The block's groups but totals, each (record, group id) once (its first row): `row` (position in
    `groups`), `rec` (record code: `record`; `group` codes record and group id), `norm` (title, case and
    blanks normalised) and `pos` (order in its record)."""
    keep = (groups["block"] == block) & ~groups["is_total"].fillna(False).astype(bool)
    rows = np.flatnonzero(keep.to_numpy())
    rows = rows[~pd.Series(group[rows]).duplicated().to_numpy()]
    norm = per_distinct(groups["title"].iloc[rows].fillna(""),
                        lambda t: t.str.casefold().str.split().str.join(" "))
    rec = record[rows]
    return pd.DataFrame({"row": rows, "rec": rec, "norm": norm.array,
                         "pos": pd.Series(rec).groupby(rec, sort=False).cumcount().to_numpy()})


def _unique_titles(side: pd.DataFrame, code: np.ndarray, n_codes: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows of `side`, record-and-title key) of the groups whose non-empty title is unique in their record."""
    key = side["rec"].to_numpy() * n_codes + code
    unique = ~pd.Series(key).duplicated(keep=False).to_numpy() & (side["norm"] != "").to_numpy()
    return np.flatnonzero(unique), key[unique]


def _pairs(groups: pd.DataFrame, ia: np.ndarray, ib: np.ndarray, how: list[str]) -> pd.DataFrame:
    take = lambda col, rows: groups[col].array.take(rows)  # noqa: E731
    return pd.DataFrame({"trial_id": take("trial_id", ia), "source_id": take("source_id", ia),
                         "group_a": take("group_id", ia), "title_a": take("title", ia),
                         "group_b": take("group_id", ib), "title_b": take("title", ib), "n_b": take("n", ib),
                         "loc_b": take("loc", ib), "how": pd.array(how, dtype="str")})


def match_groups(groups: pd.DataFrame, block_a: str, block_b: str, by_position: bool = True) -> pd.DataFrame:
    """Pairs of groups (same trial and source) that are the same arm in `block_a` and `block_b`.

    Columns: trial_id, source_id, group_a, title_a, group_b, title_b, n_b, loc_b, how ("title" or "position").
    Titles match case- and whitespace-insensitively and only when unique on both sides; a record whose groups
    cannot all be matched by title is matched by position if both sides have the same number of groups (unless
    `by_position` is False: adverse-event groups of a crossover are treatments, flow groups are sequences).
    Pairs by title come first, in the order of `block_a`, then pairs by position.
    """
    record = pd.factorize(key_codes(groups, KEY))[0]  # dense: it sizes the per-record counts below
    group = key_codes(groups, KEY + ["group_id"])
    a, b = _groups(groups, block_a, record, group), _groups(groups, block_b, record, group)
    if a.empty or b.empty:
        return pd.DataFrame(columns=COLUMNS)
    codes, uniq = pd.factorize(pd.concat([a["norm"], b["norm"]], ignore_index=True))
    ua, key_a = _unique_titles(a, codes[:len(a)], len(uniq))
    ub, key_b = _unique_titles(b, codes[len(a):], len(uniq))
    hit = pd.Index(key_b).get_indexer(key_a)  # titles are unique on each side: one match at most
    ta, tb = ua[hit >= 0], ub[hit[hit >= 0]]  # rows of a and b matched by title
    if not by_position:
        return _pairs(groups, a["row"].to_numpy()[ta], b["row"].to_numpy()[tb], ["title"] * len(ta))

    # a record is paired by position when title matching left some of its groups unmatched and both sides
    # list as many groups (records without a trial or source id never are)
    n_rec = int(record.max()) + 1
    rec_a, rec_b = a["rec"].to_numpy(), b["rec"].to_numpy()
    size_a, size_b = np.bincount(rec_a, minlength=n_rec), np.bincount(rec_b, minlength=n_rec)
    matched = np.bincount(rec_a[ta], minlength=n_rec)
    positional = (matched != np.minimum(size_a, size_b)) & (size_a == size_b)
    positional[np.unique(record[(groups["trial_id"].isna() | groups["source_id"].isna()).to_numpy()])] = False
    keep = ~positional[rec_a[ta]]
    ta, tb = ta[keep], tb[keep]
    n_pos = int(max(a["pos"].max(), b["pos"].max())) + 1
    pa = np.flatnonzero(positional[rec_a])
    pb = np.flatnonzero(positional[rec_b])
    hit = pd.Index(rec_b[pb] * n_pos + b["pos"].to_numpy()[pb]).get_indexer(rec_a[pa] * n_pos + a["pos"].to_numpy()[pa])
    pa, pb = pa[hit >= 0], pb[hit[hit >= 0]]
    rows_a = np.concatenate([a["row"].to_numpy()[ta], a["row"].to_numpy()[pa]])
    rows_b = np.concatenate([b["row"].to_numpy()[tb], b["row"].to_numpy()[pb]])
    return _pairs(groups, rows_a, rows_b, ["title"] * len(ta) + ["position"] * len(pa))
