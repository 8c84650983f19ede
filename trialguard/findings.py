"""The findings table: one row per discrepancy, with a stable fingerprint for baselines.

Rules return frames of offending rows; `emit` turns them into findings with the canonical columns. The
fingerprint hashes what identifies a finding independently of file names, file order and formatting: rule,
trial, source, location inside the record, and the offending value. It changes when the value changes.
"""

from __future__ import annotations

import enum
import hashlib
import re
from typing import Iterable

import numpy as np
import pandas as pd


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None


FINDING_COLUMNS = [
    "rule",
    "name",
    "severity",
    "trial_id",
    "source_id",
    "file",
    "loc",
    "message",
    "observed",
    "expected",
    "evidence",  # dict: quotes, field values, the other source of a cross-source finding
    "fingerprint",
]
SORT_KEY = ["file", "trial_id", "source_id", "loc", "rule", "fingerprint"]


_EMPTY = pd.DataFrame({c: pd.Series(dtype="object") for c in FINDING_COLUMNS})
_EMITTED = ["trial_id", "source_id", "file", "loc", "message", "observed", "expected", "evidence", "severity"]
_EMPTY_EMIT = _EMPTY[_EMITTED]


def empty_findings() -> pd.DataFrame:
    """Most rules find nothing in most chunks: copying one empty table is much cheaper than building one."""
    return _EMPTY.copy()


def emit(
    rows: pd.DataFrame,
    message: pd.Series | str,
    observed: pd.Series | str = "",
    expected: pd.Series | str = "",
    evidence: pd.Series | dict | None = None,
    severity: pd.Series | str | None = None,
) -> pd.DataFrame:
    """Findings for offending `rows` (which carry trial_id, source_id, file, loc).

    `message`, `observed`, `expected` are vectorized string Series aligned with `rows` (or constants);
    `severity` overrides the rule's default per row. The engine fills rule, name and the fingerprint.
    Most rules find nothing in most chunks, so no offending rows cost one copy of an empty table.
    """
    if not len(rows):
        return _EMPTY_EMIT.copy()
    index = rows.index
    cols = {c: _provenance(rows[c], index) if c in rows else "" for c in ("trial_id", "source_id", "file", "loc")}
    cols["message"] = _text(message, index)
    cols["observed"] = _text(observed, index)
    cols["expected"] = _text(expected, index)
    if evidence is None:
        cols["evidence"] = [{} for _ in range(len(rows))]
    elif isinstance(evidence, dict):
        cols["evidence"] = [dict(evidence) for _ in range(len(rows))]
    else:
        cols["evidence"] = evidence
    cols["severity"] = severity
    # Series are aligned on the rows' index, lists taken in order, constants repeated (as column assignment does)
    return pd.DataFrame(cols, index=index).reset_index(drop=True)


def _provenance(col: pd.Series, index: pd.Index) -> pd.Series:
    """A provenance column as objects, missing values as "" (offending rows are few: plain Python is cheapest)."""
    return pd.Series(["" if _missing(v) else v for v in col.tolist()], index=index, dtype="object")


def _text(value, index: pd.Index) -> pd.Series:
    """Message, observed or expected as strings aligned on `index`, missing values as ""."""
    if isinstance(value, pd.Series):
        values = (value if value.index.equals(index) else value.reindex(index)).tolist()
    elif isinstance(value, (list, tuple, np.ndarray, pd.Index, pd.api.extensions.ExtensionArray)):
        values = list(value)
    else:
        values = [value] * len(index)
    if len(values) != len(index):
        raise ValueError(f"{len(values)} values for {len(index)} offending rows")
    return pd.Series(["" if _missing(v) else (v if isinstance(v, str) else str(v)) for v in values], index=index,
                     dtype="str")


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v) or v is pd.NaT


# The part of a location that only says where a record sits in its file: the NDJSON line (`line:12`) and the
# array indices of a file holding many records (`/3` of a ctg-studies.json). Records move when files are
# reordered or rewritten; the finding does not.
RECORD_POSITION = re.compile(r"^(?:line:\d+)?(?:/\d+)*")
TEXT_SPAN = re.compile(r"^chars:\d+-\d+$")


