"""TG205-TG209: counts that must add up — categories to their group, arms to the Total, parts to the whole.

Sums are exact integer group-bys over whole tables. A category set (one measure/class in one group) is summed
against its size (the rows' shared denominator, else the group's n); flags on the count rows say how:
`exclusive` (a participant is in at most one category: sum <= n) and `exhaustive` (every participant is in
some category: sum >= n); both together mean sum = n.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialguard.dataset import Dataset
from trialguard.findings import Severity, emit
from trialguard.keys import joint_key_codes, key_codes, rows_where
from trialguard.validators._categories import (GROUP_KEY, SET_KEY, counts_with_sizes, key_frame, label, measure_label,
                                               num_text, text, unique_groups)
from trialguard.validators.derived import per_chunk
from trialguard.validators.groupagg import named_agg
from trialguard.validators.registry import rule


def _category_sets(ds: Dataset, flag: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The counts with their group sizes (findings take their rows from it), the rows whose `flag` is set with
    their set keys, and per category set: total (sum of known counts), complete (every category has a count),
    n (the shared denominator, else the group's size), first row."""
    table = counts_with_sizes(ds)
    flagged = table[flag].fillna(False).astype(bool)
    if not flagged.any():
        return table.iloc[0:0], pd.DataFrame(), pd.DataFrame()
    rows = rows_where(table[SET_KEY + ["count", "denom", "group_n"]], flagged)  # only the columns summed here
    # `_set` numbers the category sets (SET_KEY, missing texts as ""): group-bys hash one integer, not six texts
    work = pd.DataFrame({"_set": key_codes(rows, SET_KEY, blank=True)}, index=rows.index).assign(
        count=rows["count"], known=rows["count"].notna(), denom=rows["denom"], group_n=rows["group_n"], row=rows.index)
    agg = named_agg(work.groupby("_set", sort=False),
        total=("count", "sum"), complete=("known", "all"), size=("known", "size"),
        denoms=("denom", "nunique"), denom=("denom", "max"), group_n=("group_n", "max"), row=("row", "first"))
    agg["n"] = agg["denom"].where(agg["denoms"] == 1, pd.NA).fillna(agg["group_n"])
    agg = agg[agg["n"].notna() & (agg["size"] >= 2)]
    agg["n"] = agg["n"].astype(int)
    agg["total"] = agg["total"].astype(int)
    return table, work, agg


def _set_findings(table: pd.DataFrame, work: pd.DataFrame, bad: pd.DataFrame, relation: str,
                  expected: pd.Series) -> pd.DataFrame:
    """One finding per offending set, at its first category (rows taken from `table`); the message lists every
    category's count."""
    if bad.empty:
        return emit(table.iloc[0:0], message="")
    first = table.loc[bad["row"].to_numpy()]
    members = work.merge(bad[[]].reset_index(), on="_set", how="inner")  # only the offending sets' rows
    member_rows = table.loc[members["row"].to_numpy()]
    members = members.assign(item=(num_text(member_rows["count"]) + " (" + label(member_rows) + ")").to_numpy(),
                             loc=text(member_rows["loc"]).to_numpy(),
                             value=num_text(member_rows["count"], "").to_numpy())
    by_set = members.groupby("_set", sort=False)
    items = by_set["item"].agg(" + ".join).reindex(bad.index)
    fields: dict[tuple, dict] = {}  # per set, {loc: count} in row order (one pass, not one frame per set)
    for key, loc, value in zip(members["_set"], members["loc"], members["value"]):
        fields.setdefault(key, {})[loc] = value
    msg = (measure_label(first).to_numpy() + ": " + items.to_numpy() + " = " + bad["total"].astype(str).to_numpy()
           + f" participants in {relation} categories, but the group has " + bad["n"].astype(str).to_numpy())
    evidence = []
    for quote, key in zip(text(first["quote"]), bad.index):
        ev = {"fields": fields[key]}
        if quote:
            ev["quote"] = quote
        evidence.append(ev)
    at = first.index
    observed = pd.Series(bad["total"].astype(str).to_numpy(), index=at)
    return emit(first, message=pd.Series(msg, index=at), observed=observed,
                expected=pd.Series(expected.to_numpy(), index=at), evidence=pd.Series(evidence, index=at, dtype=object))


