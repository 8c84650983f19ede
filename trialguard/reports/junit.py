"""junit.xml: JUnit XML that Jenkins and GitLab render: a test suite per rule, a test case per trial.

A test case fails when one of its findings fails the gate (at or above --fail-on and, with a baseline, new),
so the test report and the exit code agree; its other findings (baselined, or below --fail-on) are listed in
the case's system-out. A rule without findings gets one passing case, "all records", so every rule that ran
shows as a suite. Only the rules' findings are listed, not one passing case per trial and rule: that would be
rules x trials cases on a registry-sized run.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from trialguard.engine import RunResult
from trialguard.locate import relative_path
from trialguard.gate import failing
from trialguard.reports.json_report import finding_records
from trialguard.reports.output import write_atomic
from trialguard.reports.sarif import rules_of

FILE_NAME = "junit.xml"
# Characters XML 1.0 cannot carry at all (control characters, lone surrogates, non-characters).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def _line(rec: dict) -> str:
    where = rec["file"] + (f"#{rec['loc']}" if rec["loc"] else "")
    status = f" [{rec['baseline_status']}]" if rec.get("baseline_status") else ""
    return f"{rec['severity'].upper()}{status} {where}: {rec['message']}"


def document(result: RunResult) -> ET.Element:
    f = result.findings
    fails = set(failing(f, result.config.fail_on)["fingerprint"]) if len(f) else set()
    by_rule: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for rec in finding_records(f):
        case = rec["trial_id"] or rec["source_id"] or rec["file"] or "(input)"
        by_rule[rec["rule"]][case].append(rec)
    root = ET.Element("testsuites", name="trialguard")
    total = total_failures = 0
    for rule in rules_of(result):
        cases = by_rule.get(rule.code, {})
        suite = ET.SubElement(root, "testsuite", name=clean(f"{rule.code} {rule.name}"), errors="0", skipped="0",
                              time="0")
        n_fail = 0
        if not cases:
            ET.SubElement(suite, "testcase", classname=f"trialguard.{rule.code}", name="all records", time="0")
        for case in sorted(cases):
            recs = cases[case]
            tc = ET.SubElement(suite, "testcase", classname=f"trialguard.{rule.code}", name=clean(case),
                               file=clean(relative_path(recs[0]["file"]) if recs[0]["file"] else ""), time="0")
            bad = [r for r in recs if r["fingerprint"] in fails]
            rest = [r for r in recs if r["fingerprint"] not in fails]
            if bad:
                n_fail += 1
                more = f" (+{len(bad) - 1} more)" if len(bad) > 1 else ""
                failure = ET.SubElement(tc, "failure", message=clean(bad[0]["message"] + more),
                                        type=clean(f"{rule.code} {rule.name}"))
                failure.text = clean("\n".join(_line(r) for r in bad))
            if rest:
                ET.SubElement(tc, "system-out").text = clean("\n".join(_line(r) for r in rest))
        n_cases = max(len(cases), 1)
        suite.set("tests", str(n_cases))
        suite.set("failures", str(n_fail))
        total += n_cases
        total_failures += n_fail
    root.set("tests", str(total))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    root.set("time", "0")
    return root


def dumps(result: RunResult) -> bytes:
    root = document(result)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def write(result: RunResult, out_dir: Path) -> Path:
    return write_atomic(out_dir, FILE_NAME, dumps(result))
