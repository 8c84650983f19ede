"""The short console summary: record accounting, findings by severity and by rule, the verdict."""

from __future__ import annotations

import click

from trialguard.engine import RunResult
from trialguard.gate import counts_by_severity


def summary_lines(result: RunResult, exit_code: int) -> list[str]:
    ds, f = result.dataset, result.findings
    r = ds.records
    lines = [
        f"records: read {r.read}, checked {r.checked}, rejected {r.rejected}"
        f"  (inputs: {len(ds.inputs)} files, {len(ds.skipped)} other files skipped)",
    ]
    sev = counts_by_severity(f)
    lines.append("findings: " + ", ".join(f"{n} {s}" for s, n in sev.items()) + f"  ({len(f)} total)")
    if len(f):
        by_rule = f.groupby(["rule", "name", "severity"], sort=True).size()
        for (code, name, severity), n in by_rule.items():
            lines.append(f"  {code} {name:<40} {severity:<8} {n}")
    if result.baseline is not None:
        b = result.baseline
        lines.append(f"baseline {b['file']}: {b['new']} new, {b['existing']} existing, "
                     f"{len(b['resolved'])} resolved")
    if result.since is not None:
        s = result.since
        lines.append(f"since {s['rev']}: {s['changed_files']} changed files; reporting {s['findings_reported']} "
                     f"of {s['findings_total']} findings")
    verdict = "FAIL" if exit_code else "PASS"
    lines.append(f"verdict: {verdict} (fail-on {result.config.fail_on})")
    return lines


def print_summary(result: RunResult, exit_code: int) -> None:
    for line in summary_lines(result, exit_code):
        click.echo(line)
