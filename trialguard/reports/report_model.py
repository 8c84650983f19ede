"""The view model of the HTML report: plain, sorted, JSON-ready values computed from a RunResult.

Kept apart from rendering so that what the report says can be tested without parsing HTML. Everything here is
deterministic (sorted, no clocks); the generation time is added by the renderer.
"""

from __future__ import annotations

import hashlib
import os
import re

import orjson
import pandas as pd
import pyarrow as pa

from trialguard import gate
from trialguard.engine import RunResult
from trialguard.findings import Severity
from trialguard.reports import timeline
from trialguard.validators.registry import FAMILIES

SEVERITIES = tuple(str(s) for s in sorted(Severity, reverse=True))  # error, warning, info
NCT = re.compile(r"NCT\d{8}")
INGESTION_ROWS = 500  # ingestion rows printed in the page; the findings table holds them all
TRIAL_FIELDS = ("title", "status", "phase", "study_type", "enrollment", "enrollment_type")


def plain(v):
    """A cell as a JSON-ready value: missing -> None, numpy scalars -> Python."""
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        return v.item()
    return v


def records(df: pd.DataFrame, cols: list[str]) -> list[list]:
    """Rows of `df[cols]` as lists of plain values (converted column by column, not cell by cell)."""
    if df.empty:
        return []
    return [list(row) for row in zip(*(column_values(df[c]) for c in cols))]


def column_values(s: pd.Series) -> list:
    """A column as plain Python values, missing ones None. Text, numbers and booleans go through Arrow's
    `to_pylist`, in compiled code (a pandas Arrow column turned into objects is read element by element);
    anything else is converted value by value."""
    if isinstance(s.dtype, pd.StringDtype) or s.dtype.kind in "iufb":  # nullable Int64, boolean, Float64 too
        return pa.array(s.array, from_pandas=True).to_pylist()
    return [plain(v) for v in s.astype(object).where(s.notna(), None).tolist()]


def nct_url(trial_id: str) -> str:
    """The public record of an NCT id (plain link; the page loads nothing)."""
    return f"https://clinicaltrials.gov/study/{trial_id}" if NCT.fullmatch(trial_id or "") else ""


def shown_path(text: str) -> str:
    """A path as the reader knows it: relative to the working folder when inside it (no machine paths)."""
    if not text or not os.path.isabs(text):
        return text
    try:
        return os.path.relpath(text, os.getcwd()) if text.startswith(os.getcwd() + os.sep) else text
    except ValueError:
        return text


