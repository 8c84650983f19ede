"""The verdict: which findings fail the run, and the exit code (0 pass, 1 failing findings, 2 usage error)."""

from __future__ import annotations

import pandas as pd

from trialguard.findings import Severity

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_USAGE = 2


def failing(findings: pd.DataFrame, fail_on: str) -> pd.DataFrame:
    """Findings at or above `fail_on` (only new ones when a baseline marked them)."""
    if fail_on == "never" or findings.empty:
        return findings.iloc[0:0]
    threshold = Severity.parse(fail_on)
    sev = findings["severity"].map(lambda s: Severity.parse(s))
    mask = sev >= threshold
    if "baseline_status" in findings:
        mask &= findings["baseline_status"] == "new"
    return findings[mask]


def exit_code(findings: pd.DataFrame, fail_on: str) -> int:
    return EXIT_FAIL if len(failing(findings, fail_on)) else EXIT_PASS


def counts_by_severity(findings: pd.DataFrame) -> dict[str, int]:
    vc = findings["severity"].value_counts() if len(findings) else {}
    return {str(s): int(vc.get(str(s), 0)) for s in sorted(Severity, reverse=True)}
