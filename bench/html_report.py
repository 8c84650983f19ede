"""Benchmark the HTML report on synthetic findings: render time and file size.

    python bench/html_report.py 100000 [--out /tmp/bench-report]

Synthetic data: N findings spread over N/10 trials (each with a registry source and four groups), eight rules,
a quarter of them with a quote and highlights, a quarter with registry fields side by side.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trialguard.config import Config  # noqa: E402
from trialguard.dataset import Accounting, Dataset, TABLES, frame  # noqa: E402
from trialguard.engine import RunResult  # noqa: E402
from trialguard.findings import Severity, concat_findings, emit, finalize  # noqa: E402
from trialguard.reports import html  # noqa: E402
from trialguard.validators.registry import Rule  # noqa: E402

RULES = [(f"TG{c}", f"synthetic-rule-{c}", sev) for c, sev in
         [(201, Severity.ERROR), (202, Severity.WARNING), (301, Severity.ERROR), (305, Severity.INFO),
          (401, Severity.WARNING), (502, Severity.WARNING), (601, Severity.ERROR), (801, Severity.INFO)]]


def synthetic(n: int) -> RunResult:
    trials = max(1, n // 10)
    ids = [f"NCT{10000000 + i:08d}" for i in range(trials)]
    files = [f"data/ctgov/{t}.json" for t in ids]
    tables = {t: frame(t, []) for t in TABLES}
    tables["trials"] = frame("trials", [
        {"trial_id": t, "source_id": f"ctgov:{t}", "file": f, "loc": "/protocolSection", "title": f"Trial {t}",
         "status": "COMPLETED", "phase": "PHASE2", "start": "2019-09", "enrollment": 40} for t, f in zip(ids, files)])
    tables["sources"] = frame("sources", [
        {"trial_id": t, "source_id": f"ctgov:{t}", "file": f, "loc": "", "kind": "registry", "title": f"Trial {t}"}
        for t, f in zip(ids, files)])
    tables["groups"] = frame("groups", [
        {"trial_id": t, "source_id": f"ctgov:{t}", "file": f, "loc": f"/resultsSection/participantFlowModule/groups/{g}",
         "block": "flow", "group_id": f"FG00{g}", "title": f"Arm {g}", "n": 10, "n_text": "10"}
        for t, f in zip(ids, files) for g in range(4)])
    parts = []
    per_rule = n // len(RULES)
    for k, (code, name, sev) in enumerate(RULES):
        m = per_rule if k < len(RULES) - 1 else n - per_rule * (len(RULES) - 1)
        idx = [(k * 7919 + i) % trials for i in range(m)]
        rows = pd.DataFrame({
            "trial_id": [ids[i] for i in idx], "source_id": [f"ctgov:{ids[i]}" for i in idx],
            "file": [files[i] for i in idx],
            "loc": [f"/resultsSection/baselineCharacteristicsModule/measures/{i % 9}/classes/0/categories/{i % 4}"
                    f"/measurements/{j}" for j, i in enumerate(idx)]})
        if k % 4 == 0:
            ev = [{"quote": f"{j % 40} of 40 patients ({j % 40 * 2.5:.1f}%) responded", "highlight": [str(j % 40)]}
                  for j in range(m)]
        elif k % 4 == 1:
            ev = [{"fields": {"/a/value": str(j), "/b/value": str(j + 1)}} for j in range(m)]
        else:
            ev = None
        f = emit(rows, message=pd.Series([f"value {j} does not agree with {j + 3} in group FG00{j % 4}"
                                           for j in range(m)]),
                 observed=pd.Series([str(j) for j in range(m)]), expected=f"<= {m}",
                 evidence=pd.Series(ev) if ev is not None else None)
        parts.append(finalize(f, code, name, sev))
    findings = concat_findings(parts)
    ds = Dataset(tables=tables, records=Accounting(trials, trials, 0), inputs=["data/ctgov"])
    rules = [Rule(c, nm, s, "Synthetic rule.", "For benchmarking.") for c, nm, s in RULES]
    return RunResult(dataset=ds, findings=findings, rules=rules, config=Config())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=100_000)
    ap.add_argument("--out", default="/tmp/trialguard-bench-report")
    args = ap.parse_args()
    t0 = time.perf_counter()
    result = synthetic(args.n)
    t1 = time.perf_counter()
    path = html.write(result, Path(args.out))
    t2 = time.perf_counter()
    size = path.stat().st_size
    print(f"findings {len(result.findings)}  trials {len(result.dataset.trials)}  "
          f"build {t1 - t0:.2f}s  render+write {t2 - t1:.2f}s  size {size / 1e6:.1f} MB  -> {path}")


if __name__ == "__main__":
    main()
