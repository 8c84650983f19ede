"""TG8xx: one fact stated differently by two sources, or by one source about one patient.

TG801 compares the same quantity of the same cohort across sources: a cohort is the same when two sources
give it the same trial id and group id (curated records name their trials and cohorts; CT.gov records use the
NCT id), and a trial's actual enrollment when two sources give it for the same trial id.
TG802 reads article and registry text for a single patient described with a sex ("a 20-year-old female
patient") and a pronoun of the other sex about that patient in the same or the next sentence ("his
condition"). It is deliberately narrow: plural descriptions, "his/her", and windows that mention another
person (a doctor, a relative) are skipped.
"""

from __future__ import annotations

import re

import pandas as pd

from trialguard.claims.extract import sentences
from trialguard.dataset import Dataset
from trialguard.findings import Severity, emit
from trialguard.validators._categories import text
from trialguard.validators.registry import rule


def _differing(df: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """Pairs of rows from different sources with equal `keys` and different `value` (one row per pair, on the
    source that sorts later, the other side's columns prefixed `o_`)."""
    d = df[df[value].notna() & (df["trial_id"].fillna("") != "")]
    cols = ["trial_id", "source_id", "file", "loc", value, *[k for k in keys if k != "trial_id"]]
    extra = [c for c in (f"{value}_text", "quote", "title") if c in d]
    d = d[list(dict.fromkeys(cols + extra))]
    other = d.rename(columns={c: f"o_{c}" for c in d.columns if c not in keys})
    p = d.merge(other, on=keys)
    p = p[(p["o_source_id"] < p["source_id"]) & (p[value] != p[f"o_{value}"])]
    return p.sort_values([*keys, "source_id", "o_source_id", "loc"], kind="mergesort").reset_index(drop=True)


@rule("TG801", "cohort-size-differs-between-sources", Severity.WARNING, scope="sources",
      tables=("groups: block == 'cohort'", "trials"),
      summary="Two sources state a different size for the same cohort (or actual enrollment for the same trial).",
      # registry groups (baseline, outcome, ...) belong to one source each; only curated cohorts recur
      rationale="A cohort has one size at one time: n(source A) = n(source B) for the same trial and group id "
                "(and equal ACTUAL enrollment); when two sources differ, one is wrong or they count different "
                "things (enrolled vs treated vs evaluable), which a curator must resolve.",
      example="source A: 12 patients received the infusion; source B: 11 patients (same trial, same cohort)")
def cohort_size_differs(ds: Dataset) -> pd.DataFrame:
    g = _differing(ds.groups[ds.groups["block"] == "cohort"], ["trial_id", "block", "group_id"], "n")
    t = ds.trials
    t = t[t["enrollment_type"].fillna("").str.upper() != "ESTIMATED"]
    e = _differing(t, ["trial_id"], "enrollment")
    parts = []
    if len(g):
        n_text, o_n_text = text(g["n_text"], strip=False), text(g["o_n_text"], strip=False)
        shown = n_text.where(n_text != "", g["n"].astype(str))
        oshown = o_n_text.where(o_n_text != "", g["o_n"].astype(str))
        evidence = [{"quote": q, "other": {"source_id": os_, "file": of, "loc": ol, "quote": oq, "date": ""},
                     "fields": {"n": a, f"{os_} n": b}}
                    for q, os_, of, ol, oq, a, b in zip(text(g["quote"], strip=False), g["o_source_id"], g["o_file"],
                                                        g["o_loc"], text(g["o_quote"], strip=False), shown, oshown)]
        parts.append(emit(g, message="cohort " + g["group_id"] + " of " + g["trial_id"] + " has " + shown
                          + " participants here but " + oshown + " in " + g["o_source_id"],
                          observed=shown + " vs " + oshown + " (" + g["o_source_id"] + ")",
                          expected="the same size in every source", evidence=evidence))
    if len(e):
        a, b = e["enrollment"].astype(str), e["o_enrollment"].astype(str)
        evidence = [{"other": {"source_id": os_, "file": of, "loc": ol, "quote": "", "date": ""},
                     "fields": {"enrollment": x, f"{os_} enrollment": y}}
                    for os_, of, ol, x, y in zip(e["o_source_id"], e["o_file"], e["o_loc"], a, b)]
        parts.append(emit(e, message="actual enrollment of " + e["trial_id"] + " is " + a + " here but " + b + " in "
                          + e["o_source_id"], observed=a + " vs " + b + " (" + e["o_source_id"] + ")",
                          expected="the same enrollment in every source", evidence=evidence))
    if not parts:
        return emit(ds.groups.iloc[0:0], message="")
    return pd.concat(parts, ignore_index=True)


_SEXED = re.compile(
    r"\b(?:an?|one|the)\s+(?:(?:\d{1,3}|[a-z]+-)[- ]year[- ]old\s+)?(?P<sex>female|male|woman|man|girl|boy)"
    r"(?:\s+patient)?\b(?!s)|\b(?:an?|one|the)\s+\d{1,3}[- ]year[- ]old\s+(?P<sex2>female|male|woman|man|girl|boy)\b",
    re.IGNORECASE)
_NOT_BOTH = (r"(?<![/])(?<!\bor\s)\b", r"\b(?!\s*(?:/|or\s+(?:his|her|he|she)\b))")  # "his/her", "he or she"
_PRONOUN = {"female": re.compile(_NOT_BOTH[0] + r"(?:he|him|his|himself)" + _NOT_BOTH[1], re.IGNORECASE),
            "male": re.compile(_NOT_BOTH[0] + r"(?:she|her|hers|herself)" + _NOT_BOTH[1], re.IGNORECASE)}
_OTHER_PERSON = re.compile(
    r"\b(?:Dr\.?|doctors?|physicians?|professor|director|investigators?|Mr\.?|Ms\.?|Mrs\.?|husband|wife|son|"
    r"daughter|father|mother|brother|sister|relatives?|friend|nurse|surgeon|author|researchers?)\b", re.IGNORECASE)
_SEX_OF = {"female": "female", "woman": "female", "girl": "female", "male": "male", "man": "male", "boy": "male"}


def sex_inconsistencies(text: str) -> list[dict]:
    """(window span, mention, pronoun) where a single patient of one sex is referred to by a pronoun of the
    other in the same or the next sentence."""
    spans = sentences(text)
    out = []
    for i, (s, e) in enumerate(spans):
        for m in _SEXED.finditer(text, s, e):
            sex = _SEX_OF[(m.group("sex") or m.group("sex2")).lower()]
            end = spans[i + 1][1] if i + 1 < len(spans) else e
            window = text[m.end():end]
            p = _PRONOUN[sex].search(window)
            if not p or _OTHER_PERSON.search(window[:p.start()]):
                continue
            out.append({"start": s, "end": end, "mention": m.group(0), "pronoun": p.group(0), "sex": sex})
    return out


@rule("TG802", "patient-sex-inconsistent", Severity.INFO,
      summary="A single patient is described as one sex and referred to with a pronoun of the other.",
      rationale="'a 20-year-old female patient ... his condition' means one of the two is wrong (often a "
                "translation artefact); baseline sex counts built from the text may be wrong too.",
      example="The research team performed CAR-T cell therapy on a 20-year-old female patient ... The therapy "
              "quickly relieved his condition")
def patient_sex_inconsistent(ds: Dataset) -> pd.DataFrame:
    t = ds.texts
    t = t[t["text"].notna()]
    rows = []
    uniq = {x: sex_inconsistencies(x) for x in t["text"].unique()}  # parse each text once
    for row in t.itertuples(index=False):
        for f in uniq[row.text]:
            quote = " ".join(row.text[f["start"]:f["end"]].split())
            span = f"chars:{f['start']}-{f['end']}"
            rows.append({"trial_id": row.trial_id, "source_id": row.source_id, "file": row.file,
                         "loc": f"{row.loc}#{span}" if row.loc else span, "sex": f["sex"],
                         "mention": " ".join(f["mention"].split()), "pronoun": f["pronoun"], "quote": quote})
    found = pd.DataFrame(rows, columns=["trial_id", "source_id", "file", "loc", "sex", "mention", "pronoun", "quote"])
    return emit(found,
                message="the patient is described as '" + found["mention"] + "' but then referred to as '"
                + found["pronoun"] + "'",
                observed=found["mention"] + " / " + found["pronoun"], expected="one sex for one patient",
                evidence=[{"quote": q, "highlight": [m, p]}
                          for q, m, p in zip(found["quote"], found["mention"], found["pronoun"])])
