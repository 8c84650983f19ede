"""Generate datasets of curated trial records of any size from the hand-curated seed records.

Records come in pairs: two sources (e.g. an article and a press release) reporting the same trials, as
curators meet them. Each pair is a copy of one seed record (fixtures/seeds/*.yaml) with new source and trial
ids and every participant number (cohort sizes, counts, denominators, stat n) multiplied by the same whole
factor, which keeps percentages, sums and subsets consistent. Claims and dated events are kept in the
first copy of each seed only: copies would all claim the same "first" and each contradict every copy.
Dates and quotes stay as written; the companion article text is not copied (no extraction).

A known fraction of pairs gets one injected fault, listed in `<out>.faults.json` by source id:

- count_over_denominator: a count one above its stated denominator (TG2xx);
- percent_off: a count with its denominator gets a percentage 5 points off count/denominator (TG2xx);
- dose_tenfold: the second source states ten times the first source's dose for a cohort (TG505);
- cohort_size_differs: the second source gives a cohort one more participant (TG801).

    python bench/generate_curated.py --records 10000 --out bench/out/curated-10000
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
from decimal import Decimal
from pathlib import Path

import orjson
import yaml

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
FAULTS = ("count_over_denominator", "percent_off", "dose_tenfold", "cohort_size_differs")
LEADING_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)")


def load_seeds(folder: Path = SEEDS) -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.yaml"))]


def cohorts(record: dict):
    for trial in record.get("trials", []):
        yield from trial.get("cohorts", [])


def scale(record: dict, k: int) -> None:
    """Multiply every participant number by k (words such as 'over 30' or 'All' stay as written)."""
    for cohort in cohorts(record):
        if isinstance(cohort.get("n"), int):
            cohort["n"] *= k
        for c in cohort.get("counts", []):
            for key in ("count", "denom"):
                if isinstance(c.get(key), int):
                    c[key] *= k
        for s in cohort.get("stats", []):
            if isinstance(s.get("n"), int):
                s["n"] *= k


def renamed(seed: dict, source_id: str, suffix: str, keep_claims: bool) -> dict:
    record = copy.deepcopy(seed)
    record["source"]["id"] = source_id
    record["source"].pop("text", None)
    for trial in record.get("trials", []):
        trial["id"] = f"{trial['id']}-{suffix}"
        if not keep_claims:
            trial.pop("events", None)
    if not keep_claims:
        record.pop("claims", None)
        record.pop("events", None)
    for claim in record.get("claims", []):
        if claim.get("trial"):
            claim["trial"] = f"{claim['trial']}-{suffix}"
    return record


def inject(first: dict, second: dict, fault: str) -> bool:
    """Put `fault` into the pair; False when the seed has no place for it."""
    if fault == "count_over_denominator":
        for c in (c for cohort in cohorts(first) for c in cohort.get("counts", [])):
            if isinstance(c.get("count"), int) and isinstance(c.get("denom"), int):
                c["count"] = c["denom"] + 1
                c.pop("percent", None)
                return True
    elif fault == "percent_off":
        for c in (c for cohort in cohorts(first) for c in cohort.get("counts", [])):
            if isinstance(c.get("count"), int) and isinstance(c.get("denom"), int) and c["denom"]:
                exact = (Decimal(c["count"]) * 100 / c["denom"]).quantize(Decimal("0.1"))
                c["percent"] = f"{exact - 5 if exact > 50 else exact + 5}%"
                return True
    elif fault == "dose_tenfold":
        for cohort in cohorts(second):
            for d in cohort.get("doses", []):
                m = LEADING_NUMBER.match(str(d.get("dose", "")))
                if m:
                    d["dose"] = str(Decimal(m[1]) * 10) + d["dose"][m.end():]
                    return True
    elif fault == "cohort_size_differs":
        for cohort in cohorts(second):
            if isinstance(cohort.get("n"), int):
                cohort["n"] += 1
                return True
    return False


def faults_file(out: Path) -> Path:
    return out.parent / f"{out.name}.faults.json"


def generate(n: int, out: Path, fault_rate: float = 0.02, seed: int = 7, seeds: Path = SEEDS) -> dict:
    rng = random.Random(seed)
    templates = load_seeds(seeds)
    out.mkdir(parents=True, exist_ok=True)
    faults: dict[str, str] = {}
    for pair in range((n + 1) // 2):
        template, replicate = templates[pair % len(templates)], pair // len(templates)
        suffix = f"g{pair:06d}"
        k = rng.randint(1, 4)
        first = renamed(template, f"{suffix}-a", suffix, keep_claims=replicate == 0)
        second = renamed(template, f"{suffix}-b", suffix, keep_claims=False)
        scale(first, k)
        scale(second, k)
        if rng.random() < fault_rate:
            fault = rng.choice(FAULTS)
            if inject(first, second, fault):
                faults[(second if fault in ("dose_tenfold", "cohort_size_differs") else first)["source"]["id"]] = fault
        for record in (first, second)[: n - 2 * pair]:
            (out / f"{record['source']['id']}.json").write_bytes(orjson.dumps(record, option=orjson.OPT_INDENT_2))
    manifest = {"records": n, "files": n, "fault_rate": fault_rate, "seed": seed, "faults": faults}
    faults_file(out).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--fault-rate", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--seeds", type=Path, default=SEEDS, help="folder of curated seed records (.yaml)")
    args = ap.parse_args()
    m = generate(args.records, args.out, args.fault_rate, args.seed, args.seeds)
    print(json.dumps({"records": m["records"], "files": m["files"], "faults": len(m["faults"])}))


if __name__ == "__main__":
    main()
