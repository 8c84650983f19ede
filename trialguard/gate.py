"""The verdict: which findings fail the run, and the exit code.

Exit codes: 0 pass (nothing new at or above --fail-on), 1 failing findings, 2 usage or configuration error
(unknown option, unreadable config or baseline, a --since revision git does not know).

For CI the gate also narrows what counts: with a baseline only findings whose fingerprint is not in it are
`new` and can fail the run; with --since only findings that involve files changed since a git revision are
reported at all.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import click
import pandas as pd

from trialguard.findings import Severity

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_USAGE = 2


class GateError(click.ClickException):
    """A usage error of the gate options (bad baseline, bad revision): one line, exit code 2."""

    exit_code = EXIT_USAGE


def failing(findings: pd.DataFrame, fail_on: str) -> pd.DataFrame:
    """Findings at or above `fail_on` (only new ones when a baseline marked them)."""
    if fail_on == "never" or findings.empty:
        return findings.iloc[0:0]
    threshold = Severity.parse(fail_on)
    severity = findings["severity"]
    at_or_above = {s: Severity.parse(s) >= threshold for s in severity.unique()}  # a few distinct values
    mask = severity.map(at_or_above).astype(bool)
    if "baseline_status" in findings:
        mask &= findings["baseline_status"] == "new"
    return findings[mask]


def exit_code(findings: pd.DataFrame, fail_on: str) -> int:
    return EXIT_FAIL if len(failing(findings, fail_on)) else EXIT_PASS


def counts_by_severity(findings: pd.DataFrame) -> dict[str, int]:
    vc = findings["severity"].value_counts() if len(findings) else {}
    return {str(s): int(vc.get(str(s), 0)) for s in sorted(Severity, reverse=True)}


# --- git: which files changed since a revision -------------------------------------------------------------

def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run git with an argument list (never a shell) in `cwd`."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise GateError("--since needs git, and git is not installed") from None


def repository_of(path: Path) -> Path:
    folder = path if path.is_dir() else path.parent
    proc = _git(["rev-parse", "--show-toplevel"], folder.resolve())
    if proc.returncode != 0:
        raise GateError(f"--since: {path} is not inside a git repository")
    return Path(proc.stdout.decode("utf-8", "surrogateescape").strip()).resolve()


def changed_since(paths: Iterable[str], rev: str) -> set[Path]:
    """Absolute paths of files changed since `rev` (committed, staged or not, deleted, renamed) plus untracked
    files, in every repository that holds one of `paths`."""
    if not rev or rev.startswith("-") or "\x00" in rev:
        raise GateError(f"--since: {rev!r} is not a git revision")
    changed: set[Path] = set()
    for root in sorted({repository_of(Path(p)) for p in paths}):
        proc = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], root)
        if proc.returncode != 0:
            raise GateError(f"--since: unknown git revision {rev!r} in {root}")
        commit = proc.stdout.decode().strip()
        for args in (["diff", "--name-only", "--no-renames", "-z", commit, "--"],
                     ["ls-files", "--others", "--exclude-standard", "-z", "--", "."]):
            out = _git(args, root)
            if out.returncode != 0:
                msg = out.stderr.decode("utf-8", "replace").strip().splitlines()
                raise GateError(f"--since: git {args[0]} failed: {msg[0] if msg else out.returncode}")
            names = out.stdout.decode("utf-8", "surrogateescape").split("\x00")
            changed.update((root / n).resolve() for n in names if n)
    return changed


def involves_changed(findings: pd.DataFrame, changed: set[Path]) -> pd.Series:
    """Whether each finding involves a changed file: its own file (an archive member: the archive) or, for a
    cross-source finding, the other side's (evidence.other.file). Findings with no file at all are kept: the
    gate cannot tell, and hiding them would be unsafe."""
    memo: dict[str, bool] = {}

    def hit(file) -> bool:
        if not isinstance(file, str) or not file:
            return False
        if file not in memo:
            memo[file] = Path(file.split("!", 1)[0]).resolve() in changed
        return memo[file]

    keep = []
    for file, ev in zip(findings["file"], findings["evidence"]):
        other = ev.get("other") if isinstance(ev, dict) else None
        other_file = other.get("file") if isinstance(other, dict) else None
        keep.append(not file or hit(file) or hit(other_file))
    return pd.Series(keep, index=findings.index, dtype=bool)


# --- the plan: validated before reading any input, applied to the run's result -------------------------------

@dataclass
class Plan:
    """What the gate options ask for. Built before the (possibly long) run so usage errors come first."""

    baseline: str | None = None
    prior: dict | None = None
    write_baseline: str | None = None
    since: str | None = None
    changed: set[Path] | None = None

    def apply(self, result) -> None:
        """Write the baseline (of every finding), mark findings against the baseline, then narrow to --since."""
        from trialguard import baseline as bl

        full = result.findings
        rules_run = [r.code for r in result.rules]
        if self.write_baseline:
            bl.write(full, self.write_baseline)
        prior, label = self.prior, self.baseline
        if prior is None and self.write_baseline:  # just written: everything found is accepted
            prior, label = {fp: {} for fp in full["fingerprint"]}, self.write_baseline
        if prior is not None:
            result.findings, result.baseline = bl.compare(full, prior, rules_run, label)
        if self.changed is not None:
            total = len(result.findings)
            result.findings = result.findings[involves_changed(result.findings, self.changed)].reset_index(drop=True)
            result.since = {"rev": self.since, "changed_files": len(self.changed), "findings_total": total,
                            "findings_reported": len(result.findings)}
            if result.baseline is not None:
                status = result.findings["baseline_status"]
                result.baseline["new"] = int((status == "new").sum())
                result.baseline["existing"] = int((status == "existing").sum())


def plan(paths: Iterable[str], baseline: str | None = None, write_baseline: str | None = None,
         since: str | None = None) -> Plan:
    from trialguard import baseline as bl

    prior = bl.load(baseline) if baseline else None
    if write_baseline and Path(write_baseline).is_dir():
        raise GateError(f"--write-baseline {write_baseline} is a folder; give a file name")
    changed = changed_since(list(paths), since) if since is not None else None
    return Plan(baseline=baseline, prior=prior, write_baseline=write_baseline, since=since, changed=changed)
