"""Priority and novelty claims: scope normalisation (`scope`), the lexicon (`lexicon`), extraction from free
text (`extract`), and the enricher that turns the `texts` table into `claims` rows before the rules run."""

from __future__ import annotations

import pandas as pd

from trialguard.claims.extract import extract_claims
from trialguard.dataset import TABLES, Dataset, frame
from trialguard.enrich import enricher

__all__ = ["extract_claims", "claims_from_texts", "enrich"]


def _claim_dates(ds: Dataset, texts: pd.DataFrame) -> pd.Series:
    """The date each text makes its claims: its source's publication date, else the registry record's first
    submission (a registry summary is written when the trial is registered), else nothing."""
    src = ds.sources[["source_id", "published"]].dropna().drop_duplicates("source_id")
    trials = ds.trials[["trial_id", "first_submitted"]].dropna().drop_duplicates("trial_id")
    # look-ups of unique keys (what a left merge on one sorted text key does, without its slow monotonic path)
    # (an empty look-up table maps to floats: the dates keep their text dtype, as the merge kept it)
    published = texts["source_id"].map(src.set_index("source_id")["published"]).astype(src["published"].dtype)
    submitted = texts["trial_id"].map(trials.set_index("trial_id")["first_submitted"]).astype(
        trials["first_submitted"].dtype)
    return published.fillna(submitted).fillna("").rename("published")


def claims_from_texts(ds: Dataset) -> pd.DataFrame:
    """Claims found in the `texts` rows of sources that have no claims yet (curated records carry their own,
    and an article extracted elsewhere already had its claims extracted)."""
    texts = ds.texts
    if texts.empty:
        return frame("claims", [])
    have = set(ds.claims["source_id"].dropna())
    texts = texts[~texts["source_id"].isin(have) & texts["text"].notna()]
    if texts.empty:
        return frame("claims", [])
    dates = _claim_dates(ds, texts)
    rows: list[dict] = []
    # plain lists: iterating Arrow-backed columns row by row costs more than the extraction of a cached text
    columns = [texts[c].tolist() for c in ("trial_id", "source_id", "file", "loc", "text")]
    for tid, sid, file, loc, text, date in zip(*columns, dates.tolist()):
        ctx = {"trial_id": tid, "source_id": sid, "file": file, "loc": loc, "claim_date": date}
        rows.extend(extract_claims(text, ctx))
    cols = TABLES["claims"]
    found = frame("claims", [{k: v for k, v in r.items() if k in cols} for r in rows])
    # registries copy a sentence into the summary and the arm and intervention descriptions: one claim
    return found.drop_duplicates(["source_id", "kind", "quote"]).reset_index(drop=True)


@enricher("claims-from-texts")
def enrich(ds: Dataset) -> Dataset:
    """Append the claims found in free text to the `claims` table (registry summaries and descriptions)."""
    found = claims_from_texts(ds)
    if found.empty:
        return ds
    tables = dict(ds.tables)
    tables["claims"] = pd.concat([ds.claims, found], ignore_index=True) if len(ds.claims) else found
    ds.tables = tables
    return ds
