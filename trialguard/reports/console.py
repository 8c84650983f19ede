"""The short console summary: record accounting, findings by severity and by rule, the verdict.

On a terminal it is drawn with rich tables and colour; anywhere else (CI logs, pipes, files) it is plain text,
one fact per line, so that logs stay greppable. `summary_lines` is the plain form (its last line, the verdict,
is what --quiet prints).
"""

from __future__ import annotations

import io
import os
import sys
from typing import TextIO

import click

from trialguard.engine import RunResult
from trialguard.gate import counts_by_severity

SEV_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


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


def rule_rows(result: RunResult) -> list[tuple[str, str, str, int, int]]:
    """(code, name, severity, findings, trials affected) per rule and severity that fired, in code order."""
    f = result.findings
    if f.empty:
        return []
    g = f.groupby(["rule", "name", "severity"], sort=True)
    trials = f[f["trial_id"] != ""].groupby(["rule", "name", "severity"])["trial_id"].nunique()
    return [(c, n, s, int(k), int(trials.get((c, n, s), 0))) for (c, n, s), k in g.size().items()]


def rich_summary(result: RunResult, exit_code: int, console) -> None:
    """The same facts as `summary_lines`, as rich tables."""
    from rich.table import Table
    from rich.text import Text

    ds, f = result.dataset, result.findings
    r = ds.records
    console.print(Text.assemble(("records ", "bold"), f"read {r.read} · checked {r.checked} · rejected {r.rejected}",
                                (f"   ({len(ds.inputs)} inputs, {len(ds.skipped)} other files skipped)", "dim")))
    sev = counts_by_severity(f)
    parts: list = [("findings ", "bold")]
    for s, n in sev.items():
        parts += [(f"{n} {s}", SEV_STYLE[s] if n else "dim"), "  "]
    parts.append((f"({len(f)} total)", "dim"))
    console.print(Text.assemble(*parts))
    rows = rule_rows(result)
    if rows:
        table = Table(show_edge=False, header_style="bold", pad_edge=False, box=None)
        table.add_column("code")
        table.add_column("rule")
        table.add_column("severity")
        table.add_column("findings", justify="right")
        table.add_column("trials", justify="right")
        for code, name, s, n, t in rows:
            table.add_row(code, name, Text(s, style=SEV_STYLE.get(s, "")), str(n), str(t))
        console.print(table)
    if "baseline_status" in f and len(f):
        counts = f["baseline_status"].value_counts()
        console.print(Text.assemble(("baseline ", "bold"), ", ".join(
            f"{int(n)} {k}" for k, n in sorted(counts.items()))))
    verdict = Text.assemble(("verdict ", "bold"), ("FAIL", "bold white on red") if exit_code else
                            ("PASS", "bold white on green"), f" (fail-on {result.config.fail_on})")
    console.print(verdict)


def is_rich_terminal(stream: TextIO) -> bool:
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return tty and os.environ.get("TERM", "") != "dumb"


def render_rich(result: RunResult, exit_code: int, width: int = 100, color: bool = True) -> str:
    """The rich summary as text (with ANSI colour codes when `color`), e.g. for tests and previews."""
    from rich.console import Console

    buf = io.StringIO()
    rich_summary(result, exit_code, Console(file=buf, width=width, force_terminal=color, color_system="standard"
                                            if color else None, no_color=not color, highlight=False))
    return buf.getvalue()


def print_summary(result: RunResult, exit_code: int, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    if is_rich_terminal(out):
        from rich.console import Console

        rich_summary(result, exit_code, Console(file=out, highlight=False))
        return
    for line in summary_lines(result, exit_code):
        click.echo(line, file=out)
