"""Benchmark: end-to-end validation of N generated records, with its reference figures.

    python bench/run.py --records 10000 [--kind v2|curated] [--chunk-records 2000] [--engine local|dask] [--jobs N]

Prints one JSON line: records, wall_s, records_per_s, peak_rss_mb, stages (ingest, rules, reports),
parse_floor_s (only reading and parsing the same files with orjson, collector paused) and ratio_to_floor
(also against a plain orjson loop: parse_floor_gc_s, ratio_to_floor_gc), gx_s and gx_ratio
(Great Expectations running the column-level rules on the same canonical tables, compared with trialguard's
time for the same rules; null when great-expectations is not installed), findings, and the recall of the
injected faults. Each measurement runs in a fresh process so that peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

# Which trialguard rules detect each injected fault (bench/generate.py, bench/generate_curated.py).
FAULT_RULES = {
    "flow_not_conserved": "TG3",
    "ae_affected_over_at_risk": "TG3",
    "start_after_completion": "TG6",
    "count_over_denominator": "TG2",
    "percent_off": "TG2",
    "dose_tenfold": "TG5",
    "cohort_size_differs": "TG8",
}


class TreeMemory:
    """Peak resident memory of this process and every process it starts (worker processes of the local
    engine), sampled every 20 ms: with workers, the machine holds their memory at the same time."""

    def __init__(self) -> None:
        import threading

        import psutil

        self.me = psutil.Process()
        self.peak = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def total(self) -> int:
        import psutil

        rss = self.me.memory_info().rss
        for child in self.me.children(recursive=True):
            try:
                rss += child.memory_info().rss
            except psutil.Error:  # ended between listing and reading
                pass
        return rss

    def sample(self) -> None:
        while not self.done.wait(0.02):
            self.peak = max(self.peak, self.total())

    def stop(self) -> float:
        self.done.set()
        self.thread.join()
        import resource

        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
        return round(max(self.peak, own) / 2**20, 1)


def child_floor(folder: Path) -> dict:
    """Only reading and parsing the files with orjson, twice: with the cyclic garbage collector paused during
    each parse, as trialguard's own ingest parses (the strict floor, `parse_floor_s`), and as a plain loop
    would (`parse_floor_gc_s`; the collector re-scans the growing tree, about 3x slower on these files)."""
    import gc

    import orjson

    files = sorted(folder.glob("*.json"))
    out = {}
    for key, paused in (("parse_floor_gc_s", False), ("parse_floor_s", True)):
        n = 0
        t0 = time.perf_counter()
        for p in files:
            data = p.read_bytes()
            if paused:
                gc.disable()
            doc = orjson.loads(data)
            gc.enable()
            n += len(doc) if isinstance(doc, list) else 1
            del doc
        out[key] = time.perf_counter() - t0
    out["parsed"] = n
    return out


def child_full(folder: Path, out: Path, chunk_records: int, engine_name: str, jobs: int) -> dict:
    from trialguard import engine, parallel
    from trialguard.config import Config
    from trialguard.memory import keep_freed_memory
    from trialguard.reports import default_formats, writers

    keep_freed_memory()  # as `trialguard validate` does for its own process
    memory = TreeMemory()
    t0 = time.perf_counter()
    cfg = Config()
    if engine_name == "dask":
        from trialguard.distributed import run_dask

        result = run_dask([str(folder)], cfg, workers=jobs or 2, chunk_records=chunk_records)
    else:
        result = engine.run([str(folder)], cfg, chunk_records=chunk_records, jobs=jobs)
    t1 = time.perf_counter()
    available = writers()
    for name in default_formats(available):  # what `validate` writes without --format (html, json)
        available[name](result, out)
    t2 = time.perf_counter()
    stages = {k: round(v, 3) for k, v in result.timings.items()}
    stages["reports"] = round(t2 - t1, 3)
    f = result.findings
    return {
        "jobs": (parallel.worker_count(jobs, result.dataset.inputs, chunk_records) if engine_name == "local"
                 else jobs or 2),
        "wall_s": t2 - t0,
        "stages": stages,
        "peak_rss_mb": memory.stop(),
        "records_checked": result.dataset.records.checked,
        "records_rejected": result.dataset.records.rejected,
        "findings": len(f),
        "findings_by_rule": {k: int(v) for k, v in sorted(f["rule"].value_counts().items())} if len(f) else {},
        "flagged": sorted(set(zip(f["trial_id"], f["rule"].str[:3])) | set(zip(f["source_id"], f["rule"].str[:3]))),
    }


def child_gx(folder: Path) -> dict:
    """Great Expectations on the column-level rules vs trialguard's schema rules, same canonical tables."""
    try:
        from trialguard.gx import compare_column_rules
    except ImportError as e:
        return {"gx_s": None, "gx_ratio": None, "gx_note": f"not available: {e}"}
    return compare_column_rules([str(folder)])


