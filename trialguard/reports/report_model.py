"""The view model of the HTML report: plain, sorted, JSON-ready values computed from a RunResult.

Kept apart from rendering so that what the report says can be tested without parsing HTML. Everything here is
deterministic (sorted, no clocks); the generation time is added by the renderer.
"""

from __future__ import annotations

import hashlib
import os

import orjson
import pandas as pd

from trialguard import gate
from trialguard.engine import RunResult
from trialguard.findings import Severity
from trialguard.keys import first_per_key, rows_where
from trialguard.reports import timeline
from trialguard.reports.values import column_values, records
from trialguard.validators.registry import FAMILIES

SEVERITIES = tuple(str(s) for s in sorted(Severity, reverse=True))  # error, warning, info
INGESTION_ROWS = 500  # ingestion rows printed in the page; the findings table holds them all
TRIAL_FIELDS = ("title", "status", "phase", "study_type", "enrollment", "enrollment_type")


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


def page_column(s: pd.Series) -> list | dict:
    """A column for the page script: its plain values, or, for text that repeats (at most half as many distinct
    values as rows: file names, statuses, dates), `{"dict": sorted distinct values, "codes": each row's index
    into them, -1 for missing}`. On a registry extract that is most of the trial view's bytes."""
    if isinstance(s.dtype, pd.StringDtype) and len(s):
        codes, distinct = pd.factorize(s, sort=True)
        if 2 * len(distinct) <= len(s):
            return {"dict": column_values(pd.Series(distinct, dtype=s.dtype)), "codes": codes.tolist()}
    return column_values(s)


# The trial view's child tables: their columns, in the order the page shows them.
TRIAL_PARTS = {
    "sources": ("source_id", "kind", "title", "publisher", "published", "file"),
    "groups": ("source_id", "block", "group_id", "title", "n_text", "n", "parent"),
    "events": ("source_id", "event_type", "date_text", "date_lo", "date_hi", "quote"),
    "claims": ("source_id", "kind", "modality", "targets", "indication", "claim_date", "quote"),
}


def _with_trial(df: pd.DataFrame) -> pd.DataFrame:
    """The rows that name a trial (the whole table, uncopied, when all of them do)."""
    return rows_where(df, df["trial_id"].fillna("") != "")


def trial_view(result: RunResult) -> dict:
    """Per-trial facts for the trial view, column by column (no per-trial loop, no repeated keys):

    `ids`: every trial id with facts, sorted. `facts` and `dates`: one value per id (the registry fields of
    its first trials row; dates as `[name, column]` in the table's order). `sources`, `groups`, `events`,
    `claims`: `{"trial": each row's index into ids, "cols": [[name, column], ...]}`, rows in table order.
    Columns are `page_column`s.
    """
    ds = result.dataset
    trials = first_per_key(_with_trial(ds.trials), ["trial_id"])
    parts = {name: _with_trial(getattr(ds, name)) for name in TRIAL_PARTS}
    ids = pd.Index(sorted(set(trials["trial_id"]).union(*(set(p["trial_id"]) for p in parts.values()))),
                   dtype=object)
    by_id = trials.set_index("trial_id").reindex(ids)
    date_cols = [c for c in by_id.columns if c not in ("source_id", "file", "loc", *TRIAL_FIELDS)]
    return {
        "ids": ids.tolist(),
        "facts": {c: page_column(by_id[c]) for c in (*TRIAL_FIELDS, "source_id", "file")},
        "dates": [[c, page_column(by_id[c])] for c in date_cols],
        **{name: {"trial": ids.get_indexer(p["trial_id"].astype(object)).tolist(),
                  "cols": [[c, page_column(p[c])] for c in TRIAL_PARTS[name]]}
           for name, p in parts.items()},
    }


def build(result: RunResult) -> dict:
    data = findings_data(result)
    data["trialView"] = trial_view(result)
    return {
        "header": header(result),
        "rule_summary": rule_summary(result),
        "families": family_chart(result),
        "ingestion": ingestion(result),
        "appendix": appendix(result),
        "timeline": timeline.layout(result),
        "data": data,
    }
