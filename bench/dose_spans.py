"""List every dose span trialguard finds in CT.gov arm/intervention/results-group text, and a parse summary.

    python bench/dose_spans.py fixtures/ctgov [--list]

Reads the registry JSON/XML directly (field by field) so the numbers do not depend on any adapter; prints
how many dose-bearing strings there are, how many spans parse, how many strings mention a dose-like unit but
yield no span (candidates for unparseable), and the flags seen.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import defusedxml.ElementTree as ET

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trialguard.doses import find_doses  # noqa: E402

_UNITISH = re.compile(r"\d\s*-?\s*(?:mg|mcg|µg|ug|g|ml|iu|units?|cells)\b", re.I)


def v2_texts(doc: dict):
    aim = doc.get("protocolSection", {}).get("armsInterventionsModule", {})
    for i, a in enumerate(aim.get("armGroups", [])):
        yield f"/protocolSection/armsInterventionsModule/armGroups/{i}/label", a.get("label")
        yield f"/protocolSection/armsInterventionsModule/armGroups/{i}/description", a.get("description")
    for i, a in enumerate(aim.get("interventions", [])):
        yield f"/protocolSection/armsInterventionsModule/interventions/{i}/name", a.get("name")
        yield f"/protocolSection/armsInterventionsModule/interventions/{i}/description", a.get("description")
    res = doc.get("resultsSection", {})
    for mod, key in (("participantFlowModule", "groups"), ("baselineCharacteristicsModule", "groups"),
                     ("adverseEventsModule", "eventGroups")):
        for i, g in enumerate(res.get(mod, {}).get(key, [])):
            for f in ("title", "description"):
                yield f"/resultsSection/{mod}/{key}/{i}/{f}", g.get(f)
    for j, o in enumerate(res.get("outcomeMeasuresModule", {}).get("outcomeMeasures", [])):
        for i, g in enumerate(o.get("groups", [])):
            for f in ("title", "description"):
                yield f"/resultsSection/outcomeMeasuresModule/outcomeMeasures/{j}/groups/{i}/{f}", g.get(f)


def xml_texts(root):
    for tag in ("arm_group_label", "intervention_name", "title", "description"):
        for i, el in enumerate(root.iter(tag)):
            yield f"//{tag}[{i}]", el.text


def collect(folder: Path):
    """(file, loc, text) for every non-empty dose-bearing field under `folder`."""
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".json":
            items = v2_texts(json.loads(path.read_text("utf-8")))
        elif path.suffix == ".xml":
            items = xml_texts(ET.fromstring(path.read_bytes()))
        else:
            continue
        for loc, text in items:
            if isinstance(text, str) and text.strip():
                yield path.name, loc, text


def summary(folder: Path) -> dict:
    fields = list(collect(folder))
    unique = sorted({t for _, _, t in fields})
    spans = {t: find_doses(t) for t in unique}
    flags = Counter(f for ds in spans.values() for d in ds for f in d.flags)
    missed = [t for t in unique if _UNITISH.search(t) and not spans[t]]
    return {
        "fields": len(fields),
        "unique_strings": len(unique),
        "strings_with_doses": sum(1 for t in unique if spans[t]),
        "dose_spans": sum(len(v) for v in spans.values()),
        "units": dict(sorted(Counter(d.unit for ds in spans.values() for d in ds).items())),
        "bases": dict(sorted(Counter(d.basis for ds in spans.values() for d in ds).items())),
        "flags": dict(sorted(flags.items())),
        "unit_mentions_without_span": missed,
        "spans": {t: [t[d.start:d.end] for d in v] for t, v in spans.items() if v},
    }


if __name__ == "__main__":
    s = summary(Path(sys.argv[1] if len(sys.argv) > 1 else "fixtures/ctgov"))
    show = "--list" in sys.argv
    for k, v in s.items():
        if k == "spans" and not show:
            continue
        print(f"{k}: {json.dumps(v, ensure_ascii=False, indent=1) if isinstance(v, (list, dict)) else v}")
