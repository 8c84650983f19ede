"""The engine: per-trial rules on chunks, cross-trial rules on retained tables, same findings for any chunk size."""

import json

import pytest

from trialguard import engine
from trialguard.config import Config
from trialguard.findings import Severity, emit
from trialguard.validators.registry import REGISTRY, Rule, all_rules


def _bad_title(ds):
    t = ds.trials
    bad = t[t["title"].str.contains("bad", na=False)]
    return emit(bad, message="title says bad: " + bad["title"], observed=bad["title"])


def _shared_title(ds):
    t = ds.trials
    dup = t[t.duplicated("title", keep=False)]
    return emit(dup, message="title shared with another trial", observed=dup["title"])


@pytest.fixture
def test_rules():
    all_rules()
    added = [Rule("TG990", "test-bad-title", Severity.ERROR, "s", "r", _bad_title),
             Rule("TG991", "test-shared-title", Severity.WARNING, "s", "r", _shared_title, scope="cross",
                  tables=("trials",))]
    for r in added:
        REGISTRY[r.code] = r
    yield
    for r in added:
        REGISTRY.pop(r.code)


def write_studies(folder, titles):
    for i, title in enumerate(titles):
        nct = f"NCT{i:08d}"
        study = {"protocolSection": {"identificationModule": {"nctId": nct, "briefTitle": title}}}
        (folder / f"{nct}.json").write_text(json.dumps(study), encoding="utf-8")


def test_findings_do_not_depend_on_chunk_size(tmp_path, test_rules):
    write_studies(tmp_path, ["ok", "bad one", "same", "x", "same", "bad two", "y"])
    cfg = Config(select=("TG99",))
    results = [engine.run([str(tmp_path)], cfg, chunk_records=n) for n in (1, 2, 3, 1000)]
    first = results[0].findings
    assert first[["rule", "trial_id"]].values.tolist() == [
        ["TG990", "NCT00000001"], ["TG991", "NCT00000002"], ["TG991", "NCT00000004"], ["TG990", "NCT00000005"]]
    for r in results[1:]:
        assert r.findings.drop(columns="evidence").equals(first.drop(columns="evidence"))
        assert (r.dataset.records.read, r.dataset.records.checked) == (7, 7)


def test_duplicate_ids_across_chunks_are_rejected(tmp_path, test_rules):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        write_studies(tmp_path / sub, ["bad"])
    result = engine.run([str(tmp_path)], Config(select=("TG99",)), chunk_records=1)
    assert result.findings[["rule", "file"]].values.tolist() == [
        ["TG990", f"{tmp_path.as_posix()}/a/NCT00000000.json"],
        ["TG007", f"{tmp_path.as_posix()}/b/NCT00000000.json"]]
    r = result.dataset.records
    assert (r.read, r.checked, r.rejected) == (2, 1, 1)


def test_severity_override_applies(tmp_path, test_rules):
    write_studies(tmp_path, ["bad"])
    cfg = Config(select=("TG990",), severity={"TG990": "info"})
    result = engine.run([str(tmp_path)], cfg, chunk_records=10)
    assert result.findings["severity"].tolist() == ["info"]


def test_cross_rules_keep_only_the_rows_they_declare():
    from trialguard.engine import retained_tables

    rules = [Rule("TG992", "a", Severity.INFO, "s", "r", _shared_title, scope="cross", tables=("groups: block == 'cohort'",)),
             Rule("TG993", "b", Severity.INFO, "s", "r", _shared_title, scope="cross",
                  tables=("groups: n > 5", "doses"))]
    kept = retained_tables(rules)
    assert kept["groups"] == "(block == 'cohort') or (n > 5)"
    assert kept["doses"] is None and kept["trials"] is None
    assert "flow" not in kept
