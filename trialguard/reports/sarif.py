"""findings.sarif: SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps).

One run; the driver lists every rule that ran (descriptions, help, configured level); each result carries
the rule, level, message, the fingerprint as a partial fingerprint, and the physical location of the offending
value: the data file relative to the repository root and the line and column of the value, so the finding
shows on the pull request's diff. With a baseline, `baselineState` says new or unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from trialguard import locate
from trialguard.engine import RunResult
from trialguard.findings import Severity
from trialguard.reports.json_report import finding_records
from trialguard.reports.output import write_atomic
from trialguard.validators.registry import REGISTRY, Rule

FILE_NAME = "findings.sarif"
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "trialguard/v1"
BASELINE_STATE = {"new": "new", "existing": "unchanged"}


def _rule_descriptor(r: Rule, level: str) -> dict:
    help_text = f"{r.summary}\n\nWhy: {r.rationale}"
    if r.example:
        help_text += f"\n\nExample:\n{r.example}"
    return {
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.rationale},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": level},
        "properties": {"family": r.family, "tags": ["data-quality", r.family]},
    }


def rules_of(result: RunResult) -> list[Rule]:
    """The rules that ran, plus any rule a finding names that is not among them, in code order."""
    rules = {r.code: r for r in result.rules}
    for code in result.findings["rule"].unique() if len(result.findings) else ():
        if code not in rules:
            rules[code] = REGISTRY.get(code) or Rule(code, code.lower(), Severity.ERROR, code, code)
    return [rules[c] for c in sorted(rules)]


def uri(file: str) -> str:
    """Repository-relative, percent-encoded URI reference of a data file (never absolute)."""
    return quote(locate.relative_path(file), safe="/")


def _physical(file: str, loc: str, message: str, positions: dict) -> dict:
    phys: dict = {"artifactLocation": {"uri": uri(file)}}
    pos = positions.get((file, loc, message))
    if pos:
        phys["region"] = {"startLine": pos[0], "startColumn": pos[1]}
    return phys


def result_of(rec: dict, index: dict[str, int], positions: dict, summary: str) -> dict:
    res: dict = {
        "ruleId": rec["rule"],
        "ruleIndex": index[rec["rule"]],
        "level": LEVELS.get(rec["severity"], "warning"),
        "message": {"text": rec["message"] or summary},
        "partialFingerprints": {FINGERPRINT_KEY: rec["fingerprint"]},
    }
    if rec["file"]:
        ident = rec["trial_id"] or rec["source_id"]
        location: dict = {"physicalLocation": _physical(rec["file"], rec["loc"], rec["message"], positions)}
        if ident:
            location["logicalLocations"] = [{"name": ident, "fullyQualifiedName": f"{ident}{rec['loc']}",
                                             "kind": "object"}]
        res["locations"] = [location]
    other = rec["evidence"].get("other") if isinstance(rec["evidence"], dict) else None
    if isinstance(other, dict) and other.get("file"):
        res["relatedLocations"] = [{
            "id": 1,
            "physicalLocation": _physical(str(other["file"]), str(other.get("loc") or ""), "", positions),
            "message": {"text": f"the other source: {other.get('source_id') or other['file']}"},
        }]
    if rec.get("baseline_status") in BASELINE_STATE:
        res["baselineState"] = BASELINE_STATE[rec["baseline_status"]]
    res["properties"] = {k: rec[k] for k in ("severity", "trial_id", "source_id", "loc", "observed", "expected")}
    return res


def document(result: RunResult) -> dict:
    rules = rules_of(result)
    index = {r.code: i for i, r in enumerate(rules)}
    levels = {r.code: LEVELS[str(result.config.severity_of(r.code, r.severity))] for r in rules}
    summaries = {r.code: r.summary for r in rules}
    positions = locate.finding_positions(result)
    results = [result_of(rec, index, positions, summaries[rec["rule"]]) for rec in finding_records(result.findings)]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "trialguard",
                "version": result.version,
                "semanticVersion": result.version,
                "rules": [_rule_descriptor(r, levels[r.code]) for r in rules],
            }},
            "columnKind": "unicodeCodePoints",
            "invocations": [{"executionSuccessful": True}],
            "results": results,
        }],
    }


def write(result: RunResult, out_dir: Path) -> Path:
    data = json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"
    return write_atomic(out_dir, FILE_NAME, data.encode("utf-8"))
