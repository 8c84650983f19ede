"""The CLI contract: version, usage errors exit 2, the rule list."""

import json

from trialguard.cli import cli


def test_version(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("trialguard, version ")


def test_missing_path_is_usage_error(runner, tmp_path):
    result = runner.invoke(cli, ["validate", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_bad_option_is_usage_error(runner, tmp_path):
    result = runner.invoke(cli, ["validate", str(tmp_path), "--fail-on", "sometimes"])
    assert result.exit_code == 2


def test_unreadable_config_is_usage_error(runner, tmp_path):
    cfg = tmp_path / "trialguard.toml"
    cfg.write_text("select = [", encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(tmp_path), "--config", str(cfg), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "cannot read configuration" in result.output


def test_rules_json_lists_ingestion_codes(runner):
    result = runner.invoke(cli, ["rules", "--format", "json"])
    assert result.exit_code == 0
    codes = [r["code"] for r in json.loads(result.output)]
    assert codes == sorted(codes)
    assert {"TG001", "TG002", "TG007"} <= set(codes)


def test_explain_unknown_rule_is_usage_error(runner):
    result = runner.invoke(cli, ["explain", "TG999"])
    assert result.exit_code == 2


def test_unknown_rule_code_is_usage_error(runner, tmp_path):
    """A typo in --select would otherwise check nothing and pass."""
    result = runner.invoke(cli, ["validate", str(tmp_path), "--select", "TG2,XX9", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "select: unknown rule code or prefix 'XX9'" in result.output
    cfg = tmp_path / "trialguard.toml"
    cfg.write_text('[severity]\nTG2 = "info"\n', encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(tmp_path), "--config", str(cfg), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "severity: unknown rule code 'TG2'" in result.output


def test_output_folder_that_cannot_be_created_is_usage_error(runner, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    for args in (["validate", str(blocker), "--out", str(blocker / "reports")],
                 ["export-gx", "--out", str(blocker / "suites")]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert "cannot create folder" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_every_rule_is_explained_with_an_example(runner):
    codes = [r["code"] for r in json.loads(runner.invoke(cli, ["rules", "--format", "json"]).output)]
    missing = [c for c in codes if "\nExample:\n" not in runner.invoke(cli, ["explain", c]).output]
    assert missing == []


def test_jobs_gives_the_same_findings_file(runner, tmp_path):
    """`--jobs 2` runs two worker processes; findings.json differs from one process only in its timestamp."""
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / jobs
        result = runner.invoke(cli, ["validate", "fixtures/ctgov", "fixtures/seeds", "--jobs", jobs, "--format", "json",
                                     "--out", str(out), "-q"])
        assert result.exit_code == 1, result.output  # the fixtures hold real errors
        doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
        doc.pop("generated_at")
        outputs.append(doc)
    assert outputs[0] == outputs[1] and outputs[0]["findings"]


def test_negative_jobs_is_usage_error(runner, tmp_path):
    result = runner.invoke(cli, ["validate", "fixtures/ctgov", "--jobs", "-1", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--jobs" in result.output
