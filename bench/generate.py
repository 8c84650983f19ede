"""Generate realistic CT.gov API v2 datasets of any size from the real records in fixtures/ctgov/v2.

Each generated study is a real record with a new NCT id, its dates shifted together by a whole number of
days (order is kept; partial YYYY-MM dates move by whole months), its brief title suffixed with the
replicate number (other free text repeats every len(templates) studies, which flatters text caches), and
adverse-event counts perturbed within the registry's invariants
(events >= affected). A known fraction of studies gets exactly one injected fault, listed in
`<out>.faults.json` beside the output folder, so the benchmark can report how many injected faults the rules found.

    python bench/generate.py --records 10000 --out bench/out/v2-10000
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import random
import re
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "fixtures" / "ctgov" / "v2"
STUDIES_PER_FILE = 1000
DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")

FAULTS = ("flow_not_conserved", "ae_affected_over_at_risk", "start_after_completion", "count_over_denominator")


def load_templates(folder: Path = TEMPLATES) -> list[dict]:
    return [orjson.loads(p.read_bytes()) for p in sorted(folder.glob("*.json"))]


def shift_date(text: str, days: int) -> str:
    if len(text) == 10:
        return (dt.date.fromisoformat(text) + dt.timedelta(days=days)).isoformat()
    y, m = map(int, text.split("-"))  # YYYY-MM: move by whole months so the partial date stays valid
    months = y * 12 + (m - 1) + round(days / 30)
    return f"{months // 12:04d}-{months % 12 + 1:02d}"


def shift_dates(node, days: int):
    """Shift every ISO date in the study by the same amount, keeping their order."""
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, str) and DATE.match(v) and ("date" in k.lower() or k == "date"):
                node[k] = shift_date(v, days)
            else:
                shift_dates(v, days)
    elif isinstance(node, list):
        for v in node:
            shift_dates(v, days)


def perturb_adverse_events(study: dict, rng: random.Random) -> None:
    ae = study.get("resultsSection", {}).get("adverseEventsModule", {})
    for ev in ae.get("seriousEvents", []) + ae.get("otherEvents", []):
        for s in ev.get("stats", []):
            if isinstance(s.get("numEvents"), int):
                s["numEvents"] += rng.randint(0, 2)


def first(seq):
    return seq[0] if seq else None


def inject(study: dict, fault: str) -> bool:
    """Apply one fault; False when the study has nothing to break that way."""
    res = study.get("resultsSection", {})
    if fault == "flow_not_conserved":
        period = first(res.get("participantFlowModule", {}).get("periods", []))
        completed = period and next((m for m in period["milestones"] if m["type"] == "COMPLETED"), None)
        ach = completed and first(completed.get("achievements", []))
        if not ach or not str(ach.get("numSubjects", "")).isdigit():
            return False
        ach["numSubjects"] = str(int(ach["numSubjects"]) + 1)
        return True
    if fault == "ae_affected_over_at_risk":
        ev = first(res.get("adverseEventsModule", {}).get("seriousEvents", []))
        st = ev and first(ev.get("stats", []))
        if not st or not isinstance(st.get("numAtRisk"), int):
            return False
        st["numAffected"] = st["numAtRisk"] + 1
        st["numEvents"] = max(st.get("numEvents") or 0, st["numAffected"])
        return True
    if fault == "start_after_completion":
        status = study["protocolSection"].get("statusModule", {})
        start, comp = status.get("startDateStruct"), status.get("completionDateStruct")
        if not start or not comp or len(comp.get("date", "")) != len(start.get("date", "")):
            return False
        start["date"], comp["date"] = comp["date"], start["date"]
        if start["date"] == comp["date"]:
            return False
        return True
    if fault == "count_over_denominator":
        base = res.get("baselineCharacteristicsModule", {})
        denoms = {c["groupId"]: c["value"] for d in base.get("denoms", [])[:1] for c in d.get("counts", [])}
        for m in base.get("measures", []):
            if m.get("paramType") != "COUNT_OF_PARTICIPANTS" or any(c.get("denoms") for c in m.get("classes", [])):
                continue
            meas = first(first(first(m.get("classes", []))["categories"])["measurements"]) if m.get("classes") else None
            if meas and str(denoms.get(meas["groupId"], "")).isdigit():
                meas["value"] = str(int(denoms[meas["groupId"]]) + 5)
                return True
        return False
    raise ValueError(fault)


def faults_file(out: Path) -> Path:
    return out.parent / f"{out.name}.faults.json"


def generate(n: int, out: Path, fault_rate: float = 0.02, seed: int = 7, templates: Path = TEMPLATES,
             per_file: int = STUDIES_PER_FILE) -> dict:
    rng = random.Random(seed)
    templates = load_templates(templates)
    out.mkdir(parents=True, exist_ok=True)
    faults: dict[str, str] = {}
    batch: list[dict] = []
    file_no = 0

    def flush():
        nonlocal batch, file_no
        if batch:
            (out / f"ctg-studies-{file_no:05d}.json").write_bytes(orjson.dumps(batch))
            file_no += 1
            batch = []

    for i in range(n):
        study = copy.deepcopy(templates[i % len(templates)])
        nct = f"NCT9{i:07d}"
        ident = study["protocolSection"]["identificationModule"]
        ident["nctId"] = nct
        ident["briefTitle"] = f"{ident.get('briefTitle', '')} (replicate {i // len(templates)})"
        shift_dates(study, rng.randint(-2000, 2000))
        perturb_adverse_events(study, rng)
        if rng.random() < fault_rate:
            fault = rng.choice(FAULTS)
            if inject(study, fault):
                faults[nct] = fault
        batch.append(study)
        if len(batch) == per_file:
            flush()
    flush()
    manifest = {"records": n, "files": file_no, "fault_rate": fault_rate, "seed": seed, "faults": faults}
    faults_file(out).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--fault-rate", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--templates", type=Path, default=TEMPLATES, help="folder of v2 study JSON files")
    ap.add_argument("--per-file", type=int, default=STUDIES_PER_FILE, help="studies per JSON array file")
    args = ap.parse_args()
    m = generate(args.records, args.out, args.fault_rate, args.seed, args.templates, args.per_file)
    print(json.dumps({"records": m["records"], "files": m["files"], "faults": len(m["faults"])}))


if __name__ == "__main__":
    main()