@rule("TG205", "exclusive-categories-exceed-n", Severity.ERROR,
      summary="Counts of mutually exclusive categories add up to more than the group.",
      rationale="If a participant is in at most one category, sum of category counts <= n.",
      example="SLEDAI-2K at 3 months: score 0 4 + score 2 2 = 6 participants, but the group has 5",
      tables=("counts", "groups"))
def exclusive_categories_exceed_n(ds: Dataset) -> pd.DataFrame:
    table, work, agg = _category_sets(ds, "exclusive")
    if agg.empty:
        return emit(table.iloc[0:0], message="")
    bad = agg[agg["total"] > agg["n"]]
    return _set_findings(table, work, bad, "mutually exclusive", "<= " + bad["n"].astype(str))


@rule("TG206", "exhaustive-categories-short-of-n", Severity.ERROR,
      summary="Counts of exhaustive categories add up to less than the group.",
      rationale="If every participant is in some category, sum of category counts >= n (= n when the categories "
                "are also mutually exclusive). Checked only when every category has a count.",
      example="Sex: Female 6 + Male 5 = 11 participants, but the group has 12", tables=("counts", "groups"))
def exhaustive_categories_short(ds: Dataset) -> pd.DataFrame:
    table, work, agg = _category_sets(ds, "exhaustive")
    if agg.empty:
        return emit(table.iloc[0:0], message="")
    bad = agg[agg["complete"] & (agg["total"] < agg["n"])]
    return _set_findings(table, work, bad, "exhaustive", ">= " + bad["n"].astype(str))


