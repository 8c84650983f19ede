"""Fill the `doses` table after ingestion: parse curated dose rows, find dose spans in registry group text.

Two sources of dose rows:
- rows already in `doses` with only `raw` set (curated records, article extraction): `lo`, `hi`, `unit`,
  `basis`, `population`, `flags` are filled from the parse of `raw`; an unparseable `raw` keeps empty numbers
  and the flag `unparseable`;
- registry text: arm and intervention descriptions (`texts`) and group titles and descriptions (`groups`,
  every block but curated cohorts): one row per span that is really a dose (a number with a dose unit), with
  the span as `raw`, the sentence around it as `quote`, and `loc` = the field's loc + `#chars:START-END`.
Every unique string is parsed once (the parsers are cached as well).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from trialguard.dataset import Dataset, frame
from trialguard.doses import Dose, find_doses, parse_dose

# Registry text fields that describe what a group received; summaries are left to the claim extractors.
DOSE_TEXT_FIELDS = {"arm_description": "arms", "intervention_description": "interventions"}
_LEVEL = re.compile(r"\b(?:dose\s+level|level|DL|cohort|dose\s+cohort)\s*[-#:]?\s*(\d{1,2})\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+|\n")


def _flags(d: Dose) -> str:
    return " ".join(d.flags)


def _float(x) -> float | None:
    return float(x) if x is not None else None


@lru_cache(maxsize=1 << 14)
def level_of(title) -> int | None:
    """The escalation level a group title states ("Dose Level 2", "DL3", "Cohort 1"), if any."""
    if not isinstance(title, str):
        return None
    m = _LEVEL.search(title)
    return int(m.group(1)) if m else None


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence (or line) of `text` holding [start, end), stripped."""
    lo = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        lo = m.end()
    m = _SENTENCE_END.search(text, end)
    hi = m.start() if m else len(text)
    return text[lo:hi].strip()


def fill_parsed(doses: pd.DataFrame) -> pd.DataFrame:
    """Parse `raw` of rows that have no `unit` and no `lo` yet; other rows are kept as they are."""
    todo = doses["raw"].notna() & doses["lo"].isna() & doses["unit"].isna()
    if not todo.any():
        return doses
    out = doses.copy()
    parsed = {raw: parse_dose(raw) for raw in out.loc[todo, "raw"].unique()}
    raws = out.loc[todo, "raw"]
    get = lambda attr, empty: raws.map(lambda r: getattr(parsed[r], attr) if parsed[r] else empty)  # noqa: E731
    out.loc[todo, "lo"] = get("lo", None).map(_float).astype("float64")
    out.loc[todo, "hi"] = get("hi", None).map(_float).astype("float64")
    out.loc[todo, "unit"] = get("unit", "")
    out.loc[todo, "basis"] = out.loc[todo, "basis"].fillna(get("basis", ""))
    out.loc[todo, "population"] = out.loc[todo, "population"].fillna(get("population", ""))
    flags = raws.map(lambda r: _flags(parsed[r]) if parsed[r] else "unparseable")
    old = out.loc[todo, "flags"].fillna("")
    out.loc[todo, "flags"] = (old + " " + flags).str.strip()
    return out


def _candidates(ds: Dataset) -> pd.DataFrame:
    """(provenance, block, group_id, title, text, loc) of every registry text that states a dose."""
    cols = ["trial_id", "source_id", "file", "loc", "block", "group_id", "title", "text"]
    parts = []
    t = ds.texts
    t = t[t["field"].isin(list(DOSE_TEXT_FIELDS)) & t["text"].notna()]
    if len(t):
        parts.append(t.assign(block=t["field"].map(DOSE_TEXT_FIELDS), title=t["group_id"])[cols])
    g = ds.groups
    g = g[g["block"].ne("cohort") & g["block"].notna()]
    for field in ("title", "description"):
        sub = g[g[field].notna() & g[field].ne("")]
        if len(sub):
            parts.append(sub.assign(text=sub[field], loc=sub["loc"] + "/" + field)[cols])
    if not parts:
        return pd.DataFrame(columns=cols)
    cand = pd.concat(parts, ignore_index=True)
    # Most candidate texts hold no dose: look each distinct text up once and keep the rows whose text has one
    # (before dropping repeated rows, which share their text: the same rows remain, and far fewer are compared).
    codes, texts = pd.factorize(cand["text"])
    has_dose = np.fromiter((bool(doses_in(t)) for t in texts.tolist()), dtype=bool, count=len(texts))
    cand = cand[(codes >= 0) & has_dose[np.maximum(codes, 0)]]
    return cand.drop_duplicates(subset=["source_id", "block", "group_id", "text"], keep="first")


@lru_cache(maxsize=1 << 14)
def doses_in(text: str) -> tuple[tuple[int, int, dict], ...]:
    """(start, end, columns) of each dose span in `text`, with every column that depends on the text alone.
    Registries repeat arm and intervention descriptions across records, so each distinct text is read once
    (the cache is bounded; callers copy the dicts)."""
    return tuple((d.start, d.end, dict(
        raw=text[d.start:d.end], lo=_float(d.lo), hi=_float(d.hi), unit=d.unit, basis=d.basis,
        population=d.population, flags=_flags(d), quote=sentence_around(text, d.start, d.end)))
        for d in find_doses(text))


def rows_from_text(ds: Dataset) -> pd.DataFrame:
    cand = _candidates(ds)
    if cand.empty:
        return frame("doses", [])
    # plain lists: iterating Arrow-backed columns row by row costs more than finding doses in a cached text
    columns = [cand[c].tolist() for c in ("trial_id", "source_id", "file", "loc", "block", "group_id", "title", "text")]
    rows = []
    for trial_id, source_id, file, loc, block, group_id, title, text in zip(*columns):
        found = doses_in(text)
        if not found:
            continue
        level = level_of(title)
        for start, end, values in found:
            rows.append(dict(trial_id=trial_id, source_id=source_id, file=file, loc=f"{loc}#chars:{start}-{end}",
                             block=block, group_id=group_id, **values, level=level))
    return frame("doses", rows)


def fill_doses(ds: Dataset) -> Dataset:
    """The enricher: parsed curated rows plus rows found in registry text, in a deterministic order."""
    parsed = fill_parsed(ds.doses)
    found = rows_from_text(ds)
    parts = [p for p in (parsed, found) if len(p)]
    tables = dict(ds.tables)
    doses = pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts[0] if parts else parsed)
    # enriching twice must not add the text rows twice
    tables["doses"] = doses.drop_duplicates(subset=["source_id", "loc", "raw"], keep="first").reset_index(drop=True)
    return Dataset(tables=tables, rejections=ds.rejections, records=ds.records, inputs=ds.inputs,
                   skipped=ds.skipped)
