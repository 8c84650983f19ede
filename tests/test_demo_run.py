"""The README's main job: `trialguard validate fixtures/ --out reports/` from the repository root."""

import json

from click.testing import CliRunner

from tests.conftest import ROOT
from trialguard.cli import cli


def test_demo_run_reads_every_fixture_and_finds_the_seed_discrepancies(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)  # the project's [tool.trialguard] excludes fixtures that exist only for tests
    result = CliRunner().invoke(cli, ["validate", "fixtures/", "--out", str(tmp_path)])
    assert result.exit_code == 1, result.output
    doc = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert doc["records"]["rejected"] == 0
    assert doc["records"]["read"] == doc["records"]["checked"] > 0
    rules = {(f["rule"], f["source_id"]) for f in doc["findings"]}
    assert {("TG205", "004_c6221abd67a46fe7"), ("TG701", "001_c5d9f591c5b0c3c0"),
            ("TG701", "004_c6221abd67a46fe7"), ("TG702", "003_4e21d2fb698166af")} <= rules
    assert not any(f["source_id"] == "002_d6c885be462bb0f8" and f["rule"].startswith("TG7")
                   for f in doc["findings"])
    assert (tmp_path / "index.html").is_file()
