"""Property-based fuzzing of the whole pipeline (ingest + enrich + every rule + the JSON report) on mutated
real records: CT.gov v2 studies from fixtures/ctgov/v2 and the curated seed records from fixtures/seeds.

Each example is a batch of mutants (every one damaged in 1-4 places: keys dropped, types changed, "NA",
1e308 and 10**400, negative counts, unicode digits, deep nesting, empty strings, nulls, markup) checked in one
run. Whatever the damage: no exception escapes, `read = checked + rejected` with one record per file, and every
rejection names its file, its record and the reason.

CI runs a few examples (one pipeline run costs about a second); a longer campaign:
`TG_FUZZ_EXAMPLES=300 TG_FUZZ_BATCH=40 TG_FUZZ_LOG=/tmp/fuzz.log pytest tests/test_fuzz_records.py`.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.conftest import FIXTURES
from trialguard import engine
from trialguard.config import Config
from trialguard.reports import json_report

EXAMPLES = int(os.environ.get("TG_FUZZ_EXAMPLES", "5"))
BATCH = int(os.environ.get("TG_FUZZ_BATCH", "6"))  # at most this many mutants per example (one pipeline run)
LOG = os.environ.get("TG_FUZZ_LOG")  # campaign: append the number of mutants checked per example
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize="TG_FUZZ_EXAMPLES" not in os.environ,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])

V2 = sorted((FIXTURES / "ctgov" / "v2").glob("*.json"))
SEEDS = sorted((FIXTURES / "seeds").glob("*.yaml"))
_V2_DOCS = {p.name: json.loads(p.read_bytes()) for p in V2}
_SEED_DOCS = {p.name: yaml.safe_load(p.read_text("utf-8")) for p in SEEDS}

# rejections about one record (rather than a whole unreadable file) must say which record
RECORD_LEVEL = {"TG005", "TG006", "TG007"}


def nested(value, depth: int):
    for _ in range(depth):
        value = [value]
    return value


MUTATIONS = {
    "drop": None,  # handled in mutate
    "null": lambda v: None,
    "empty": lambda v: "",
    "NA": lambda v: "NA",
    "object": lambda v: {"x": 1},
    "list": lambda v: [v, "a"],
    "bool": lambda v: True,
    "float": lambda v: 3.5,
    "huge_float": lambda v: 1e308,
    "huge_float_text": lambda v: "1e308",
    "huge_int_text": lambda v: "1" + "0" * 400,
    "huge_int": lambda v: 10**400,
    "negative": lambda v: -5,
    "negative_text": lambda v: "-17",
    "arabic_digits": lambda v: "١٢",
    "arabic_decimal": lambda v: "١٢.٥",
    "fullwidth_digits": lambda v: "１２",
    "superscript": lambda v: "²",
    "deep": lambda v: nested(v, 80),  # beyond the default nesting limit: the file is refused (TG009)
    "shallow_nest": lambda v: nested(v, 5),
    "markup": lambda v: "</script><script>alert(1)</script><!--",
    "long_text": lambda v: "x " * 20_000,
    "nan_text": lambda v: "NaN",
    "inf_text": lambda v: "-Infinity",
    "percent": lambda v: "101.5%",
    "date_garbage": lambda v: "2019-02-30",
}


def paths(doc, prefix=()):
    """Every location under the root: (path, value)."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for k, v in items:
        yield prefix + (k,), v
        yield from paths(v, prefix + (k,))


def mutate(doc, pick: int, op: str) -> str:
    """Apply `op` at the `pick`-th location (mod the number of locations); returns a description."""
    locs = list(paths(doc))
    if not locs:
        return "nothing to mutate"
    path, value = locs[pick % len(locs)]
    parent = doc
    for k in path[:-1]:
        parent = parent[k]
    key = path[-1]
    if op == "drop":
        del parent[key]
    else:
        parent[key] = MUTATIONS[op](value)
    return f"{op} at /{'/'.join(map(str, path))}"


mutation_lists = st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(sorted(MUTATIONS))), min_size=1, max_size=4)