def ruleset_digest(rules) -> str:
    """Identifies the rule set that ran (codes, names, severities, wording): equal digests, equal rules."""
    blob = orjson.dumps([r.as_dict() for r in sorted(rules, key=lambda r: r.code)], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(blob).hexdigest()[:12]


def header(result: RunResult) -> dict:
    ds, cfg, f = result.dataset, result.config, result.findings
    code = gate.exit_code(f, cfg.fail_on)
    failing = gate.failing(f, cfg.fail_on)
    by_status = {}
    if "baseline_status" in f and len(f):
        by_status = {str(k): int(v) for k, v in sorted(f["baseline_status"].value_counts().items())}
    baseline = None
    if result.baseline is not None:
        scalars = {str(k): v for k, v in result.baseline.items() if isinstance(v, (str, int, float, bool))}
        baseline = {"facts": sorted(scalars.items()), "by_status": sorted(by_status.items())}
    return {
        "version": result.version,
        "ruleset": ruleset_digest(result.rules),
        "rules_run": len(result.rules),
        "inputs": list(ds.inputs),
        "skipped": list(ds.skipped),
        "records": {"read": ds.records.read, "checked": ds.records.checked, "rejected": ds.records.rejected},
        "balanced": ds.records.read == ds.records.checked + ds.records.rejected,
        "config": {
            "select": list(cfg.select),
            "ignore": list(cfg.ignore),
            "severity": sorted(cfg.severity.items()),
            "fail_on": cfg.fail_on,
            "source": shown_path(cfg.source),
        },
        "verdict": "fail" if code else "pass",
        "failing": len(failing),
        "by_severity": gate.counts_by_severity(f),
        "total": len(f),
        "trials_checked": int(ds.trials["trial_id"].nunique()) if len(ds.trials) else 0,
        "baseline": baseline,
        "gx_docs": ({k: result.gx_docs[k] for k in ("href", "validations", "failing_values")}
                    if result.gx_docs else None),
    }


def rule_summary(result: RunResult) -> list[dict]:
    """One row per rule that fired, in code order; `bar` is the share of the busiest rule (0..100)."""
    f = result.findings
    if f.empty:
        return []
    known = {r.code: r for r in result.rules}
    size = f.groupby("rule", sort=True).size()
    with_trial = f[f["trial_id"] != ""]
    trials = with_trial.groupby("rule")["trial_id"].nunique()
    names = f.groupby("rule")["name"].first()
    sev = f.groupby(["rule", "severity"]).size()
    top = int(size.max())
    rows = []
    for code, n in size.items():
        present = [s for s in SEVERITIES if (code, s) in sev.index]
        r = known.get(code)
        rows.append({
            "code": code,
            "name": r.name if r else str(names.get(code, "")),
            "severity": present[0] if present else "info",
            "sev_rank": SEVERITIES.index(present[0]) if present else len(SEVERITIES),
            "severities": [(s, int(sev[(code, s)])) for s in present],
            "family": FAMILIES.get(code[:3], "other"),
            "findings": int(n),
            "trials": int(trials.get(code, 0)),
            "bar": round(100 * int(n) / top, 1),
        })
    return rows


def family_chart(result: RunResult) -> dict:
    """Findings by rule family and severity, as bar segments (x, width in a 0..100 scale)."""
    f = result.findings
    counts = f.assign(family=f["rule"].str[:3]).groupby(["family", "severity"]).size() if len(f) else {}
    rows = []
    for prefix, label in FAMILIES.items():
        segs = [(s, int(counts.get((prefix, s), 0))) for s in SEVERITIES]
        rows.append({"prefix": prefix, "label": label, "segments": segs, "total": sum(n for _, n in segs)})
    other = len(f) - sum(r["total"] for r in rows)
    if other:
        known = tuple(FAMILIES)
        rest = f[~f["rule"].str[:3].isin(known)]
        segs = [(s, int((rest["severity"] == s).sum())) for s in SEVERITIES]
        rows.append({"prefix": "", "label": "other", "segments": segs, "total": other})
    top = max((r["total"] for r in rows), default=0) or 1
    for r in rows:
        x = 0.0
        r["bars"] = []
        for s, n in r["segments"]:
            w = round(100 * n / top, 2)
            if n:
                r["bars"].append({"severity": s, "n": n, "x": round(x, 2), "w": w})
            x += w
        r["end"] = round(x, 2)
    return {"rows": rows}


def ingestion(result: RunResult) -> dict:
    f = result.findings
    rej = f[f["rule"].str.startswith("TG0")] if len(f) else f
    rows = records(rej.head(INGESTION_ROWS), ["rule", "name", "file", "loc", "message"])
    return {"rows": rows, "total": len(rej), "shown": len(rows), "skipped": list(result.dataset.skipped)}


def appendix(result: RunResult) -> list[dict]:
    f = result.findings
    fired = f["rule"].value_counts() if len(f) else {}
    out = []
    for r in sorted(result.rules, key=lambda r: r.code):
        d = r.as_dict()
        d["effective"] = str(result.config.severity_of(r.code, r.severity))
        d["fired"] = int(fired.get(r.code, 0))
        out.append(d)
    return out


def _strings(series: pd.Series) -> list[str]:
    """A column as Python strings, missing values as ''."""
    return ["" if v is None else str(v) for v in series.astype(object).where(series.notna(), None).tolist()]


def _codes(values: list[str]) -> tuple[list[str], list[int]]:
    """Dictionary-encode a string column: sorted distinct values and each row's index into them."""
    distinct = sorted(set(values))
    index = {v: i for i, v in enumerate(distinct)}
    return distinct, [index[v] for v in values]


def findings_data(result: RunResult) -> dict:
    """The findings as compact rows for the page script (strings of repeated columns dictionary-encoded).

    Row: [severity, rule, trial, source, file, loc, message, observed, expected, evidence|0, fingerprint,
    baseline status]. Indices point into the `sev`, `rules`, `trials`, `sources`, `files` lists.
    """
    f = result.findings
    col = {c: _strings(f[c]) for c in ("rule", "name", "severity", "trial_id", "source_id", "file", "loc",
                                        "message", "observed", "expected", "fingerprint")}
    names = dict(zip(col["rule"], col["name"]))
    for r in result.rules:
        names.setdefault(r.code, r.name)
    rules, rule_i = _codes(col["rule"])
    trials, trial_i = _codes(col["trial_id"])
    sources, source_i = _codes(col["source_id"])
    files, file_i = _codes(col["file"])
    sev_index = {s: i for i, s in enumerate(SEVERITIES)}
    sev_i = [sev_index.get(s, len(SEVERITIES) - 1) for s in col["severity"]]
    status = _strings(f["baseline_status"]) if "baseline_status" in f else [""] * len(f)
    evidence = [e if isinstance(e, dict) and e else 0 for e in f["evidence"].tolist()]
    rows = [list(t) for t in zip(sev_i, rule_i, trial_i, source_i, file_i, col["loc"], col["message"],
                                 col["observed"], col["expected"], evidence, col["fingerprint"], status)]
    return {
        "sev": list(SEVERITIES),
        "rules": [[c, names.get(c, "")] for c in rules],
        "trials": trials,
        "sources": sources,
        "files": files,
        "f": rows,
        "baseline": "baseline_status" in f,
    }


def _by_trial(df: pd.DataFrame, cols: list[str]) -> dict[str, list[list]]:
    """Rows of a table grouped by trial id, in table order (one pass over the whole table)."""
    if df.empty:
        return {}
    out: dict[str, list[list]] = {}
    for tid, row in zip(df["trial_id"].astype(object).tolist(), records(df, cols)):
        if isinstance(tid, str) and tid:
            out.setdefault(tid, []).append(row)
    return out


def trial_data(result: RunResult) -> dict:
    """Per-trial facts for the trial view: registry fields, sources, groups, dated events, claims."""
    ds = result.dataset
    info: dict[str, dict] = {}
    t = ds.trials
    if len(t):
        date_cols = [c for c in t.columns if c not in ("trial_id", "source_id", "file", "loc", *TRIAL_FIELDS)]
        first_date = 3 + len(TRIAL_FIELDS)
        rows = records(t.drop_duplicates("trial_id").sort_values("trial_id"),
                       ["trial_id", "source_id", "file", *TRIAL_FIELDS, *date_cols])
        for row in rows:  # one entry per trial: the hottest loop of a large report, so by position
            entry = dict(zip(TRIAL_FIELDS, row[3:first_date]))
            entry["source_id"], entry["file"] = row[1], row[2]
            entry["dates"] = [[c, v] for c, v in zip(date_cols, row[first_date:]) if v is not None and v != ""]
            info[str(row[0])] = entry
    parts = {
        "sources": _by_trial(ds.sources, ["source_id", "kind", "title", "publisher", "published", "file"]),
        "groups": _by_trial(ds.groups, ["source_id", "block", "group_id", "title", "n_text", "n", "parent"]),
        "events": _by_trial(ds.events, ["source_id", "event_type", "date_text", "date_lo", "date_hi", "quote"]),
        "claims": _by_trial(ds.claims, ["source_id", "kind", "modality", "targets", "indication", "claim_date",
                                        "quote"]),
    }
    ids = set(info)
    for p in parts.values():
        ids |= set(p)
    out = {}
    for tid in sorted(ids):
        entry = info.get(tid, {})
        for k, p in parts.items():
            if tid in p:
                entry[k] = p[tid]
        entry["url"] = nct_url(tid)
        out[tid] = entry
    return out


def build(result: RunResult) -> dict:
    data = findings_data(result)
    data["trialInfo"] = trial_data(result)
    return {
        "header": header(result),
        "rule_summary": rule_summary(result),
        "families": family_chart(result),
        "ingestion": ingestion(result),
        "appendix": appendix(result),
        "timeline": timeline.layout(result),
        "data": data,
    }
