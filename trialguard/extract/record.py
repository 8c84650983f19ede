"""An article's text -> one curated-format record (trialguard/schemas/record.schema.json) for a curator to review.

The record has one trial with one cohort (`all`, the patients the article reports on) plus the sub-cohorts
the text names ("three in the 0.5×106 CAR-T cells/kg dose group"), their counts, medians and doses, the dated
events, and the claims. Every value carries its quote (the sentence, as written) and its note says which
characters of the article it was read from (`chars:START-END`); `spans` maps each value's JSON pointer to
that span so that ingestion can point findings at the article itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from trialguard.extract import facts as F
from trialguard.extract.counts import counts as find_counts
from trialguard.extract.events import events as find_events
from trialguard.extract.prepare import Sentence, prepare, sentences
from trialguard.extract.scope import claims_in, facet_ids

_PUBLISHED = [re.compile(rf"(?:Last Update|Published|Posted|Updated)(?: on)?:?\s*(?P<d>\d{{4}}-\d{{2}}-\d{{2}}|"
                         rf"{F._MONTH}\s+\d{{1,2}},\s*\d{{4}}|\d{{1,2}}\s+{F._MONTH}\s+\d{{4}})"),
              re.compile(rf"^(?:[A-Z][a-z]+day,\s+)?(?P<d>{F._MONTH}\s+\d{{1,2}},\s*\d{{4}})\s*$", re.M)]
_NCT = re.compile(r"\bNCT\d{8}\b")
_ESCALATION = re.compile(r"\bescalation\b", re.I)
_FACET_WINDOW = 5  # sentences before an event that describe its patient and therapy


@dataclass
class Extraction:
    record: dict
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # JSON pointer -> article char span


def _chars(span: tuple[int, int]) -> str:
    return f"chars:{span[0]}-{span[1]}"


def published_date(text: str) -> tuple[str, tuple[int, int]] | None:
    head = text[:1500]
    for rx in _PUBLISHED:
        m = rx.search(head)
        if m:
            return " ".join(m.group("d").split()), m.span("d")
    return None


class _Builder:
    def __init__(self, source_id: str, text: str):
        self.ex = Extraction({"source": {"id": source_id, "kind": "news"}})
        self.text = text

    def put(self, pointer: str, obj: dict, span: tuple[int, int]) -> dict:
        obj["note"] = f"extracted from {_chars(span)}"
        self.ex.spans[pointer] = span
        return obj


_OWN_SCOPE_EVENTS = ("approval", "designation", "ind", "nda")  # regulatory events state their scope themselves


def _event_facets(sents: list[Sentence], i: int, event_type: str) -> dict:
    own = sents[i].text
    before = 0 if event_type in _OWN_SCOPE_EVENTS else _FACET_WINDOW
    window = " ".join(s.text for s in sents[max(0, i - before):i + 1])
    out = {}
    for facet in ("modality", "targets", "indication", "geography"):
        ids = facet_ids(facet, own) or facet_ids(facet, window)
        if ids:
            out[facet] = ids if facet == "targets" else " ".join(ids)
    return out


def _size(f: F.Fact):
    return f.data["n"] if f.data.get("n") is not None else f.data["n_text"]


def _cohort_n(cohort_facts: list[F.Fact]) -> F.Fact | None:
    """The article's cohort size: the first cohort statement, when every statement gives the same size; None
    when the article states several different sizes (then no count is given a denominator it does not state
    itself) or only an inexact one ("approximately 20")."""
    sizes = {_size(f) for f in cohort_facts}
    if len(sizes) == 1 and isinstance(next(iter(sizes)), int):
        return cohort_facts[0]
    return None


def _case(case_facts: list[F.Fact]) -> F.Fact | None:
    """The one patient a case report describes ("a 20-year-old female patient", repeated): None when the
    article describes patients of different ages or sexes."""
    ages = {f.data["age"] for f in case_facts}
    sexes = {f.data["sex"] for f in case_facts} - {None}
    if len(ages) != 1 or len(sexes) > 1:
        return None
    return next((f for f in case_facts if f.data["sex"]), case_facts[0])


def _resolve_denom(f: F.Fact, main: F.Fact | None, found: dict, index: dict) -> int | None:
    """The denominator a count refers to without stating it (see trialguard.extract.counts)."""
    ref = f.data.get("denom_ref")
    if ref == "previous":  # "Among these patients": the cohort named in this or the previous sentence
        i = index[id(f.sentence)]
        near = [c for c in found["cohort"] if index[id(c.sentence)] in (i - 1, i) and c.data["n"] is not None
                and (c.sentence is not f.sentence or c.a < f.a)]
        return near[-1].data["n"] if near else None
    if ref and ref.startswith("label:"):  # "in the total evaluable patients"
        sizes = {c.data["n"] for c in found["cohort"] if c.data.get("label") == ref[6:]}
        return sizes.pop() if len(sizes) == 1 and None not in sizes else None
    if f.data.get("denom_from_cohort") and main:
        return main.data["n"]
    return None


def _put_case(b: _Builder, case: F.Fact, cohort: dict, ptr: str) -> None:
    """The described patient's age and sex, in the cohort of that one patient."""
    st = {"measure": "age", "param": "value", "value": case.data["age"], "unit": "years", "n": 1, "quote": case.quote}
    cohort.setdefault("stats", []).append(b.put(f"{ptr}/stats/{len(cohort.get('stats', []))}", st, case.span))
    if case.data["sex"]:
        c = {"measure": "sex", "category": case.data["sex"], "count": 1, "denom": 1, "exclusive": True,
             "exhaustive": True, "quote": case.quote}
        cohort.setdefault("counts", []).append(b.put(f"{ptr}/counts/{len(cohort.get('counts', []))}", c, case.span))