def stable_loc(loc: str, identified: bool, quote: str = "") -> str:
    """The location as it goes into a fingerprint.

    When the record has an id (trial or source), the id says which record it is and its position in the file
    is dropped. Without an id the position is all that tells two records apart, so it is kept (otherwise two
    id-less records of one file would share a fingerprint and one finding would be lost). A character span in
    a text shifts whenever earlier text is edited, so the quoted sentence (whitespace-normalised) stands in
    for it when the finding carries one.
    """
    if identified:
        loc = RECORD_POSITION.sub("", loc, count=1)
    if quote and TEXT_SPAN.match(loc):
        loc = "quote:" + " ".join(quote.split())
    return loc


def fingerprint(rule: str, trial_id: str, source_id: str, loc: str, observed: str, *,
                identified: bool | None = None, quote: str = "") -> str:
    """Stable id of a finding: rule, trial, source, record-relative location, offending value."""
    if identified is None:
        identified = bool(trial_id or source_id)
    key = "\x1f".join((rule, trial_id, source_id, stable_loc(loc, identified, quote), observed))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def _quote(evidence) -> str:
    q = evidence.get("quote") if isinstance(evidence, dict) else None
    return q if isinstance(q, str) else ""


def finalize(found: pd.DataFrame, rule: str, name: str, default: "Severity") -> pd.DataFrame:
    """Stamp rule code, name, severity and fingerprint on a rule's emitted findings."""
    if found is None or found.empty:
        return empty_findings()
    out = found.copy()
    out["rule"] = rule
    out["name"] = name
    sev = out["severity"] if "severity" in out else pd.Series([None] * len(out), index=out.index)
    out["severity"] = sev.map(lambda s: str(s) if s not in (None, "") and s == s else str(default))
    out["fingerprint"] = [
        fingerprint(rule, str(t), str(s), str(l), str(o), quote=_quote(e))
        for t, s, l, o, e in zip(out["trial_id"], out["source_id"], out["loc"], out["observed"], out["evidence"])
    ]
    return out[FINDING_COLUMNS]


def concat_findings(parts: Iterable[pd.DataFrame | None]) -> pd.DataFrame:
    frames = [p for p in parts if p is not None and len(p)]
    if not frames:
        return empty_findings()
    return sort_findings(pd.concat(frames, ignore_index=True))


def sort_findings(df: pd.DataFrame) -> pd.DataFrame:
    """Deterministic order: by file, trial, source, location, rule; duplicates removed."""
    if df.empty:
        return df
    df = df.drop_duplicates(subset=["fingerprint"], keep="first")
    return df.sort_values(SORT_KEY, kind="mergesort").reset_index(drop=True)


def rejection_fingerprint(code: str, file: str, loc: str, message: str, trial_id: str, source_id: str,
                          observed: str, per_file: bool) -> str:
    """A rejected record with an id is identified by it (stable when its file is renamed or moved). Without an id,
    or when the finding is about the file itself (`per_file`: a second copy of an id), the path as given is part
    of the identity: otherwise broken files named alike in two folders, or an id copied into two more files,
    would share one fingerprint and all but one would vanish from the report while the accounting counts them."""
    identified = bool(trial_id or source_id)
    if identified and not per_file:
        return fingerprint(code, trial_id, source_id, loc, observed or message, identified=True)
    return fingerprint(code, trial_id, source_id, f"{file}#{loc}", observed or message, identified=False)


def rejection(code: str, name: str, file: str, loc: str, message: str, trial_id: str = "", source_id: str = "",
              observed: str = "", per_file: bool = False) -> dict:
    """One TG0xx finding row for input that could not be ingested."""
    return {
        "rule": code,
        "name": name,
        "severity": "error",
        "trial_id": trial_id,
        "source_id": source_id,
        "file": file,
        "loc": loc,
        "message": message,
        "observed": observed,
        "expected": "",
        "evidence": {},
        "fingerprint": rejection_fingerprint(code, file, loc, message, trial_id, source_id, observed, per_file),
    }


def rejections_frame(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return empty_findings()
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)
