"""The local engine on several processes gives exactly the one-process findings and accounting."""

import functools
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from bench.generate import generate
from trialguard import engine, ingest, parallel
from trialguard.config import Config

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ["rule", "severity", "trial_id", "source_id", "file", "loc", "message", "fingerprint"]


def outcome(result):
    rec = result.dataset.records
    return result.findings[COLUMNS].values.tolist(), (rec.read, rec.checked, rec.rejected)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Four files of generated studies with faults, plus a copy of the first file at the end: every record of
    the copy is a duplicate id whose first occurrence sits in another partition."""
    folder = tmp_path_factory.mktemp("generated")
    generate(80, folder, fault_rate=0.25, per_file=20)
    shutil.copy(folder / "ctg-studies-00000.json", folder / "ctg-studies-99999.json")
    return folder


def test_processes_match_one_process_on_a_generated_dataset(generated):
    one = engine.run([str(generated)], Config(), chunk_records=40, jobs=1)
    three = engine.run([str(generated)], Config(), chunk_records=40, jobs=3)
    assert outcome(three) == outcome(one)
    findings, accounting = outcome(one)
    assert accounting == (100, 80, 20)
    assert sum(f[0] == "TG007" for f in findings) == 20
    assert {f[0][:3] for f in findings} >= {"TG2", "TG3", "TG6"}  # the injected faults are found


def test_processes_match_one_process_on_the_fixtures():
    paths = ["fixtures/ctgov", "fixtures/seeds"]
    assert outcome(engine.run(paths, Config(), jobs=2)) == outcome(engine.run(paths, Config(), jobs=1))


def test_progress_sees_every_file_once(generated):
    seen = []
    engine.run([str(generated)], Config(select=("TG3",)), jobs=2, progress=lambda total: seen.append)
    assert sorted(seen) == sorted(str(p) for p in generated.glob("*.json"))


def test_auto_jobs_stay_in_process_for_small_inputs(generated):
    files = [str(p) for p in sorted(generated.glob("*.json"))]
    assert parallel.worker_count(0, files, 2000) == 1
    assert parallel.worker_count(4, files, 2000) == 4
    assert parallel.worker_count(64, files, 2000) == len(files)


def test_auto_jobs_fit_in_available_memory(tmp_path, monkeypatch):
    files = []
    for i in range(16):  # 16 files of 4 MB: large enough for workers
        p = tmp_path / f"{i}.json"
        p.write_bytes(b" " * (4 << 20))
        files.append(str(p))
    monkeypatch.setattr(parallel, "available_cores", lambda: 12)
    per_worker = parallel.worker_memory(2000)
    monkeypatch.setattr(parallel, "available_memory", lambda: 100 * per_worker)
    assert parallel.worker_count(0, files, 2000) == 12  # memory for all cores
    monkeypatch.setattr(parallel, "available_memory", lambda: 5 * per_worker)
    assert parallel.worker_count(0, files, 2000) == 4  # one share kept for this process
    assert parallel.worker_count(0, files, 8000) < 4  # bigger chunks, bigger workers
    monkeypatch.setattr(parallel, "available_memory", lambda: per_worker // 2)
    assert parallel.worker_count(0, files, 2000) == 1  # never fewer than one
    monkeypatch.setattr(parallel, "available_memory", lambda: None)
    assert parallel.worker_count(0, files, 2000) == 12  # unknown memory: every core
    monkeypatch.setattr(parallel, "available_memory", lambda: 5 * per_worker)
    assert parallel.worker_count(6, files, 2000) == 6  # an explicit --jobs is obeyed


def cgroup(folder, limit, usage, stat=""):
    folder.mkdir(parents=True, exist_ok=True)
    names = ("memory.max", "memory.current") if "memory" not in folder.parts else (
        "memory.limit_in_bytes", "memory.usage_in_bytes")
    (folder / names[0]).write_text(f"{limit}\n")
    (folder / names[1]).write_text(f"{usage}\n")
    (folder / "memory.stat").write_text(stat)


def test_a_containers_memory_limit_bounds_the_available_memory(tmp_path, monkeypatch):
    """A CI job in a container with a 4 GB limit must not start workers for the host's 64 GB. The room is limit
    minus working set (usage less inactive file cache), the least over the process's cgroup and its parents."""
    GB = 2**30
    proc = tmp_path / "cgroup"
    proc.write_text("0::/ci.slice/job\n")
    cgroup(tmp_path / "ci.slice" / "job", "max", 1 * GB)
    cgroup(tmp_path / "ci.slice", 4 * GB, 2 * GB, "anon 1\ninactive_file 536870912\nactive_file 2\n")
    assert parallel.cgroup_headroom(str(proc), str(tmp_path)) == 4 * GB - (2 * GB - GB // 2)
    cgroup(tmp_path / "ci.slice" / "job", 1 * GB, GB // 4)  # a tighter limit below wins
    assert parallel.cgroup_headroom(str(proc), str(tmp_path)) == GB - GB // 4

    v1 = tmp_path / "v1"  # cgroup v1: the memory controller's own tree; "no limit" is a number near 2**63
    (v1 / "proc").parent.mkdir()
    (v1 / "proc").write_text("4:memory:/docker/abc\n3:cpu:/docker/abc\n0::/\n")
    cgroup(v1 / "memory" / "docker" / "abc", 3 * GB, GB)
    cgroup(v1 / "memory" / "docker", 9223372036854771712, 5 * GB)
    assert parallel.cgroup_headroom(str(v1 / "proc"), str(v1)) == 2 * GB

    unlimited = tmp_path / "unlimited"
    unlimited.mkdir()
    (unlimited / "proc").write_text("0::/user.slice\n")
    cgroup(unlimited / "user.slice", "max", GB)
    assert parallel.cgroup_headroom(str(unlimited / "proc"), str(unlimited)) is None
    assert parallel.cgroup_headroom(str(tmp_path / "no-such-file"), str(tmp_path)) is None

    monkeypatch.setattr(parallel, "_mem_available", lambda: 64 * GB)
    monkeypatch.setattr(parallel, "cgroup_headroom", lambda: 4 * GB)
    assert parallel.available_memory() == 4 * GB
    monkeypatch.setattr(parallel, "cgroup_headroom", lambda: None)
    assert parallel.available_memory() == 64 * GB


def test_partitions_keep_order_and_cover_all(tmp_path):
    files = []
    for i, size in enumerate([10, 10, 1000, 10, 10, 10]):
        p = tmp_path / f"{i}.json"
        p.write_bytes(b"x" * size)
        files.append(str(p))
    groups = parallel.partition_files(files, 3)
    assert [f for g in groups for f in g] == files
    assert len(groups) <= 3


def test_partitions_follow_their_weights():
    files = [f"{i}.json" for i in range(8)]  # not on disk: each counts as one byte
    assert [len(g) for g in parallel.partition_files(files, [2.0, 1.0, 0.5, 0.5])] == [4, 2, 1, 1]


def test_a_large_run_ends_on_smaller_and_smaller_partitions(monkeypatch):
    """100 files of 66 MB on 2 workers: 8 large partitions, then two of about 2 files and two of 1, so that
    the workers end within a file's time of each other. Ten such files make partitions too small for a tail."""
    monkeypatch.setattr(parallel, "file_sizes", lambda files: [66 * 2**20] * len(files))
    files = [f"{i:03}.json" for i in range(100)]
    groups = parallel.plan_partitions(files, 2)
    assert [f for g in groups for f in g] == files
    assert [len(g) for g in groups] == [11, 12, 12, 12, 11, 12, 12, 12, 2, 2, 1, 1]
    assert [len(g) for g in parallel.plan_partitions(files[:10], 2)] == [1, 1, 1, 2, 1, 1, 1, 2]


def curated(folder, source, trial, dose):
    (folder / f"{source}.json").write_text(json.dumps({
        "source": {"id": source, "kind": "journal", "published": "2024-01"},
        "trials": [{"id": trial, "cohorts": [{"id": "dose-level-1", "doses": [
            {"dose": dose, "quote": f"patients received {dose}"}]}]}]}), encoding="utf-8")


def test_dose_rows_spill_to_disk_and_come_back_only_for_trials_with_two_sources(tmp_path):
    """TG505 compares the doses two sources give one cohort. Doses of a trial with one source cannot disagree,
    so the engine keeps them on disk, not in memory, and reads back only trials reported twice."""
    curated(tmp_path, "a1", "NCT00000001", "1×10^6 cells/kg")
    curated(tmp_path, "b2", "NCT00000002", "5 mg/kg")  # one source only
    curated(tmp_path, "c3", "NCT00000001", "1×10^7 cells/kg")
    result = engine.run([str(tmp_path)], Config(select=("TG505",)), chunk_records=1)
    assert list(zip(result.findings["rule"], result.findings["source_id"], result.findings["loc"])) == [
        ("TG505", "c3", "/trials/0/cohorts/0/doses/0")]
    assert sorted(result.dataset.doses["source_id"]) == ["a1", "c3"]
    files = [str(p) for p in sorted(tmp_path.glob("*.json"))]
    read = functools.partial(ingest.read_files)
    in_memory = engine.combine([engine.check_partition(files, Config(select=("TG505",)), read, 1)],
                               Config(select=("TG505",)), [])  # the Dask engine keeps them in memory
    assert outcome(in_memory) == outcome(result)
    assert sorted(in_memory.dataset.doses["source_id"]) == ["a1", "b2", "c3"]


def test_spilled_rows_come_back_exactly(tmp_path):
    """The dose rows of the fixtures (every dtype of the table, missing values, non-ASCII quotes), spilled
    from the middle of a chunk and read back: the same values, dtypes and order."""
    from trialguard.enrich import enrich

    doses = enrich(ingest.read_files([str(p) for p in sorted((ROOT / "fixtures").rglob("*.json"))])).doses
    rows = doses.iloc[1::2]  # a selection keeps its index; the spilled file does not need it
    assert len(rows) > 10 and rows.isna().any().any()
    engine._spill(rows, tmp_path / "doses.feather")
    pd.testing.assert_frame_equal(pd.read_feather(tmp_path / "doses.feather"), rows.reset_index(drop=True))


def test_spilled_rows_of_a_partition_with_no_trial_reported_twice_are_not_read_back(tmp_path):
    """Reading back costs a second of a 100,000-study run: a partition whose spilled trials all have a single
    source keeps its files unread (here a path that does not exist), and the others are read as before."""
    kept = pd.DataFrame({"trial_id": ["NCT1", "NCT2"], "source_id": ["a", "b"], "value": [1, 2]})
    engine._spill(kept, tmp_path / "kept.feather")
    elsewhere = pd.DataFrame({"trial_id": ["NCT1"], "source_id": ["c"]})

    def part(spilled, keys):
        return engine.Partition(findings=pd.DataFrame(), tables={}, ingested=None, timings={},
                                spilled={"doses": spilled}, trial_sources={"doses": keys})

    parts = [part([str(tmp_path / "kept.feather")], kept[["trial_id", "source_id"]]),
             part([str(tmp_path / "never-written.feather")], pd.DataFrame({"trial_id": ["NCT3"], "source_id": ["d"]})),
             part([], elsewhere)]
    engine._read_back(parts)
    assert parts[0].tables["doses"].values.tolist() == [["NCT1", "a", 1]]
    assert "doses" not in parts[1].tables and "doses" not in parts[2].tables


class DiesWhenUnpickled:
    """Stands in for the limits a worker receives: unpickling it in the worker ends that process at once, as
    the system's out-of-memory killer would."""

    def __reduce__(self):
        return os._exit, (9,)


def test_a_lost_worker_is_a_one_line_error_not_a_traceback(generated):
    files = [str(p) for p in sorted(generated.glob("*.json"))]
    with pytest.raises(parallel.WorkerLost) as lost:
        parallel.check_in_processes(files, Config(), DiesWhenUnpickled(), 40, 2)
    assert lost.value.exit_code == 2
    first = parallel.partition_files(files, 2)[0]
    assert lost.value.message == (f"a worker process ended while checking {first[0]} and {len(first) - 1} more "
                                  "file(s), most likely out of memory: run again with fewer --jobs or a smaller "
                                  "--chunk-records")


def test_likely_parallel_judges_before_planning(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 100)
    monkeypatch.setattr(parallel, "available_cores", lambda: 2)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "small.json").write_bytes(b"x" * 60)
    assert not parallel.likely_parallel([str(tmp_path)], 0)  # 60 bytes: one process
    assert parallel.likely_parallel([str(tmp_path)], 3) and not parallel.likely_parallel([str(tmp_path)], 1)
    (tmp_path / "a" / "notes.md").write_bytes(b"x" * 40)  # files of any kind count, nested ones too
    assert parallel.likely_parallel([str(tmp_path)], 0)
    assert parallel.likely_parallel([str(tmp_path / "a" / "small.json"), str(tmp_path / "a" / "notes.md")], 0)
    assert not parallel.likely_parallel([str(tmp_path / "missing.json")], 0)
    monkeypatch.setattr(parallel, "available_cores", lambda: 1)
    assert not parallel.likely_parallel([str(tmp_path)], 0)


def test_the_command_line_imports_parallel_without_the_libraries():
    import subprocess
    import sys

    code = ("import sys, trialguard.parallel; "
            "print(sorted(m for m in ('pandas', 'pyarrow', 'pandera', 'trialguard.engine') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