def check_run(folder: Path, files: list[str]) -> dict:
    result = engine.run([folder.as_posix()], Config())
    doc = json.loads(json_report.dumps(json_report.document(result)))
    r = doc["records"]
    assert r["read"] == r["checked"] + r["rejected"]
    assert r["read"] == len(files), (r, doc["skipped"])
    for f in doc["findings"]:
        if not f["rule"].startswith("TG0"):
            continue
        assert f["file"] in files, f
        assert f["message"].strip(), f
        # the adapters' catch-all for exceptions they did not foresee: a bug in the adapter, not a finding
        assert "unexpected structure (" not in f["message"], f
        if f["rule"] in RECORD_LEVEL:
            assert f["trial_id"] or f["source_id"] or f["loc"] or "has no" in f["message"], f
    rejected_files = {f["file"] for f in doc["findings"] if f["rule"].startswith("TG0")}
    assert len(rejected_files) == r["rejected"]  # one file, one record: each rejected record has its finding
    if LOG:
        with open(LOG, "a", encoding="utf-8") as fh:
            rules = sorted(f["rule"] for f in doc["findings"])
            fh.write(f"{len(files)} {r['checked']} {r['rejected']} {' '.join(rules)}\n")
    return doc


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(sorted(_V2_DOCS)), mutation_lists), min_size=max(1, BATCH // 2), max_size=BATCH))
def test_mutated_ctgov_records_never_crash_the_run(tmp_path_factory, batch):
    folder = tmp_path_factory.mktemp("v2")
    files = []
    for i, (name, mutations) in enumerate(batch):
        study = copy.deepcopy(_V2_DOCS[name])
        study["protocolSection"]["identificationModule"]["nctId"] = f"NCT9{i:07d}"  # one record each
        for pick, op in mutations:
            mutate(study, pick, op)
        f = folder / f"m{i}_{name}"
        f.write_text(json.dumps(study, ensure_ascii=False), encoding="utf-8")
        files.append(f.as_posix())
    check_run(folder, files)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(sorted(_SEED_DOCS)), mutation_lists), min_size=max(1, BATCH // 2), max_size=BATCH))
def test_mutated_curated_records_never_crash_the_run(tmp_path_factory, batch):
    folder = tmp_path_factory.mktemp("seeds")
    files = []
    for i, (name, mutations) in enumerate(batch):
        rec = copy.deepcopy(_SEED_DOCS[name])
        rec["source"]["id"] = f"{Path(name).stem}-m{i}"
        for pick, op in mutations:
            mutate(rec, pick, op)
        sub = folder / f"m{i}"
        sub.mkdir()
        shutil.copy(FIXTURES / "seeds" / f"{Path(name).stem}.txt", sub)  # the article beside its record
        f = sub / name
        f.write_text(yaml.safe_dump(rec, allow_unicode=True, sort_keys=False), encoding="utf-8")
        files.append(f.as_posix())
    check_run(folder, files)


@settings(SETTINGS, max_examples=max(EXAMPLES, 15))  # no pipeline run: cheap
@given(st.lists(st.tuples(st.sampled_from(sorted(_SEED_DOCS)), mutation_lists), min_size=10, max_size=20))
def test_fast_schema_check_agrees_with_the_python_validator(batch):
    """records.check trusts jsonschema-rs when it says valid; it must never accept what jsonschema rejects."""
    from trialguard.ingest.records import _fast_validator, _validator

    for name, mutations in batch:
        rec = copy.deepcopy(_SEED_DOCS[name])
        for pick, op in mutations:
            mutate(rec, pick, op)
        rec = json.loads(json.dumps(rec, default=str))  # as the JSON/YAML readers hand it over
        assert _fast_validator().is_valid(rec) == _validator().is_valid(rec), mutations


# ------------------------------------------------------------------ regressions found by the campaigns

SEED = "003_4e21d2fb698166af"


def _seed_run(tmp_path, change) -> object:
    rec = copy.deepcopy(_SEED_DOCS[f"{SEED}.yaml"])
    change(rec)
    shutil.copy(FIXTURES / "seeds" / f"{SEED}.txt", tmp_path)
    f = tmp_path / f"{SEED}.yaml"
    f.write_text(yaml.safe_dump(rec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    from trialguard.engine import validate
    from trialguard.ingest import read_paths

    return f.as_posix(), validate(read_paths([f.as_posix()]), Config())


def test_count_of_400_digits_is_kept_as_text_not_a_crash(tmp_path):
    """Was: OverflowError building the chunk's Int64 column, which took the whole run down."""
    def change(rec):
        rec["trials"][0]["cohorts"][0]["n"] = 10**400

    _, result = _seed_run(tmp_path, change)
    ds = result.dataset
    assert ds.records.checked == 1
    n = ds.groups[ds.groups["loc"] == "/trials/0/cohorts/0"]
    assert n["n"].isna().all() and list(n["n_text"]) == ["1" + "0" * 400]


def test_superscript_digit_as_a_count_is_text_not_a_rejection(tmp_path):
    """Was: TG006 'unexpected structure (ValueError ...)': '²'.isdigit() is true but int('²') fails."""
    def change(rec):
        rec["trials"][0]["cohorts"][0]["n"] = "²"

    _, result = _seed_run(tmp_path, change)
    assert result.dataset.records.checked == 1
    assert not result.findings["rule"].str.startswith("TG0").any()


def test_whole_number_too_big_for_its_column_rejects_only_its_record(tmp_path):
    """The net under every adapter: a stat's `n` of 400 digits passes the schema (an integer >= 0) but fits no
    64-bit column; the record is rejected naming the value, instead of failing the chunk."""
    def change(rec):
        rec["trials"][0]["cohorts"][0]["stats"] = [{"measure": "age", "param": "median", "value": "50",
                                                    "n": 10**400, "quote": "x"}]

    f, result = _seed_run(tmp_path, change)
    r = result.dataset.rejections
    assert list(zip(r["rule"], r["file"], r["loc"])) == [("TG006", f, "/trials/0/cohorts/0/stats/0")]
    assert r["message"][0] == (f"source {SEED}: /trials/0/cohorts/0/stats/0: n '{'1' + '0' * 39}' is not a whole "
                               "number that fits 64 bits")


def test_alike_rejections_in_different_files_are_all_reported(tmp_path):
    """Was: rejections of id-less records were fingerprinted by the file's base name, so broken files named
    alike in two folders (and one id duplicated in two more files) collapsed into one finding."""
    study = json.loads((FIXTURES / "ctgov" / "v2" / "NCT00353704.json").read_bytes())
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "record.yaml").write_text("source: NA\n", encoding="utf-8")
        (tmp_path / d / "study.json").write_text(json.dumps(study), encoding="utf-8")
    (tmp_path / "c.json").write_text(json.dumps(study), encoding="utf-8")
    result = engine.run([tmp_path.as_posix()], Config())
    r = result.findings[result.findings["rule"].str.startswith("TG0")]
    assert result.dataset.records.rejected == len(r) == 4
    assert sorted(zip(r["rule"], r["file"])) == [
        ("TG005", f"{tmp_path.as_posix()}/a/record.yaml"), ("TG005", f"{tmp_path.as_posix()}/b/record.yaml"),
        ("TG007", f"{tmp_path.as_posix()}/a/study.json"), ("TG007", f"{tmp_path.as_posix()}/b/study.json")]
