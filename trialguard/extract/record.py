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
from trialguard.extract.prepare import Sentence, prepare, sentences
from trialguard.extract.scope import claims_in, facet_ids

_PUBLISHED = [re.compile(r"Last Update:\s*(?P<d>\d{4}-\d{2}-\d{2})"),
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


def _cohort_n(cohort_facts: list[F.Fact]) -> F.Fact | None:
    """The article's cohort size: the first 'a total of N' statement; None when the article states several
    different sizes (then no count is given a denominator it does not state itself)."""
    sizes = {f.data["n"] for f in cohort_facts}
    return cohort_facts[0] if len(sizes) == 1 else None


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
    found: dict[str, list[F.Fact]] = {k: [] for k in ("cohort", "subcohort", "count", "stat", "dose", "event")}
    for s in sents:
        for fn in (F.cohorts, F.counts, F.stats, F.doses, F.events):
            for fact in fn(s):
                found[fact.kind].append(fact)
    nct = _NCT.search(text)
    trial_id = nct.group() if nct else f"{source_id}-trial"
    trial: dict = {"id": trial_id}
    tloc = "/trials/0"
    main = _cohort_n(found["cohort"])
    cohort: dict = {"id": "all", "title": "patients reported in the article"}
    if main:
        cohort.update(n=main.data["n"], quote=main.quote)
        b.ex.spans[f"{tloc}/cohorts/0/n"] = main.span
    cohorts = [cohort]
    # sub-cohorts with their doses ("three in the 0.5×106 CAR-T cells/kg dose group")
    level = 0
    dose_spans_used = set()
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
        if f.data.get("percent"):
            c["percent"] = f.data["percent"] + "%"
        if f.data.get("denom_from_cohort") and main and "denom" not in c:
            c["denom"] = main.data["n"]
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
    doses = []
    sub_doses = {d["dose"] for c in cohorts[1:] for d in c.get("doses", [])}
    for f in found["dose"]:
        if f.span not in dose_spans_used and f.data["dose"] not in sub_doses:
            doses.append(b.put(f"{tloc}/cohorts/0/doses/{len(doses)}", {"dose": f.data["dose"], "quote": f.quote},
                               f.span))
    if doses:
        cohort["doses"] = doses
    events = []
    index = {id(s): i for i, s in enumerate(sents)}
    for f in found["event"]:
        ev = {"event_type": f.data["event_type"], "date": f.data["date"], **_event_facets(sents, index[id(f.sentence)], f.data["event_type"]),
              "quote": f.quote}
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