def _split_total(ds: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Groups of blocks that have exactly one Total group: (the arms, the totals)."""
    g = unique_groups(ds)
    is_total = g["is_total"].fillna(False).astype(bool)
    if not is_total.any():
        return g.iloc[0:0], g.iloc[0:0]
    block = ["source_id", "trial_id", "block"]
    keys = key_frame(g, block)
    totals_per_block = is_total.groupby([keys[c] for c in block]).transform("sum")
    g = g[totals_per_block == 1]
    return g[~is_total[g.index]], g[is_total[g.index]]


@rule("TG207", "arms-do-not-sum-to-total", Severity.ERROR,
      summary="The arms of a table do not add up to its Total column.",
      rationale="Where a table has a Total group (baseline), for the group sizes and for every category count: "
                "sum over arms = Total.",
      example="Female: 10 + 11 across arms, Total 20", tables=("groups", "counts"))
def arms_do_not_sum_to_total(ds: Dataset) -> pd.DataFrame:
    arms, totals = _split_total(ds)
    if totals.empty:
        return emit(totals, message="")
    block = ["source_id", "trial_id", "block"]
    parts = []
    # Keys are integer codes (`_b`: block, `_g`: group, `_cat`: category; missing texts as "", as key_frame
    # has them): the merges and sums below then hash numbers instead of three to six text columns.
    # group sizes (unless every arm names the Total as its parent: then TG209 compares the parts with it)
    arm_b, tot_b = joint_key_codes([arms, totals], block, blank=True)
    tot_of = pd.DataFrame({"_b": tot_b, "total_id": text(totals["group_id"]).array})
    ak = pd.DataFrame({"_b": arm_b, "n": arms["n"].array, "known": arms["n"].notna().to_numpy(),
                       "parent": text(arms["parent"]).array})
    ak = ak.merge(tot_of, on="_b", how="left")
    ak["linked"] = ak["parent"] == ak["total_id"]
    linked = ak.groupby("_b", sort=False)["linked"].transform("all")
    ak = ak[~linked.to_numpy()]
    asum = named_agg(ak.groupby("_b", sort=False), total=("n", "sum"), complete=("known", "all"), arms=("n", "size"))
    tk = pd.DataFrame({"_b": tot_b, "n": totals["n"].array, "row": totals.index.to_numpy()})
    m = tk.merge(asum.reset_index(), on="_b", how="inner")
    m = m[m["complete"] & m["n"].notna() & (m["total"] != m["n"])]
    if len(m):
        rows = totals.loc[m["row"].to_numpy()]
        arm_n = m["total"].astype(int).astype(str).to_numpy()
        tot_n = m["n"].astype(int).astype(str).to_numpy()
        msg = pd.Series("The Total group has " + tot_n + " participants, but the arms add up to " + arm_n,
                        index=rows.index)
        parts.append(emit(rows, message=msg, observed=pd.Series(tot_n, index=rows.index),
                          expected=pd.Series(arm_n, index=rows.index)))
    # category counts
    table = ds.counts
    cat = ["source_id", "trial_id", "block", "measure", "class_title", "category"]
    # only counts in a block that has a Total can be arms or totals (blocks compared as the keys below are);
    # only the key and count columns are taken here, whole rows only for the findings
    c = rows_where(table[[*cat, "group_id", "count"]],
                   text(table["block"], strip=False).isin(text(totals["block"], strip=False).unique()))
    count_g, arm_g, tot_g = joint_key_codes([c, arms, totals], GROUP_KEY, blank=True)
    ck = pd.DataFrame({"_g": count_g, "_cat": key_codes(c, cat, blank=True), "count": c["count"].array,
                       "known": c["count"].notna().to_numpy(), "row": c.index})
    # arms and totals are distinct groups (one key, one role): one merge tells which a count belongs to
    roles = pd.DataFrame({"_g": np.concatenate([arm_g, tot_g]),
                          "_arm": np.arange(len(arm_g) + len(tot_g)) < len(arm_g)})
    roles["_tot"] = ~roles["_arm"]
    ck = ck.merge(roles, on="_g", how="left")
    arm_rows = ck[ck["_arm"].fillna(False).astype(bool)]
    tot_rows = ck[ck["_tot"].fillna(False).astype(bool)]
    if len(arm_rows) and len(tot_rows):
        s = named_agg(arm_rows.groupby("_cat", sort=False), arm_total=("count", "sum"), complete=("known", "all"))
        m = tot_rows.merge(s.reset_index(), on="_cat", how="inner")
        m = m[m["complete"] & m["count"].notna() & (m["arm_total"] != m["count"])]
        if len(m):
            offending = arm_rows.merge(m[["_cat"]], on="_cat", how="inner")  # arm counts of the offending categories
            items = offending.assign(item=num_text(offending["count"])).groupby("_cat", sort=False)["item"].agg(
                " + ".join)
            m = m.merge(items.reset_index().rename(columns={"item": "items"}), on="_cat", how="left")
            rows = table.loc[m["row"].to_numpy()]
            tot = m["count"].astype(int).astype(str).to_numpy()
            arm_total = m["arm_total"].astype(int).astype(str).to_numpy()
            msg = (label(rows).to_numpy() + " (" + measure_label(rows).to_numpy() + "): arms " + m["items"].to_numpy()
                   + " = " + arm_total + ", but Total is " + tot)
            parts.append(emit(rows, message=pd.Series(msg, index=rows.index),
                              observed=pd.Series(tot, index=rows.index),
                              expected=pd.Series(arm_total, index=rows.index)))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else emit(totals.iloc[0:0], message="")


@per_chunk("groups")
def _parts(ds: Dataset) -> pd.DataFrame:
    """Every group that names a parent, with the parent's n, title and parts_exhaustive flag (TG208, TG209)."""
    g = unique_groups(ds)
    has_parent = text(g["parent"]) != ""
    kids = g[has_parent]
    block = ["source_id", "trial_id", "block"]
    title = text(kids["title"]).where(text(kids["title"]) != "", text(kids["group_id"]))
    k = key_frame(kids, block + ["parent"]).assign(n=kids["n"], row=kids.index, title=title)
    if kids.empty:  # no part names a parent: no parent to look up
        g = g.iloc[0:0]
    p = key_frame(g, block + ["group_id"]).rename(columns={"group_id": "parent"}).assign(
        parent_n=g["n"], parent_row=g.index, parent_title=text(g["title"]),
        exhaustive=g["parts_exhaustive"].fillna(False).astype(bool))
    return k.merge(p, on=block + ["parent"], how="inner")


@rule("TG208", "part-larger-than-whole", Severity.ERROR,
      summary="A subgroup has more participants than the group it is part of.",
      rationale="A part of a group has n_part <= n_group (e.g. a dose level within all treated patients).",
      example="Dose level 2: 8 participants, but the cohort has 6", tables=("groups",))
def part_larger_than_whole(ds: Dataset) -> pd.DataFrame:
    m = _parts(ds)
    m = m[m["n"].notna() & m["parent_n"].notna()]
    m = m[m["n"] > m["parent_n"]]
    if m.empty:
        return emit(ds.groups.iloc[0:0], message="")
    rows = ds.groups.loc[m["row"].to_numpy()]
    n = m["n"].astype(int).astype(str).to_numpy()
    pn = m["parent_n"].astype(int).astype(str).to_numpy()
    name = m["title"].to_numpy()
    ptitle = m["parent_title"].where(m["parent_title"] != "", m["parent"]).to_numpy()
    msg = name + ": " + n + " participants, but " + ptitle + ", which it is part of, has " + pn
    return emit(rows, message=pd.Series(msg, index=rows.index), observed=pd.Series(n, index=rows.index),
                expected=pd.Series("<= " + pn, index=rows.index))


@rule("TG209", "parts-do-not-sum-to-whole", Severity.ERROR,
      summary="The parts of a cohort (dose levels, expansion) do not add up to the cohort.",
      rationale="When the parts are marked exhaustive (parts_exhaustive on the parent), sum of parts' n = the "
                "parent's n (error otherwise). Otherwise parts that add up to more than the whole are a warning: "
                "possible only if the parts overlap.",
      example="Dose levels 3 + 3 + 6 = 12, but all treated: 13", tables=("groups",))
def parts_do_not_sum(ds: Dataset) -> pd.DataFrame:
    m = _parts(ds)
    if m.empty:
        return emit(ds.groups.iloc[0:0], message="")
    m = m.assign(known=m["n"].notna(), item=num_text(m["n"]) + " (" + m["title"] + ")")
    block = ["source_id", "trial_id", "block", "parent"]
    agg = named_agg(m.groupby(block, sort=False), total=("n", "sum"), complete=("known", "all"),
                                           parent_n=("parent_n", "first"),
                                           parent_row=("parent_row", "first"), exhaustive=("exhaustive", "first"),
                                           parent_title=("parent_title", "first"), items=("item", " + ".join))
    agg = agg[agg["parent_n"].notna()]
    unequal = agg["exhaustive"] & agg["complete"] & (agg["total"] != agg["parent_n"])
    over = ~agg["exhaustive"] & (agg["total"] > agg["parent_n"])
    bad = agg[unequal | over]
    if bad.empty:
        return emit(ds.groups.iloc[0:0], message="")
    rows = ds.groups.loc[bad["parent_row"].to_numpy()]
    tot = bad["total"].astype(int).astype(str).to_numpy()
    pn = bad["parent_n"].astype(int).astype(str).to_numpy()
    ptitle = bad["parent_title"].where(bad["parent_title"] != "", bad.index.get_level_values("parent")).to_numpy()
    exhaustive = bad["exhaustive"].to_numpy()
    msg = ("Parts of " + ptitle + ": " + bad["items"].to_numpy() + " = " + tot + ", but " + ptitle + " has " + pn)
    msg = pd.Series(msg, index=rows.index).where(exhaustive, pd.Series(msg, index=rows.index)
                                                 + " (possible only if the parts overlap)")
    sev = pd.Series(exhaustive, index=rows.index).map({True: str(Severity.ERROR), False: str(Severity.WARNING)})
    expected = pd.Series(pn, index=rows.index).where(exhaustive, "<= " + pd.Series(pn, index=rows.index))
    return emit(rows, message=msg, observed=pd.Series(tot, index=rows.index), expected=expected, severity=sev)
