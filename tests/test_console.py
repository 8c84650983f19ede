"""The console summary: rich tables on a terminal, plain lines in CI logs and pipes."""

from __future__ import annotations

import io
import re

from report_data import sample_result
from trialguard.config import Config
from trialguard.reports import console


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_when_not_a_terminal():
    buf = io.StringIO()
    console.print_summary(sample_result(), 1, stream=buf)
    lines = buf.getvalue().splitlines()
    assert lines == console.summary_lines(sample_result(), 1)
    assert lines[0] == "records: read 4, checked 3, rejected 1  (inputs: 3 files, 1 other files skipped)"
    assert lines[1] == "findings: 5 error, 1 warning, 1 info  (7 total)"
    assert lines[-1] == "verdict: FAIL (fail-on error)"
    assert "\x1b[" not in buf.getvalue()


def test_rich_tables_on_a_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    buf = FakeTTY()
    console.print_summary(sample_result(Config(fail_on="warning")), 1, stream=buf)
    out = buf.getvalue()
    assert "\x1b[" in out  # coloured
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert "records read 4 · checked 3 · rejected 1" in plain
    assert re.search(r"TG301\s+flow-does-not-balance\s+error\s+3\s+1", plain)
    assert re.search(r"TG001\s+unreadable-file\s+error\s+1\s+0", plain)
    assert plain.rstrip().endswith("verdict FAIL (fail-on warning)")


def test_dumb_terminal_gets_plain_text(monkeypatch):
    monkeypatch.setenv("TERM", "dumb")
    buf = FakeTTY()
    console.print_summary(sample_result(), 0, stream=buf)
    assert buf.getvalue().splitlines()[-1] == "verdict: PASS (fail-on error)"


def test_rich_summary_shows_baseline_counts():
    result = sample_result()
    result.findings = result.findings.assign(baseline_status=["new"] * 2 + ["unchanged"] * 5)
    out = console.render_rich(result, 1, color=False)
    assert "baseline 2 new, 5 unchanged" in out
    assert "\x1b[" not in out
