"""Baselines: the fingerprints of accepted findings, so that only what a change introduces fails the build.

The file is JSON meant to be committed and reviewed: a format version and one entry per finding, sorted by
rule, trial, source and fingerprint, each with the rule, trial, file and message for the people reading the
diff. Only the fingerprint is used for matching; the rest is for humans. No timestamps: rewriting the baseline
for an unchanged dataset changes no byte.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

import pandas as pd

from trialguard.gate import GateError
from trialguard.reports.output import write_atomic

VERSION = 1
ENTRY_KEYS = ("fingerprint", "rule", "name", "severity", "trial_id", "source_id", "file", "message")


def _entry_sort_key(e: dict) -> tuple:
    return (e.get("rule", ""), e.get("trial_id", ""), e.get("source_id", ""), e["fingerprint"])


def entries(findings: pd.DataFrame) -> list[dict]:
    """One baseline entry per finding (file made repository-relative so the baseline does not depend on how
    the command was invoked), sorted."""
    from trialguard.locate import relative_path

    out = []
    for rec in findings[list(ENTRY_KEYS)].astype(str).to_dict("records") if len(findings) else []:
        if rec["file"]:
            rec["file"] = relative_path(rec["file"])
        out.append(rec)
    return sorted(out, key=_entry_sort_key)


def dumps(findings: pd.DataFrame) -> bytes:
    doc = {"tool": "trialguard", "baseline_version": VERSION, "findings": entries(findings)}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write(findings: pd.DataFrame, path: str | Path) -> Path:
    """Write the baseline atomically (a reader never sees half a file)."""
    path = Path(path)
    if path.is_dir():
        raise GateError(f"baseline {path} is a folder; give a file name")
    try:
        return write_atomic(path.parent, path.name, dumps(findings))
    except OSError as e:
        raise GateError(f"cannot write baseline {path}: {e.strerror or e}") from None


def load(path: str | Path) -> dict[str, dict]:
    """Fingerprint -> entry. A missing, unreadable or foreign file is a usage error (exit 2)."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GateError(f"baseline file not found: {path} (create it with --write-baseline)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise GateError(f"cannot read baseline {path}: {e}") from None
    except ValueError as e:
        raise GateError(f"baseline {path} is not valid JSON: {e}") from None
    if not isinstance(doc, dict) or doc.get("tool") != "trialguard" or "findings" not in doc:
        raise GateError(f"{path} is not a trialguard baseline")
    if doc.get("baseline_version") != VERSION:
        raise GateError(f"baseline {path} has version {doc.get('baseline_version')!r}; this trialguard reads "
                        f"version {VERSION} (rewrite it with --write-baseline)")
    items = doc["findings"]
    if not isinstance(items, list) or not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str)
                                              for e in items):
        raise GateError(f"baseline {path}: 'findings' must be a list of entries with a fingerprint")
    return {e["fingerprint"]: e for e in items}


def compare(findings: pd.DataFrame, prior: dict[str, dict], rules_run: Iterable[str],
            file: str) -> tuple[pd.DataFrame, dict]:
    """Mark each finding `new` or `existing` (column baseline_status) and list the baselined findings of the
    rules that ran which no longer occur as resolved. Entries of rules that did not run (deselected) are
    neither: they are counted as `unchecked`."""
    marked = findings.copy()
    known = marked["fingerprint"].isin(prior.keys()) if len(marked) else pd.Series([], dtype=bool)
    marked["baseline_status"] = pd.Series(["existing" if k else "new" for k in known], index=marked.index,
                                          dtype="object")
    current = set(marked["fingerprint"]) if len(marked) else set()
    ran = set(rules_run)
    gone = [e for fp, e in prior.items() if fp not in current]
    resolved = sorted((e for e in gone if e.get("rule") in ran), key=_entry_sort_key)
    summary = {
        "file": str(file),
        "new": int((~known).sum()) if len(marked) else 0,
        "existing": int(known.sum()) if len(marked) else 0,
        "resolved": resolved,
        "unchecked": len(gone) - len(resolved),
    }
    return marked, summary


def record(paths: Iterable[str], cfg, path: str | Path) -> int:
    """`trialguard baseline write`: validate `paths` under `cfg` and write every finding to the baseline."""
    from trialguard import engine

    result = engine.run(paths, cfg, cfg.limits())
    write(result.findings, path)
    return len(result.findings)