def run_child(*args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step {args[0]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description="trialguard benchmark")
    ap.add_argument("--records", type=int)
    ap.add_argument("--kind", choices=["v2", "curated"], default="v2",
                    help="CT.gov v2 studies (1,000 per file) or curated records (one per file)")
    ap.add_argument("--chunk-records", type=int, default=2000)
    ap.add_argument("--engine", choices=["local", "dask"], default="local")
    ap.add_argument("--jobs", type=int, default=0,
                    help="worker processes: local engine as `validate --jobs` (0 = one per core), Dask workers (0 = 2)")
    ap.add_argument("--skip-gx", action="store_true")
    ap.add_argument("--child", nargs="+")
    args = ap.parse_args()

    if args.child:
        kind, folder = args.child[0], Path(args.child[1])
        if kind == "floor":
            out = child_floor(folder)
        elif kind == "full":
            out = child_full(folder, Path(args.child[2]), int(args.child[3]), args.child[4], int(args.child[5]))
        else:
            out = child_gx(folder)
        print(json.dumps(out))
        return

    if args.kind == "curated":
        from bench.generate_curated import faults_file, generate
    else:
        from bench.generate import faults_file, generate

    n = args.records
    folder = HERE / "out" / f"{args.kind}-{n}"
    if not faults_file(folder).exists():
        generate(n, folder)
    faults = json.loads(faults_file(folder).read_text())["faults"]
    floor = run_child("floor", str(folder))
    full = run_child("full", str(folder), str(HERE / "out" / f"report-{n}"), str(args.chunk_records), args.engine,
                     str(args.jobs))
    flagged = {tuple(x) for x in full.pop("flagged")}
    found = sum((key, FAULT_RULES[kind]) in flagged for key, kind in faults.items())  # NCT id or source id
    result = {
        "records": n,
        "kind": args.kind,
        "engine": args.engine,
        "chunk_records": args.chunk_records,
        "jobs": full["jobs"],
        "wall_s": round(full["wall_s"], 3),
        "records_per_s": round(n / full["wall_s"], 1),
        "peak_rss_mb": full["peak_rss_mb"],
        "stages": full["stages"],
        "parse_floor_s": round(floor["parse_floor_s"], 3),
        "ratio_to_floor": round(full["wall_s"] / floor["parse_floor_s"], 2),
        "parse_floor_gc_s": round(floor["parse_floor_gc_s"], 3),
        "ratio_to_floor_gc": round(full["wall_s"] / floor["parse_floor_gc_s"], 2),
        "records_checked": full["records_checked"],
        "records_rejected": full["records_rejected"],
        "findings": full["findings"],
        "findings_by_rule": full["findings_by_rule"],
        "injected_faults": len(faults),
        "injected_faults_found": found,
    }
    if args.skip_gx:
        result.update(gx_s=None, gx_ratio=None)
    else:
        result.update(run_child("gx", str(folder)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
