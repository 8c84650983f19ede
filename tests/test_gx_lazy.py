"""Great Expectations is optional: never imported unless a GX feature is used; a clear message when missing."""

import json
import subprocess
import sys
from pathlib import Path

from trialguard.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import sys
from trialguard.cli import main
sys.argv = ["trialguard", *{args!r}]
try:
    main()
except SystemExit as e:
    code = e.code
print("GX-IMPORTED" if any(m.split(".")[0] == "great_expectations" for m in sys.modules) else "GX-NOT-IMPORTED",
      code, file=sys.stderr)
"""


def _probe(*args):
    proc = subprocess.run([sys.executable, "-c", PROBE.format(args=list(args))], cwd=ROOT, capture_output=True,
                          text=True)
    return proc.stderr.strip().splitlines()[-1]


def test_help_does_not_import_gx():
    assert _probe("--help") == "GX-NOT-IMPORTED 0"


def test_validate_without_gx_docs_does_not_import_gx(tmp_path):
    line = _probe("validate", "fixtures/ctgov/v2/NCT00134329.json", "--out", str(tmp_path), "-q")
    assert line == "GX-NOT-IMPORTED 0"


def test_export_does_not_need_gx(tmp_path):
    assert _probe("export-gx", "--out", str(tmp_path)) == "GX-NOT-IMPORTED 0"
    counts = json.loads((tmp_path / "trialguard.counts.json").read_text())
    assert counts["name"] == "trialguard.counts"
    pct = [e for e in counts["expectations"] if e["meta"]["trialguard"]["code"] == "TG103"]
    assert [(e["type"], e["kwargs"]["column"], e["severity"]) for e in pct] == [
        ("expect_column_values_to_not_match_regex", "percent_text", "critical")]
    vocab = [e for e in json.loads((tmp_path / "trialguard.trials.json").read_text())["expectations"]
             if e["meta"]["trialguard"]["code"] == "TG105"]
    assert {e["severity"] for e in vocab} == {"warning"}
    assert "TG108" in (tmp_path / "README.md").read_text()


def test_missing_gx_is_a_one_line_usage_error(runner, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "great_expectations", None)  # `import great_expectations` raises ImportError
    result = runner.invoke(cli, ["validate", "fixtures/ctgov/v2/NCT00134329.json", "--out", str(tmp_path / "r"),
                                 "--gx-docs", str(tmp_path / "gx")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "pip install 'trialguard[gx]'" in lines[0]
    assert not (tmp_path / "r").exists()
