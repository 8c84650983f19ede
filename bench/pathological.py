"""Pathological single records: one CT.gov v2 study with very many baseline groups, or very many adverse-event
rows. Time (wall and CPU: the machine may be shared) and peak memory of ingest + rules, at two sizes, to see whether a single record can make the run
super-linear.

    python -m bench.pathological                 # 5,000 / 10,000 groups; 500,000 / 1,000,000 AE rows
    python -m bench.pathological groups 10000    # one case (run in a fresh process for a clean peak RSS)

The builders are also used by tests/test_pathological.py.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "fixtures" / "ctgov" / "v2" / "NCT00353704.json"


def _study(nct: str) -> dict:
    study = json.loads(BASE.read_bytes())
    study["protocolSection"]["identificationModule"]["nctId"] = nct
    return study


def wide_baseline(n_groups: int, nct: str = "NCT08000001") -> dict:
    """A study whose baseline has `n_groups` arm groups plus a Total, with sex counts and a mean age for each;
    the participant flow has the same arms (matched by title), each started by 10 participants."""
    study = _study(nct)
    arms = [(f"BG{i:06d}", f"FG{i:06d}", f"Arm {i}") for i in range(n_groups)]
    total = n_groups * 10
    groups = [{"id": bg, "title": t} for bg, _, t in arms] + [{"id": "BGTOTAL", "title": "Total"}]
    denoms = [{"units": "Participants", "counts": [{"groupId": g["id"], "value": str(10 if g["id"] != "BGTOTAL"
                                                                                     else total)} for g in groups]}]
    sex = [("Female", 4, total * 4 // 10), ("Male", 6, total * 6 // 10)]
    study["resultsSection"]["baselineCharacteristicsModule"] = {
        "groups": groups,
        "denoms": denoms,
        "measures": [
            {"title": "Sex: Female, Male", "paramType": "COUNT_OF_PARTICIPANTS", "unitOfMeasure": "Participants",
             "classes": [{"categories": [
                 {"title": cat, "measurements": [{"groupId": g["id"], "value": str(each if g["id"] != "BGTOTAL"
                                                                                   else all_)} for g in groups]}
                 for cat, each, all_ in sex]}]},
            {"title": "Age, Continuous", "paramType": "MEAN", "dispersionType": "STANDARD_DEVIATION",
             "unitOfMeasure": "years",
             "classes": [{"categories": [{"measurements": [
                 {"groupId": g["id"], "value": "54.5", "spread": "9.1"} for g in groups]}]}]},
        ],
    }
    study["resultsSection"]["participantFlowModule"] = {
        "groups": [{"id": fg, "title": t} for _, fg, t in arms],
        "periods": [{"title": "Overall Study", "milestones": [
            {"type": "STARTED", "achievements": [{"groupId": fg, "numSubjects": "10"} for _, fg, _ in arms]},
            {"type": "COMPLETED", "achievements": [{"groupId": fg, "numSubjects": "9"} for _, fg, _ in arms]},
            {"type": "NOT COMPLETED", "achievements": [{"groupId": fg, "numSubjects": "1"} for _, fg, _ in arms]},
        ]}],
    }
    study["protocolSection"]["designModule"]["enrollmentInfo"] = {"count": total, "type": "ACTUAL"}
    return study


def many_adverse_events(n_rows: int, n_groups: int = 10, nct: str = "NCT08000002") -> dict:
    """A study whose adverse-events module has `n_rows` term x group rows (n_rows / n_groups terms)."""
    study = _study(nct)
    groups = [f"EG{g:03d}" for g in range(n_groups)]
    stats = [{"groupId": g, "numEvents": 2, "numAffected": 1, "numAtRisk": 40} for g in groups]
    terms = n_rows // n_groups
    study["resultsSection"]["adverseEventsModule"] = {
        "frequencyThreshold": "0",
        "eventGroups": [{"id": g, "title": f"Arm {g}", "seriousNumAffected": 3, "seriousNumAtRisk": 40,
                         "otherNumAffected": 30, "otherNumAtRisk": 40} for g in groups],
        "otherEvents": [{"term": f"Term {t}", "organSystem": "General disorders", "stats": stats}
                        for t in range(terms)],
    }
    return study


def run_case(kind: str, n: int) -> dict:
    from trialguard import engine
    from trialguard.config import Config

    study = wide_baseline(n) if kind == "groups" else many_adverse_events(n)
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp, f"{kind}.json")
        f.write_text(json.dumps(study), encoding="utf-8")
        size = f.stat().st_size
        t0, c0 = time.perf_counter(), time.process_time()
        result = engine.run([f.as_posix()], Config())
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    ds = result.dataset
    return {"kind": kind, "n": n, "file_mb": round(size / 1e6, 1), "seconds": round(wall, 1), "cpu_s": round(cpu, 1),
            "ingest_s": round(result.timings.get("ingest", 0), 1), "rules_s": round(result.timings.get("rules", 0), 1),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "records": [ds.records.read, ds.records.checked, ds.records.rejected], "findings": len(result.findings),
            "by_rule": result.findings["rule"].value_counts().sort_index().to_dict()}


def main(argv: list[str]) -> None:
    if argv:
        print(json.dumps(run_case(argv[0], int(argv[1]))))
        return
    for kind, sizes in (("groups", (5_000, 10_000)), ("ae", (500_000, 1_000_000))):
        for n in sizes:
            out = subprocess.run([sys.executable, "-m", "bench.pathological", kind, str(n)], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout
            print(out.strip(), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
