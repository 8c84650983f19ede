"""Machine outputs for CI: SARIF 2.1.0 structure, JUnit XML, GitHub annotations (escaping), and findings.json
against its published JSON Schema."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from gate_support import gate_rules  # noqa: F401  (fixture)

from trialguard.cli import cli
from trialguard.findings import FINDING_COLUMNS
from trialguard.reports import github

ROOT = Path(__file__).resolve().parent.parent
CTGOV = ROOT / "fixtures" / "gate" / "ctgov"
SCHEMA = json.loads((ROOT / "trialguard" / "schemas" / "findings.schema.json").read_text())

# The parts of the SARIF 2.1.0 schema (OASIS) that code scanning relies on. No copy of the official schema ships
# with any installed package, and tests fetch nothing, so the required keys and enums are restated here.
_MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}}}
_PHYSICAL = {
    "type": "object", "required": ["artifactLocation"],
    "properties": {
        "artifactLocation": {"type": "object", "required": ["uri"],
                             "properties": {"uri": {"type": "string", "minLength": 1}}},
        "region": {"type": "object", "required": ["startLine"],
                   "properties": {"startLine": {"type": "integer", "minimum": 1},
                                  "startColumn": {"type": "integer", "minimum": 1}}},
    },
}
SARIF_SUBSET = {
    "type": "object", "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string"},
        "runs": {"type": "array", "minItems": 1, "maxItems": 1, "items": {
            "type": "object", "required": ["tool", "results"],
            "properties": {
                "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name", "rules"],
                    "properties": {"name": {"type": "string"}, "rules": {"type": "array", "items": {
                        "type": "object",
                        "required": ["id", "name", "shortDescription", "fullDescription", "help",
                                     "defaultConfiguration"],
                        "properties": {
                            "id": {"type": "string"}, "name": {"type": "string"},
                            "shortDescription": _MESSAGE, "fullDescription": _MESSAGE, "help": _MESSAGE,
                            "defaultConfiguration": {"type": "object", "required": ["level"], "properties": {
                                "level": {"enum": ["none", "note", "warning", "error"]}}}}}}}}}},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["ruleId", "ruleIndex", "level", "message", "partialFingerprints"],
                    "properties": {
                        "ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": 0},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": _MESSAGE,
                        "partialFingerprints": {"type": "object", "minProperties": 1,
                                                "additionalProperties": {"type": "string"}},
                        "baselineState": {"enum": ["new", "unchanged", "updated", "absent"]},
                        "locations": {"type": "array", "items": {"type": "object", "required": ["physicalLocation"],
                                                                 "properties": {"physicalLocation": _PHYSICAL}}},
                        "relatedLocations": {"type": "array", "items": {
                            "type": "object", "properties": {"physicalLocation": _PHYSICAL}}},
                    }}},
            }}},
    },
}


@pytest.fixture
def dataset(tmp_path, monkeypatch, gate_rules):  # noqa: F811
    """Registry records (one bad title, one marked stale), curated records (a bad kind: rejected, TG006; a cross reference),
    a broken JSON file and an id-less record: test-rule and ingestion findings together."""
    data = tmp_path / "data"
    (data / "ctgov").mkdir(parents=True)
    for nct, prefix in (("NCT00573209", "[BAD] "), ("NCT02392273", "[STALE] "), ("NCT05032404", "")):
        doc = json.loads((CTGOV / f"{nct}.json").read_text())
        doc["protocolSection"]["identificationModule"]["briefTitle"] = prefix + \
            doc["protocolSection"]["identificationModule"]["briefTitle"]
        (data / "ctgov" / f"{nct}.json").write_text(json.dumps(doc, indent=2))
    (data / "ctgov" / "broken.json").write_text('{\n  "protocolSection": [1,\n')
    (data / "ctgov" / "noid.json").write_text('[{"protocolSection": {}}]')
    (data / "odd, name: 100%.yaml").write_text("source:\n  id: odd\n  kind: blog\n  title: An odd name\n")
    (data / "alpha.yaml").write_text("source:\n  id: alpha\n  kind: news\n  title: Mentions NCT02392273\n")
    monkeypatch.chdir(tmp_path)
    return data


def run(runner, tmp_path, *args):
    result = runner.invoke(cli, ["validate", "data", "--select", "TG99", "--out", str(tmp_path / "out"), *args])
    assert result.exit_code in (0, 1), result.output
    return result


def test_sarif_is_structurally_valid_and_complete(runner, tmp_path, dataset):
    run(runner, tmp_path, "--format", "sarif,json")
    sarif = json.loads((tmp_path / "out/findings.sarif").read_text())
    jsonschema.validate(sarif, SARIF_SUBSET)
    run_ = sarif["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    findings = json.loads((tmp_path / "out/findings.json").read_text())["findings"]
    assert len(run_["results"]) == len(findings) == 5
    for res, f in zip(run_["results"], findings):
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"] == f["rule"]
        assert res["partialFingerprints"]["trialguard/v1"] == f["fingerprint"]
        uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "://" not in uri and ".." not in uri
    by_rule = {r["ruleId"]: r for r in run_["results"]}
    assert by_rule["TG002"]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "data/ctgov/broken.json"}, "region": {"startLine": 3, "startColumn": 1}}
    assert by_rule["TG006"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "data/odd%2C%20name%3A%20100%25.yaml"
    cross = by_rule["TG993"]
    assert cross["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "data/ctgov/NCT02392273.json"
    assert cross["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 12
    tg991 = next(r for r in rules if r["id"] == "TG991")
    assert tg991["shortDescription"]["text"] == "A trial title carries the marker [BAD]."
    assert tg991["help"]["text"].startswith("A trial title carries the marker [BAD].\n\nWhy: ")


def test_findings_json_validates_against_published_schema(runner, tmp_path, dataset):
    run(runner, tmp_path, "--format", "json", "--write-baseline", str(tmp_path / "b.json"))
    doc = json.loads((tmp_path / "out/findings.json").read_text())
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.validate(doc, SCHEMA)
    assert {f["rule"] for f in doc["findings"]} == {"TG002", "TG005", "TG006", "TG991", "TG993"}
    assert doc["baseline"]["existing"] == 5
    # the schema names every finding column, and breaks when a finding loses one
    assert SCHEMA["$defs"]["finding"]["required"] == FINDING_COLUMNS
    broken = json.loads(json.dumps(doc))
    del broken["findings"][0]["fingerprint"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


def test_junit_suites_per_rule_cases_per_trial(runner, tmp_path, dataset):
    run(runner, tmp_path, "--format", "junit")
    root = ET.parse(tmp_path / "out/junit.xml").getroot()
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert "TG991 test-title-marker" in suites and "TG001 unreadable-file" in suites
    tg991 = suites["TG991 test-title-marker"]
    assert [(c.get("classname"), c.get("name"), c.get("file")) for c in tg991.findall("testcase")] == [
        ("trialguard.TG991", "NCT00573209", "data/ctgov/NCT00573209.json")]
    assert tg991.find("testcase/failure").get("message") == "title carries the marker [BAD]"
    assert tg991.get("tests") == "1" and tg991.get("failures") == "1"
    quiet = suites["TG001 unreadable-file"]
    assert [c.get("name") for c in quiet.findall("testcase")] == ["all records"]
    assert quiet.find("testcase/failure") is None
    total = sum(int(s.get("failures")) for s in suites.values())
    assert root.get("failures") == str(total) == "5"  # TG002, TG005, TG006, TG991, TG993 (one case each)


def test_junit_follows_the_gate(runner, tmp_path, dataset):
    """Below --fail-on, findings are listed in system-out and the cases pass."""
    run(runner, tmp_path, "--format", "junit", "--fail-on", "never")
    root = ET.parse(tmp_path / "out/junit.xml").getroot()
    assert root.get("failures") == "0"
    out = root.find("testsuite[@name='TG991 test-title-marker']/testcase/system-out").text
    assert out == "ERROR data/ctgov/NCT00573209.json#/protocolSection/identificationModule/briefTitle: " \
                  "title carries the marker [BAD]"


def test_github_annotations_escape_properties_and_data(runner, tmp_path, dataset):
    result = run(runner, tmp_path, "--format", "github")
    lines = [x for x in result.output.splitlines() if x.startswith("::")]
    assert (tmp_path / "out/github.txt").read_text().splitlines() == lines
    odd = [x for x in lines if "TG006" in x]
    assert odd == ["::error file=data/odd%2C name%3A 100%25.yaml,line=3,col=9,title=TG006 invalid-record::"
                   "odd: source odd: /source/kind: 'blog' is not one of: registry, journal, conference, press, news"]
    assert len(lines) == 5


def test_escaping_rules():
    assert github.escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert github.escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_machine_outputs_are_deterministic(runner, tmp_path, dataset):
    outputs = []
    for i in range(2):
        runner.invoke(cli, ["validate", "data", "--select", "TG99", "--out", str(tmp_path / f"o{i}"),
                            "--format", "sarif,junit,github"])
        outputs.append([(tmp_path / f"o{i}" / n).read_bytes() for n in ("findings.sarif", "junit.xml",
                                                                         "github.txt")])
    assert outputs[0] == outputs[1]


def test_ci_formats_are_not_written_by_default(runner, tmp_path, dataset):
    result = runner.invoke(cli, ["validate", "data", "--select", "TG99", "--out", str(tmp_path / "d")])
    assert not any(x.startswith("::") for x in result.output.splitlines())
    assert not (tmp_path / "d/findings.sarif").exists() and (tmp_path / "d/findings.json").exists()
