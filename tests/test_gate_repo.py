"""The CI gate on a real git repository of trial records, through a realistic history.

Real CT.gov records (fixtures/gate/ctgov, copied from the shared corpus) and small curated YAML records live in
a temporary git repository. Test-only rules (tests/gate_support.py) flag a marker the test writes into a value,
so every expected finding is known exactly: rule, trial, file, location, and the line of the value.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from gate_support import TITLE_POINTER, gate_rules  # noqa: F401  (fixture)

from trialguard.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CTGOV = ROOT / "fixtures" / "gate" / "ctgov"
SCHEMA = json.loads((ROOT / "trialguard" / "schemas" / "findings.schema.json").read_text())
BASELINE = ".trialguard-baseline.json"
SELECT = ["--select", "TG99"]  # only the test rules (ingestion findings TG0xx always run)


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return proc.stdout


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def study(nct: str, title_prefix: str = "") -> dict:
    doc = json.loads((CTGOV / f"{nct}.json").read_text(encoding="utf-8"))
    ident = doc["protocolSection"]["identificationModule"]
    ident["briefTitle"] = title_prefix + ident["briefTitle"]
    return doc


def write_json(path: Path, doc, indent=2) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    seps = (",", ":") if indent is None else (",", ": ")
    path.write_text(json.dumps(doc, indent=indent, ensure_ascii=False, separators=seps) + "\n", encoding="utf-8")


def curated(path: Path, sid: str, kind: str, title: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# curated record\nsource:\n  id: {sid}\n  kind: {kind}\n  title: {title}\n", encoding="utf-8")


def value_position(path: Path, needle: str) -> tuple[int, int]:
    """Line and column (1-based) of the first occurrence of `needle` in the file, found independently."""
    for i, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if needle in line:
            return i, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in {path}")


@pytest.fixture
def repo(tmp_path, monkeypatch, gate_rules):  # noqa: F811
    """The first commit: three registry records (one of them, inside an array file, already bad), a legacy XML
    record, and two curated records (one with a bad kind)."""
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Curator")
    git(root, "config", "user.email", "curator@example.org")
    git(root, "config", "commit.gpgsign", "false")
    write_json(root / "data/ctgov/NCT05032404.json", study("NCT05032404"))
    write_json(root / "data/ctgov/ctg-studies.json", [study("NCT06361927"), study("NCT00573209", "[BAD] ")])
    shutil.copy(CTGOV / "NCT01065844.xml", root / "data/ctgov/NCT01065844.xml")
    curated(root / "data/curated/alpha.yaml", "alpha", "news", "Report on NCT02392273")
    curated(root / "data/curated/beta.yaml", "beta", "blog", "A blog post")
    commit(root, "initial records")
    monkeypatch.chdir(root)
    return root


def validate(runner, tmp_path, *args: str, out: str = "out"):
    """Run `trialguard validate data ...` in the repository; return the result and findings.json."""
    out_dir = tmp_path / out
    result = runner.invoke(cli, ["validate", "data", "--out", str(out_dir), *SELECT, *args])
    doc = json.loads((out_dir / "findings.json").read_text()) if (out_dir / "findings.json").exists() else None
    return result, doc


def keys(doc) -> list[tuple]:
    return [(f["rule"], f["trial_id"] or f["source_id"], f["file"], f["loc"], f.get("baseline_status"))
            for f in doc["findings"]]


OLD_BAD = ("TG991", "NCT00573209", "data/ctgov/ctg-studies.json", "/1" + TITLE_POINTER)
OLD_KIND = ("TG006", "beta", "data/curated/beta.yaml", "/source/kind")  # the ingestion rejects the record
KIND_MESSAGE = "source beta: /source/kind: 'blog' is not one of: registry, journal, conference, press, news"


def write_baseline(runner, repo: Path, expected: int = 2) -> dict:
    result = runner.invoke(cli, ["baseline", "write", BASELINE, "data", *SELECT])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {BASELINE}: {expected} findings"
    commit(repo, "accept the current findings")
    return json.loads((repo / BASELINE).read_text())


def test_baseline_file_is_versioned_sorted_and_readable(runner, repo, tmp_path):
    base = write_baseline(runner, repo)
    assert base["tool"] == "trialguard" and base["baseline_version"] == 1
    assert [(e["rule"], e["trial_id"] or e["source_id"], e["file"], e["message"]) for e in base["findings"]] == [
        ("TG006", "beta", "data/curated/beta.yaml", KIND_MESSAGE),
        ("TG991", "NCT00573209", "data/ctgov/ctg-studies.json", "title carries the marker [BAD]"),
    ]
    # `validate --write-baseline` writes the same bytes as `baseline write`, and passes: all is accepted.
    result, doc = validate(runner, tmp_path, "--write-baseline", "again.json", "--format", "json")
    assert result.exit_code == 0, result.output
    assert (repo / "again.json").read_bytes() == (repo / BASELINE).read_bytes()
    assert doc["baseline"] == {"file": "again.json", "new": 0, "existing": 2, "resolved": [], "unchecked": 0}


def test_history(runner, repo, tmp_path, monkeypatch):
    # Without a baseline the pre-existing findings fail the build.
    result, doc = validate(runner, tmp_path, "--format", "json", out="o0")
    assert result.exit_code == 1
    assert keys(doc) == [(*OLD_BAD, None), (*OLD_KIND, None)]

    # 1. The baseline accepts them.
    base = write_baseline(runner, repo)
    result, doc = validate(runner, tmp_path, "--baseline", BASELINE, "--format", "json", out="o1")
    assert result.exit_code == 0, result.output
    assert keys(doc) == [(*OLD_BAD, "existing"), (*OLD_KIND, "existing")]
    assert "baseline .trialguard-baseline.json: 0 new, 2 existing, 0 resolved" in result.output

    # 2. A commit adding a bad record fails with exactly that finding, located at the bad value.
    bad_file = repo / "data/ctgov/NCT02392273.json"
    write_json(bad_file, study("NCT02392273", "[BAD] "))
    commit(repo, "add NCT02392273")
    result, doc = validate(runner, tmp_path, "--baseline", BASELINE, "--format", "json,sarif,junit,github",
                           out="o2")
    assert result.exit_code == 1, result.output
    new = [f for f in doc["findings"] if f["baseline_status"] == "new"]
    assert [(f["rule"], f["trial_id"], f["file"], f["loc"], f["observed"]) for f in new] == [
        ("TG991", "NCT02392273", "data/ctgov/NCT02392273.json", TITLE_POINTER,
         "[BAD] A Prospective Observational Registry of Primary Headache Patients Treated With Ausanil")]
    assert doc["baseline"]["new"] == 1 and doc["baseline"]["existing"] == 2
    line, col = value_position(bad_file, '"[BAD] A Prospective')
    sarif = json.loads((tmp_path / "o2/findings.sarif").read_text())
    (hit,) = [r for r in sarif["runs"][0]["results"] if r.get("baselineState") == "new"]
    assert hit["ruleId"] == "TG991" and hit["level"] == "error"
    assert hit["partialFingerprints"] == {"trialguard/v1": new[0]["fingerprint"]}
    assert hit["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "data/ctgov/NCT02392273.json"},
        "region": {"startLine": line, "startColumn": col}}
    annotations = [x for x in result.output.splitlines() if x.startswith("::")]
    assert annotations == [f"::error file=data/ctgov/NCT02392273.json,line={line},col={col},"
                           "title=TG991 test-title-marker::NCT02392273: title carries the marker [BAD]"]
    assert (tmp_path / "o2/github.txt").read_text() == annotations[0] + "\n"
    junit = ET.parse(tmp_path / "o2/junit.xml").getroot()
    suite = junit.find("testsuite[@name='TG991 test-title-marker']")
    failed = [tc.get("name") for tc in suite.iter("testcase") if tc.find("failure") is not None]
    passed = [tc.get("name") for tc in suite.iter("testcase") if tc.find("failure") is None]
    assert failed == ["NCT02392273"] and passed == ["NCT00573209"]
    assert junit.get("failures") == "1"
    # SARIF paths are relative to the repository root wherever the command runs from.
    monkeypatch.chdir(repo / "data")
    sub = runner.invoke(cli, ["validate", ".", "--out", str(tmp_path / "o2b"), *SELECT, "--format", "sarif"])
    assert sub.exit_code == 1
    assert "data/ctgov/NCT02392273.json" in (tmp_path / "o2b/findings.sarif").read_text()
    monkeypatch.chdir(repo)

    # The author fixes it.
    write_json(bad_file, study("NCT02392273"))
    commit(repo, "fix the title of NCT02392273")
    result, doc = validate(runner, tmp_path, "--baseline", BASELINE, "--format", "json", out="o3")
    assert result.exit_code == 0, result.output

    # 3. A commit that only reorders, re-indents, reformats and renames files passes: same fingerprints.
    write_json(repo / "data/ctgov/ctg-studies.json", [study("NCT00573209", "[BAD] "), study("NCT06361927")],
               indent=None)
    write_json(repo / "data/ctgov/NCT05032404.json", study("NCT05032404"), indent=4)
    bad_file.unlink()
    write_json(repo / "data/ctgov/registry/NCT02392273.json", study("NCT02392273"), indent="\t")
    (repo / "data/curated/beta.yaml").unlink()
    (repo / "data/curated/b").mkdir()
    (repo / "data/curated/b/beta-renamed.yaml").write_text(
        "source: {title: 'A blog post', kind: blog,\n          id: beta}\n", encoding="utf-8")
    xml = (repo / "data/ctgov/NCT01065844.xml").read_text(encoding="utf-8")
    (repo / "data/ctgov/NCT01065844.xml").write_text(xml.replace("\n  <", "\n    <"), encoding="utf-8")
    commit(repo, "reformat and reorganise")
    result, doc = validate(runner, tmp_path, "--baseline", BASELINE, "--format", "json,sarif", out="o4")
    assert result.exit_code == 0, result.output
    assert keys(doc) == [
        ("TG991", "NCT00573209", "data/ctgov/ctg-studies.json", "/0" + TITLE_POINTER, "existing"),
        ("TG006", "beta", "data/curated/b/beta-renamed.yaml", "/source/kind", "existing")]
    assert sorted(f["fingerprint"] for f in doc["findings"]) == sorted(e["fingerprint"] for e in base["findings"])
    assert doc["baseline"]["resolved"] == []
    # The locations follow the values to their new places.
    sarif = json.loads((tmp_path / "o4/findings.sarif").read_text())
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in sarif["runs"][0]["results"]]
    line, col = value_position(repo / "data/ctgov/ctg-studies.json", '"[BAD] Energy')
    kline, kcol = value_position(repo / "data/curated/b/beta-renamed.yaml", "blog,")
    assert regions == [{"startLine": line, "startColumn": col}, {"startLine": kline, "startColumn": kcol}]
    assert line == 1  # minified

    # 4. A commit that fixes a baselined finding passes and reports it resolved.
    (repo / "data/curated/b/beta-renamed.yaml").write_text(
        "source: {title: 'A blog post', kind: news,\n          id: beta}\n", encoding="utf-8")
    commit(repo, "beta is a news item")
    result, doc = validate(runner, tmp_path, "--baseline", BASELINE, "--format", "json", out="o5")
    assert result.exit_code == 0, result.output
    assert keys(doc) == [("TG991", "NCT00573209", "data/ctgov/ctg-studies.json", "/0" + TITLE_POINTER, "existing")]
    (resolved,) = [e for e in base["findings"] if e["rule"] == "TG006"]
    assert doc["baseline"] == {"file": BASELINE, "new": 0, "existing": 1, "resolved": [resolved], "unchecked": 0}
    assert "0 new, 1 existing, 1 resolved" in result.output
    jsonschema.validate(doc, SCHEMA)

    # 5. Shrinking the baseline: compare with the old one and rewrite it in one run; the diff drops the fix.
    result, doc = validate(runner, tmp_path, "--baseline", BASELINE, "--write-baseline", BASELINE,
                           "--format", "json", out="o6")
    assert result.exit_code == 0 and [e["rule"] for e in doc["baseline"]["resolved"]] == ["TG006"]
    rewritten = json.loads((repo / BASELINE).read_text())
    assert [e["fingerprint"] for e in rewritten["findings"]] == [doc["findings"][0]["fingerprint"]]
    assert git(repo, "diff", "--numstat", "--", BASELINE).split()[:2] == ["0", "10"]  # one entry removed


def test_since_reports_only_findings_involving_changed_files(runner, repo, tmp_path):
    write_json(repo / "data/ctgov/NCT02392273.json", study("NCT02392273"))
    commit(repo, "add NCT02392273")
    write_baseline(runner, repo)
    # One commit: a new bad title in one record, and the registry record alpha.yaml names marked stale.
    write_json(repo / "data/ctgov/NCT05032404.json", study("NCT05032404", "[BAD] "))
    write_json(repo / "data/ctgov/NCT02392273.json", study("NCT02392273", "[STALE] "))
    commit(repo, "edit two records")
    curated(repo / "data/curated/gamma.yaml", "gamma", "podcast", "Not committed yet")  # untracked

    result, doc = validate(runner, tmp_path, "--since", "HEAD~1", "--baseline", BASELINE, "--format", "json")
    assert result.exit_code == 1
    assert keys(doc) == [
        ("TG991", "NCT05032404", "data/ctgov/NCT05032404.json", TITLE_POINTER, "new"),
        # cross-source: alpha.yaml did not change, the record on the other side did
        ("TG993", "NCT02392273", "data/curated/alpha.yaml", "/source/title", "new"),
        ("TG006", "gamma", "data/curated/gamma.yaml", "/source/kind", "new"),
    ]
    assert doc["since"] == {"rev": "HEAD~1", "changed_files": 3, "findings_total": 5, "findings_reported": 3}
    assert doc["findings"][1]["evidence"]["other"]["file"] == "data/ctgov/NCT02392273.json"
    jsonschema.validate(doc, SCHEMA)

    # Nothing committed since HEAD: only the untracked file's finding.
    result, doc = validate(runner, tmp_path, "--since", "HEAD", "--format", "json", out="o2")
    assert keys(doc) == [("TG006", "gamma", "data/curated/gamma.yaml", "/source/kind", None)]
    # Without --since everything is reported (the baselined finding in the unchanged array file too).
    result, doc = validate(runner, tmp_path, "--baseline", BASELINE, "--format", "json", out="o3")
    assert [k[:2] for k in keys(doc)] == [("TG991", "NCT05032404"), ("TG991", "NCT00573209"),
                                          ("TG993", "NCT02392273"), ("TG006", "beta"), ("TG006", "gamma")]


@pytest.mark.parametrize("rev", ["no-such-rev", "--output=/tmp/x", "HEAD~5"])
def test_bad_since_revision_is_a_one_line_usage_error(runner, repo, tmp_path, rev):
    result = runner.invoke(cli, ["validate", "data", "--out", str(tmp_path / "o"), "--since", rev])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "--since" in lines[0], result.output
    assert not (tmp_path / "o").exists()  # refused before reading anything


def test_since_outside_git_is_a_usage_error(runner, tmp_path, monkeypatch):
    (tmp_path / "plain").mkdir()
    monkeypatch.chdir(tmp_path / "plain")
    curated(tmp_path / "plain/a.yaml", "a", "news", "t")
    result = runner.invoke(cli, ["validate", ".", "--out", str(tmp_path / "o"), "--since", "HEAD"])
    assert result.exit_code == 2
    assert "not inside a git repository" in result.output


@pytest.mark.parametrize("content,fragment", [
    (None, "baseline file not found"),
    ("{not json", "is not valid JSON"),
    ('{"tool": "other", "findings": []}', "is not a trialguard baseline"),
    ('{"tool": "trialguard", "baseline_version": 99, "findings": []}', "has version 99"),
    ('{"tool": "trialguard", "baseline_version": 1, "findings": [{"rule": "TG1"}]}', "with a fingerprint"),
])
def test_unusable_baseline_is_a_usage_error(runner, repo, tmp_path, content, fragment):
    if content is not None:
        (repo / "b.json").write_text(content, encoding="utf-8")
    result = runner.invoke(cli, ["validate", "data", "--out", str(tmp_path / "o"), "--baseline", "b.json"])
    assert result.exit_code == 2
    assert fragment in result.output and len(result.output.strip().splitlines()) == 1


def test_fail_on_levels(runner, repo, tmp_path):
    curated(repo / "data/curated/beta.yaml", "beta", "news", "A news item")  # only TG991 is left
    codes = {}
    for sev, levels in (("warning", ("error", "warning", "never")), ("info", ("warning", "info"))):
        cfg = tmp_path / f"{sev}.toml"
        cfg.write_text(f'[severity]\nTG991 = "{sev}"\n', encoding="utf-8")
        for level in levels:
            result, _ = validate(runner, tmp_path, "--config", str(cfg), "--fail-on", level, "--format", "json",
                                 out=f"o-{sev}-{level}")
            codes[sev, level] = result.exit_code
    assert codes == {("warning", "error"): 0, ("warning", "warning"): 1, ("warning", "never"): 0,
                     ("info", "warning"): 0, ("info", "info"): 1}
    # With a baseline only new findings count, at any level.
    write_baseline(runner, repo, expected=1)
    result, _ = validate(runner, tmp_path, "--config", str(tmp_path / "info.toml"), "--fail-on", "info",
                         "--baseline", BASELINE, "--format", "json", out="o-base")
    assert result.exit_code == 0
