"""findings.json: the machine-readable result (tool, version, inputs, record accounting, findings)."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import orjson
import pandas as pd

from trialguard.engine import RunResult
from trialguard.gate import counts_by_severity
from trialguard.reports.output import write_atomic
from trialguard.reports.values import column_values

FILE_NAME = "findings.json"


def generated_at() -> str:
    """Now in UTC, or SOURCE_DATE_EPOCH when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return when.replace(microsecond=0).isoformat()


def finding_records(findings: pd.DataFrame) -> list[dict]:
    """Findings as plain JSON-ready dicts, in the table's (deterministic) order; missing values are None."""
    cols = list(findings.columns)
    out = [dict(zip(cols, row)) for row in zip(*(column_values(findings[c]) for c in cols))]
    for rec in out:
        rec["evidence"] = rec.get("evidence") or {}
    return out


def document(result: RunResult) -> dict:
    ds, cfg = result.dataset, result.config
    f = result.findings
    return {
        "tool": "trialguard",
        "version": result.version,
        "generated_at": generated_at(),
        "inputs": ds.inputs,
        "skipped": ds.skipped,
        "records": {"read": ds.records.read, "checked": ds.records.checked, "rejected": ds.records.rejected},
        "config": {
            "select": list(cfg.select),
            "ignore": list(cfg.ignore),
            "severity": dict(sorted(cfg.severity.items())),
            "fail_on": cfg.fail_on,
            "source": cfg.source,
        },
        "rules_run": [r.code for r in result.rules],
        "summary": {
            "by_severity": counts_by_severity(f),
            "by_rule": {k: int(v) for k, v in sorted(f["rule"].value_counts().items())} if len(f) else {},
        },
        "baseline": result.baseline,
        "since": result.since,
        "gx_docs": result.gx_docs,
        "findings": finding_records(f),
    }


def dumps(doc: dict) -> bytes:
    """Indented UTF-8 JSON in the document's key order; a value JSON has no type for is written as its text."""
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2, default=str) + b"\n"


def write(result: RunResult, out_dir: Path) -> Path:
    return write_atomic(out_dir, FILE_NAME, dumps(document(result)))
