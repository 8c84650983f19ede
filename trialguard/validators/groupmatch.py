"""Match the groups of two result modules of one record (participant flow vs baseline, flow vs adverse events).

Group ids are per module in CT.gov (FG000 in the flow, BG000 in the baseline, EG000 in adverse events), so the
same arm has to be recognised by its title, or failing that by its position when both modules list the same
number of groups. Total groups ("Total" column of the baseline) are left out.
"""

from __future__ import annotations

import pandas as pd

KEY = ["trial_id", "source_id"]


def _groups(groups: pd.DataFrame, block: str) -> pd.DataFrame:
    keep = (groups["block"] == block) & ~groups["is_total"].fillna(False).astype(bool)
    out = groups.loc[keep, KEY + ["group_id", "title", "n", "loc"]].drop_duplicates(KEY + ["group_id"])
    codes, titles = pd.factorize(out["title"].fillna(""))  # normalise each distinct title once
    norm = pd.Series(titles, dtype="str").str.casefold().str.split().str.join(" ")
    out["norm"] = norm.to_numpy()[codes] if len(codes) else norm.to_numpy()
    out["pos"] = out.groupby(KEY, sort=False).cumcount()
    return out


def match_groups(groups: pd.DataFrame, block_a: str, block_b: str, by_position: bool = True) -> pd.DataFrame:
    """Pairs of groups (same trial and source) that are the same arm in `block_a` and `block_b`.

    Columns: trial_id, source_id, group_a, title_a, group_b, title_b, n_b, loc_b, how ("title" or "position").
    Titles match case- and whitespace-insensitively and only when unique on both sides; a record whose groups
    cannot all be matched by title is matched by position if both sides have the same number of groups (unless
    `by_position` is False: adverse-event groups of a crossover are treatments, flow groups are sequences).
    """
    a, b = _groups(groups, block_a), _groups(groups, block_b)
    cols = ["trial_id", "source_id", "group_a", "title_a", "group_b", "title_b", "n_b", "loc_b", "how"]
    if a.empty or b.empty:
        return pd.DataFrame(columns=cols)
    ua = a[~a.duplicated(KEY + ["norm"], keep=False) & (a["norm"] != "")]
    ub = b[~b.duplicated(KEY + ["norm"], keep=False) & (b["norm"] != "")]
    by_title = ua.merge(ub, on=KEY + ["norm"], suffixes=("_a", "_b"))
    by_title["how"] = "title"
    if not by_position:
        return by_title.rename(columns={"group_id_a": "group_a", "group_id_b": "group_b"})[cols].reset_index(drop=True)

    size_a = a.groupby(KEY, sort=False).size().rename("size_a")
    size_b = b.groupby(KEY, sort=False).size().rename("size_b")
    matched = by_title.groupby(KEY, sort=False).size().rename("matched")
    sizes = pd.concat([size_a, size_b, matched], axis=1).fillna(0)
    complete = sizes["matched"] == sizes[["size_a", "size_b"]].min(axis=1)
    positional = sizes[~complete & (sizes["size_a"] == sizes["size_b"])].index
    if positional.empty:  # every record matched by title (or not at all)
        return by_title.rename(columns={"group_id_a": "group_a", "group_id_b": "group_b"})[cols].reset_index(drop=True)
    few = positional.get_level_values("trial_id")  # pair by position only in the records that need it
    by_pos = a[a["trial_id"].isin(few)].merge(b[b["trial_id"].isin(few)], on=KEY + ["pos"], suffixes=("_a", "_b"))
    by_pos = by_pos.set_index(KEY)
    by_pos = by_pos[by_pos.index.isin(positional)].reset_index()
    by_pos["how"] = "position"
    by_title = by_title.set_index(KEY)
    by_title = by_title[~by_title.index.isin(positional)].reset_index()

    out = pd.concat([by_title, by_pos], ignore_index=True)
    out = out.rename(columns={"group_id_a": "group_a", "group_id_b": "group_b"})
    return out[cols].reset_index(drop=True)
