"""Precision and recall of `trialguard extract` against hand-curated records.

    python bench/extract_quality.py fixtures/seeds bench/heldout bench/heldout2 [--diff]

For every NAME.txt with a hand-written NAME.yaml beside it, extracts a record from the text and compares the
facts, kind by kind, as multisets of comparable keys (names of measures are free text and not compared):

    cohort sizes  n                        counts  (count, denom, percent)
    stats         (param, value, range)    doses   the dose as written (whitespace folded)
    events        (event_type, date)       claims  (kind, quote with whitespace removed)

precision = matched extracted / extracted, recall = matched hand-written / hand-written. One table per folder;
`--diff` lists, per article, the values extracted but not hand-written (+) and hand-written but missed (-).

The folders: `fixtures/seeds` (five real articles, curated before the extractor was written);
`bench/heldout` (five invented articles written before the recall work and seen while designing it);
`bench/heldout2` (five more, written after the first pass; its first measurement, before any fix it
prompted, was precision 0.79 / recall 0.59 against 0.97 / 0.81 on the seeds, the overfitting this check exists
to show; one round of general fixes followed). A new held-out set is needed for the next honest measurement.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import yaml

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trialguard.extract import extract_record  # noqa: E402


def _flat(t: str) -> str:
    return re.sub(r"\s+", "", t or "")


def keys(rec: dict) -> dict[str, Counter]:
    out = {k: Counter() for k in ("cohorts", "counts", "stats", "doses", "events", "claims")}
    for trial in rec.get("trials", []):
        for c in trial.get("cohorts", []):
            if isinstance(c.get("n"), int):
                out["cohorts"][c["n"]] += 1
            for x in c.get("counts", []):
                out["counts"][(x.get("count"), x.get("denom"), x.get("percent"))] += 1
            for x in c.get("stats", []):
                out["stats"][(x["param"], x.get("value"), tuple(x.get("range", ())))] += 1
            for x in c.get("doses", []):
                out["doses"][" ".join(x["dose"].split())] += 1
        for e in trial.get("events", []):
            out["events"][(e["event_type"], e.get("date"))] += 1
    for e in rec.get("events", []):
        out["events"][(e["event_type"], e.get("date"))] += 1
    for c in rec.get("claims", []):
        out["claims"][(c["kind"], _flat(c["quote"]))] += 1
    return out


def _claim_matches(extracted: Counter, hand: Counter) -> int:
    """Claims match when the kinds agree and one quote contains the other (quotes are cut differently)."""
    hand_left = list(hand.elements())
    n = 0
    for kind, q in extracted.elements():
        for i, (hk, hq) in enumerate(hand_left):
            if hk == kind and (q in hq or hq in q):
                del hand_left[i]
                n += 1
                break
    return n


def compare(folder: Path, diff: bool = False) -> dict:
    totals = {k: [0, 0, 0] for k in ("cohorts", "counts", "stats", "doses", "events", "claims")}  # matched, ext, hand
    for txt in sorted(folder.glob("*.txt")):
        hand_path = txt.with_suffix(".yaml")
        if not hand_path.exists():
            continue
        hand = keys(yaml.safe_load(hand_path.read_text("utf-8")))
        ext = keys(extract_record(txt.read_text("utf-8"), txt.stem).record)
        for k in totals:
            matched = _claim_matches(ext[k], hand[k]) if k == "claims" else sum((ext[k] & hand[k]).values())
            totals[k][0] += matched
            totals[k][1] += sum(ext[k].values())
            totals[k][2] += sum(hand[k].values())
            if diff and k != "claims":
                for sign, c in (("+", ext[k] - hand[k]), ("-", hand[k] - ext[k])):
                    for key in sorted(c.elements(), key=repr):
                        print(f"  {txt.stem} {sign} {k} {key}")
    all_m, all_e, all_h = (sum(v[i] for v in totals.values()) for i in range(3))
    totals["all"] = [all_m, all_e, all_h]
    return totals


def table(res: dict) -> str:
    lines = [f"{'kind':<8} {'matched':>7} {'extracted':>9} {'hand':>5} {'precision':>9} {'recall':>7}"]
    for k, (m, e, h) in res.items():
        p = f"{m / e:.2f}" if e else "-"
        r = f"{m / h:.2f}" if h else "-"
        lines.append(f"{k:<8} {m:>7} {e:>9} {h:>5} {p:>9} {r:>7}")
    return "\n".join(lines)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--diff"]
    for folder in args or ["fixtures/seeds"]:
        print(f"== {folder}")
        print(table(compare(Path(folder), diff="--diff" in sys.argv)))