def extract_record(text: str, source_id: str) -> Extraction:
    """The record an article states. Deterministic: the same text gives the same record."""
    b = _Builder(source_id, text)
    rec = b.ex.record
    pub = published_date(text)
    if pub:
        rec["source"]["published"] = pub[0]
        rec["source"]["published_quote"] = text[pub[1][0]:pub[1][1]]
        b.ex.spans["/source/published"] = pub[1]
    mt = prepare(text)
    sents = sentences(mt)
    index = {id(s): i for i, s in enumerate(sents)}
    found: dict[str, list[F.Fact]] = {k: [] for k in ("cohort", "subcohort", "case", "count", "stat", "dose",
                                                      "event")}
    for s in sents:
        for fn in (F.cohorts, F.cases, find_counts, F.stats, F.doses, find_events):
            for fact in fn(s):
                found[fact.kind].append(fact)
    nct = _NCT.search(text)
    trial_id = nct.group() if nct else f"{source_id}-trial"
    trial: dict = {"id": trial_id}
    tloc = "/trials/0"
    case = _case(found["case"]) if found["case"] else None
    if case:
        case.data.update(n=1, n_text=None, label=None)
    main = _cohort_n(found["cohort"] + ([case] if case else []))
    cohort: dict = {"id": "all", "title": "patients reported in the article"}
    if main:
        cohort.update(n=main.data["n"], quote=main.quote)
        b.ex.spans[f"{tloc}/cohorts/0/n"] = main.span
    cohorts = [cohort]
    if not main:
        # several sizes: each its own cohort, none the article's ("103 evaluable patients", "approximately 20")
        seen = set()
        for f in found["cohort"] + ([case] if case else []):
            if _size(f) in seen:
                continue
            seen.add(_size(f))
            sub = {"id": "patient" if f is case else f"cohort-{len(cohorts)}",
                   "title": "the patient described" if f is case else f"{f.data['label'] or 'all'} patients",
                   "n": _size(f), "quote": f.quote}
            cohorts.append(b.put(f"{tloc}/cohorts/{len(cohorts)}", sub, f.span))
    case_cohort = 0 if case and main is case else next((i for i, c in enumerate(cohorts) if c["id"] == "patient"),
                                                       None)
    # sub-cohorts with their doses ("three in the 0.5×106 CAR-T cells/kg dose group")
    level = 0
    dose_spans_used = set()
    dose_cohort: dict[str, dict] = {}
    for f in found["subcohort"]:
        sub = {"id": f"cohort-{len(cohorts)}", "title": f.data["title"], "n": f.data["n"], "quote": f.quote,
               "parent": "all"}
        ptr = f"{tloc}/cohorts/{len(cohorts)}"
        b.put(ptr, sub, f.span)
        if f.data["dose"]:
            dose = next((d for d in found["dose"] if d.sentence is f.sentence and f.a <= d.a < f.b), None)
            if dose:
                sub["doses"] = [b.put(f"{ptr}/doses/0", {"dose": dose.data["dose"], "quote": f.quote}, dose.span)]
                dose_spans_used.add(dose.span)
                dose_cohort.setdefault(" ".join(dose.data["dose"].split()), sub)
                if _ESCALATION.search(f.sentence.text):
                    level += 1
                    sub["title"] = f"dose level {level}: {sub['title']}"
        cohorts.append(sub)
    counts = []
    for f in found["count"]:
        c = {"measure": f.data["measure"]}
        for key in ("category", "count", "denom"):
            if f.data.get(key) is not None:
                c[key] = f.data[key]
        if "denom" not in c:
            denom = _resolve_denom(f, main, found, index)
            if denom is not None:
                c["denom"] = denom
            elif f.data.get("all_of_cohort"):
                continue  # "all patients" of a cohort whose size the article does not state unambiguously
        if f.data.get("percent"):
            c["percent"] = f.data["percent"] + "%"
        for key in ("exclusive", "exhaustive"):
            if f.data.get(key) is not None:
                c[key] = f.data[key]
        c["quote"] = f.quote
        counts.append(b.put(f"{tloc}/cohorts/0/counts/{len(counts)}", c, f.span))
    if counts:
        cohort["counts"] = counts
    stats = []
    for f in found["stat"]:
        st = dict(f.data, quote=f.quote)
        stats.append(b.put(f"{tloc}/cohorts/0/stats/{len(stats)}", st, f.span))
    if stats:
        cohort["stats"] = stats
    if case_cohort is not None:
        _put_case(b, case, cohorts[case_cohort], f"{tloc}/cohorts/{case_cohort}")
    doses = []
    for f in found["dose"]:
        if f.span in dose_spans_used:
            continue
        sub = dose_cohort.get(" ".join(f.data["dose"].split()))
        if sub is not None:  # another mention of a sub-cohort's dose: one entry per mention
            ptr = f"{tloc}/cohorts/{cohorts.index(sub)}/doses/{len(sub['doses'])}"
            sub["doses"].append(b.put(ptr, {"dose": f.data["dose"], "quote": f.quote}, f.span))
            continue
        doses.append(b.put(f"{tloc}/cohorts/0/doses/{len(doses)}", {"dose": f.data["dose"], "quote": f.quote},
                           f.span))
    if doses:
        cohort["doses"] = doses
    events = []
    for f in found["event"]:
        if pub and pub[1][0] <= f.span[0] < pub[1][1]:
            continue  # the page's own date line ("Published: 2023-11-20") is the source's date
        ev = {"event_type": f.data["event_type"], "date": f.data["date"],
              **_event_facets(sents, index[id(f.sentence)], f.data["event_type"]), "quote": f.quote}
        events.append(b.put(f"{tloc}/events/{len(events)}", ev, f.span))
    trial["cohorts"] = cohorts
    if events:
        trial["events"] = events
    rec["trials"] = [trial]
    claims = []
    for row in claims_in(text, {"source_id": source_id, "claim_date": rec["source"].get("published", "")}):
        if row.get("kind") not in ("first", "never_reported", "only"):
            continue
        claim = {"kind": row["kind"], "event_type": row.get("event_type") or "treated"}
        for facet in ("modality", "indication", "geography", "population"):
            if row.get(facet):
                claim[facet] = row[facet]
        if row.get("targets"):
            claim["targets"] = sorted(set(row["targets"].split()))
        claim["hedged"] = bool(row.get("hedged"))
        claim["quote"] = row["quote"]
        s, e = (int(x) for x in row["loc"].rsplit("chars:", 1)[1].split("-"))
        claims.append(b.put(f"/claims/{len(claims)}", claim, (s, e)))
    if claims:
        rec["claims"] = claims
    return b.ex
