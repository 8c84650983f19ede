"""Parity: the exported Great Expectations suites fail on exactly the (table, column, row) that trialguard's own
column-level rules (TG1xx) fail on, on real CT.gov records with injected bad values."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("great_expectations")

from trialguard import engine  # noqa: E402
from trialguard.config import Config  # noqa: E402
from trialguard.gx.checkpoint import Checkpoints  # noqa: E402
from trialguard.gx.suites import suites  # noqa: E402
from trialguard.validators.schema import _failures  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ctgov" / "v2"
OM = "/resultsSection/outcomeMeasuresModule/outcomeMeasures/18/classes/0/categories/0/measurements"


def _break_viagra(d: dict) -> None:
    """NCT00301262 with bad values in the trial, flow, groups and a percentage outcome."""
    status = d["protocolSection"]["statusModule"]
    status["overallStatus"] = "FINISHED"  # unknown status (TG105)
    status["startDateStruct"] = {"date": "2005-13"}  # no month 13 (TG106)
    status["completionDateStruct"] = {"date": "2007-02-30", "type": "GUESSED"}  # no Feb 30, unknown type
    flow = d["resultsSection"]["participantFlowModule"]
    flow["periods"][0]["milestones"][0]["achievements"][0]["numSubjects"] = "-5"  # negative (TG102)
    flow["periods"][0]["milestones"][0]["achievements"][1]["numSubjects"] = "8..2"  # unreadable (TG104)
    flow["groups"].append(dict(flow["groups"][0]))  # duplicate group id FG000 (TG107)
    ms = d["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][18]["classes"][0]["categories"][0]
    ms["measurements"][0]["value"] = "130"  # percent over 100 (TG103)
    ms["measurements"][1]["value"] = "-3.5"  # negative percent (TG103)
    ms["measurements"][2]["value"] = "9O.0"  # letter O for zero: text with a letter is read as words, not flagged


def _break_id(d: dict) -> None:
    """NCT00353704 with a mistyped NCT id (7 digits) and a negative number of affected participants."""
    d["protocolSection"]["identificationModule"]["nctId"] = "NCT0035370"
    groups = d["resultsSection"]["adverseEventsModule"]["eventGroups"]
    groups[0]["seriousNumAffected"] = -2
    groups[1]["otherNumAtRisk"] = -1


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gx-parity")
    for name, fn in [("NCT00301262", _break_viagra), ("NCT00353704", _break_id)]:
        d = json.loads((FIXTURES / f"{name}.json").read_text())
        fn(d)
        (root / f"{name}.json").write_text(json.dumps(d))
    shutil.copy(FIXTURES / "NCT00134329.json", root)  # an intact record: no failures on either side
    return root


def _key(df: pd.DataFrame) -> set:
    return set(zip(df["chunk"], df["table"], df["column"], df["row"], df["code"]))


@pytest.fixture(scope="module")
def both_runs(broken):
    """trialguard's run (findings and the failing rows behind them) and GX on the same chunks."""
    chunks = []
    result = engine.run([str(broken)], Config(), chunk_records=2, observe=chunks.append)
    tg = []
    for i, ds in enumerate(chunks):
        for table, df in ds.tables.items():
            if len(df):
                f = _failures(table, df.reset_index(drop=True)).assign(table=table, chunk=i)
                tg.append(f[["chunk", "table", "column", "row", "code"]])
    tg = pd.concat(tg, ignore_index=True)
    runner = Checkpoints(docs_dir=None)
    for i, ds in enumerate(chunks):
        runner.validate_chunk(ds, i)
    return result, chunks, tg, runner.finish().failures


def test_injected_values_are_found(both_runs):
    result, _, tg, _ = both_runs
    found = result.findings[result.findings["rule"].str.startswith("TG1")]
    assert len(found) == len(tg)  # every failing value is one finding of the run
    assert set(zip(tg["table"], tg["column"], tg["code"])) == {
        ("adverse_events", "affected", "TG102"), ("adverse_events", "at_risk", "TG102"),
        ("counts", "percent_text", "TG103"),
        ("flow", "n", "TG102"), ("flow", "n_text", "TG104"),
        ("groups", "source_id, trial_id, block, group_id", "TG107"),
        ("trials", "completion", "TG106"), ("trials", "completion_type", "TG105"),
        ("trials", "start", "TG106"), ("trials", "status", "TG105"), ("trials", "trial_id", "TG101"),
    }
    pct = tg[tg["code"] == "TG103"]
    assert len(pct) == 2  # 130 and -3.5; "9O.0" is words


def test_column_rules_fail_on_the_same_rows(both_runs):
    _, _, tg, gx = both_runs
    column_rules = ~tg["code"].isin(["TG107", "TG108"])
    assert _key(gx[gx["code"] != "TG107"]) == _key(tg[column_rules])


def test_duplicate_keys_differ_only_by_the_first_row(both_runs):
    """GX marks every row of a duplicated key; trialguard marks the rows after the first."""
    _, chunks, tg, gx = both_runs
    expected = _key(tg[tg["code"] == "TG107"])
    for i, ds in enumerate(chunks):
        g = ds.tables["groups"].reset_index(drop=True)
        keyed = g["block"].ne("interventions")
        cols = ["source_id", "trial_id", "block", "group_id"]
        first = g.duplicated(cols, keep=False) & ~g.duplicated(cols, keep="first") & keyed
        expected |= {(i, "groups", ", ".join(cols), int(r), "TG107") for r in g.index[first]}
    assert len(expected) > len(_key(tg[tg["code"] == "TG107"]))
    assert _key(gx[gx["code"] == "TG107"]) == expected


def test_suites_load_in_gx_and_name_their_tables():
    from great_expectations.core.expectation_suite import ExpectationSuite

    for table, spec in suites().items():
        s = ExpectationSuite(**json.loads(json.dumps(spec)))
        assert s.name == f"trialguard.{table}"
        assert all(e.meta["trialguard"]["code"].startswith("TG1") for e in s.expectations)


def test_validate_gx_docs_builds_data_docs_and_links_them(broken, both_runs, tmp_path):
    from click.testing import CliRunner

    from trialguard.cli import cli

    out, docs = tmp_path / "report", tmp_path / "gx"
    result = CliRunner().invoke(cli, ["validate", str(broken), "--out", str(out), "--gx-docs", str(docs),
                                      "--format", "json,html", "--chunk-records", "2"])
    assert result.exit_code == 1, result.output
    assert (docs / "index.html").is_file()
    doc = json.loads((out / "findings.json").read_text())
    gx = doc["gx_docs"]
    assert gx["index"] == (docs / "index.html").as_posix() and gx["href"] == "../gx/index.html"
    chunks = both_runs[1]
    assert len(chunks) == 2
    assert gx["validations"] == sum(1 for ds in chunks for df in ds.tables.values() if len(df))
    tg_by_rule = {k: v for k, v in doc["summary"]["by_rule"].items() if k[:3] == "TG1" and k != "TG107"}
    assert {k: v for k, v in gx["by_rule"].items() if k != "TG107"} == tg_by_rule
    html = (out / "index.html").read_text(encoding="utf-8")
    assert f'<a href="../gx/index.html">Data Docs</a>: {gx["validations"]} validations' in html
