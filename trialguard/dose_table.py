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

from trialguard.dataset import TABLES, Dataset, frame
from trialguard.doses import Dose, find_doses, parse_dose
from trialguard.keys import first_per_key

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
    """(provenance, block, group_id, title, text, loc) of every registry text that states a dose. Only the
    columns listed here are taken from the tables, and the texts (descriptions are long) as Python strings:
    selecting rows of concatenated Arrow columns copies every chunk, an object column only pointers."""
    cols = ["trial_id", "source_id", "file", "loc", "block", "group_id", "title", "text"]
    parts = []
    t = ds.texts
    keep = t["field"].isin(list(DOSE_TEXT_FIELDS)).to_numpy() & _states_dose(t["text"])
    if keep.any():
        t = t[["trial_id", "source_id", "file", "loc", "field", "group_id", "text"]].iloc[np.flatnonzero(keep)]
        parts.append(t.assign(block=t["field"].map(DOSE_TEXT_FIELDS), title=t["group_id"],
                              text=t["text"].astype(object))[cols])
    g = ds.groups
    in_block = (g["block"].ne("cohort") & g["block"].notna()).to_numpy()
    for field in ("title", "description"):
        keep = in_block & _states_dose(g[field])
        if keep.any():
            sub = g[list(dict.fromkeys(["trial_id", "source_id", "file", "loc", "block", "group_id", "title", field]))]
            sub = sub.iloc[np.flatnonzero(keep)]
            parts.append(sub.assign(text=sub[field].astype(object), loc=sub["loc"] + "/" + field)[cols])
    if not parts:
        return pd.DataFrame(columns=cols)
    return first_per_key(pd.concat(parts, ignore_index=True), ["source_id", "block", "group_id", "text"])


def _states_dose(texts: pd.Series) -> np.ndarray:
    """Which rows hold a text with a dose in it. Most candidate texts hold none, and a few distinct texts repeat
    (an arm description is listed under every group it names): each distinct text is looked up once, and only
    the rows that state a dose are ever copied."""
    codes, distinct = pd.factorize(texts)
    has_dose = np.fromiter((bool(doses_in(t)) for t in distinct.tolist()), dtype=bool, count=len(distinct))
    return (codes >= 0) & has_dose[np.maximum(codes, 0)] if len(distinct) else np.zeros(len(texts), dtype=bool)


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
    """One row per dose span of each candidate text, in candidate order and, within a text, in span order.

    Candidates repeat a few distinct texts (an arm description is listed under every group it names), so the
    spans are listed once per distinct text and each candidate row is repeated once per span of its text by
    position (`np.repeat`), instead of building a dict per span and row."""
    cand = _candidates(ds)
    if cand.empty:
        return frame("doses", [])
    codes, texts = pd.factorize(cand["text"])  # candidates all have a text
    spans = [doses_in(t) for t in texts.tolist()]
    per_text = np.fromiter((len(s) for s in spans), dtype=np.int64, count=len(spans))
    flat = [span for s in spans for span in s]  # every distinct text's spans, text after text
    per_row = per_text[codes]
    row = np.repeat(np.arange(len(cand)), per_row)
    # span k of row r is flat[first span of r's text + k]
    within = np.arange(len(row)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    at = np.repeat(np.concatenate([[0], np.cumsum(per_text)[:-1]])[codes], per_row) + within
    rows = cand[["trial_id", "source_id", "file", "loc", "group_id", "block", "title"]].iloc[row].reset_index(drop=True)

    def spread(values: list, dtype: str):  # one value per distinct span -> one per row
        if dtype == "float64":
            return np.array([np.nan if v is None else v for v in values], dtype="float64")[at]
        return pd.array(values, dtype=dtype).take(at)

    chars = spread([f"#chars:{start}-{end}" for start, end, _ in flat], "str")
    out = {c: rows[c].array for c in ("trial_id", "source_id", "file")}
    out["loc"] = (rows["loc"] + pd.Series(chars)).array
    out["group_id"] = rows["group_id"].array
    for c, dtype in TABLES["doses"].items():
        if c in ("raw", "lo", "hi", "unit", "basis", "population", "flags", "quote"):
            out[c] = spread([values[c] for _, _, values in flat], dtype)
    out["block"] = rows["block"].array
    title_codes, titles = pd.factorize(rows["title"])
    levels = pd.array([level_of(t) for t in titles.tolist()] + [None], dtype="Int64")
    out["level"] = levels.take(np.where(title_codes < 0, len(titles), title_codes))
    return pd.DataFrame({c: out[c] for c in TABLES["doses"]}).astype(TABLES["doses"])


def fill_doses(ds: Dataset) -> Dataset:
    """The enricher: parsed curated rows plus rows found in registry text, in a deterministic order."""
    parsed = fill_parsed(ds.doses)
    found = rows_from_text(ds)
    parts = [p for p in (parsed, found) if len(p)]
    tables = dict(ds.tables)
    doses = pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts[0] if parts else parsed)
    # enriching twice must not add the text rows twice
    tables["doses"] = first_per_key(doses, ["source_id", "loc", "raw"]).reset_index(drop=True)
    return Dataset(tables=tables, rejections=ds.rejections, records=ds.records, inputs=ds.inputs,
                   skipped=ds.skipped)
