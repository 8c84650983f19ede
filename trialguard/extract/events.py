"""Dated events stated in one sentence: cut-offs ("As of March 20, 2022"), publications, presentations at named
meetings, regulatory steps, diagnosis, enrolment, treatment.

A date becomes an event only when the words around it say which event it dates: in a sentence with one date,
the sentence's event words; in a sentence with several ("BTD in February 2021, ODD in February 2022"), each
date's own clause, and only when every date's clause names exactly one event. Dates that bound a period
("since June 2019", "until", "by"), plans ("will", "expects to") and relative dates ("two weeks after the
infusion") are not events.
"""

from __future__ import annotations

import re

from trialguard.extract.facts import _DATE, _MONTH, DATE_RX, Fact
from trialguard.extract.prepare import Sentence

EVENT_WORDS = [
    ("data_cutoff", re.compile(r"\bcut-?off\b|(?:^|[,;]\s*)as of\b|\bdata (?:lock|snapshot)\b", re.I)),
    ("published", re.compile(r"\bpublished\b|\bpublication\b", re.I)),
    ("presented", re.compile(r"\bpresented\b|\breported at\b", re.I)),
    ("ind", re.compile(r"\bIND\b|investigational new drug", re.I)),
    ("nda", re.compile(r"\bNDA\b|\bBLA\b|new drug application|biologics? license application", re.I)),
    ("designation", re.compile(r"\bdesignations?\b|\bdesignated\b|\b(?:ODD|BTD|RMAT|PRIME)\b|\bfast track\b|"
                               r"\borphan drug status\b", re.I)),
    ("approval", re.compile(r"\bapproved\b|\bapproval\b", re.I)),
    ("diagnosed", re.compile(r"\bdiagnos(?:ed|is)\b", re.I)),
    ("enrolled_first", re.compile(r"\bfirst (?:patient|subject|participant) (?:was |has been )?(?:enrolled|"
                                  r"randomi[sz]ed)\b|\bparticipated?\b[^,.;]*\b(?:clinical )?trials?\b", re.I)),
    ("enrolled_last", re.compile(r"\b(?:completed|completion of) (?:enrol?lment|recruitment)\b|"
                                 r"\b(?:enrol?lment|recruitment) (?:was |has been )?completed\b", re.I)),
    ("treated", re.compile(r"\bunderwent\b|\breceived\b|\binfused\b|\btreated\b|\bdosed\b", re.I)),
]
_NOT_A_PRODUCT_APPROVAL = re.compile(r"\b(?:IRB|ethics?|committee|review board|protocol|amendment|modification)\b",
                                     re.I)
_PLAN = re.compile(r"\b(?:will|plans? to|planned|expects? to|expected|intends? to|anticipated?s?|aims? to)\b", re.I)
_NOT_A_DAY = re.compile(r"\b(?:since|until|till|through|by|before|after|from|between|and|to)\s+(?:the\s+)?$", re.I)
_BETWEEN = re.compile(rf"\benrolled\b[^.]*?\b(?:between|from)\s+(?P<a>{_DATE})\s+(?:and|to|through)\s+(?P<b>{_DATE})"
                      rf"|\b(?:between|from)\s+(?P<a2>{_DATE})\s+(?:and|to|through)\s+(?P<b2>{_DATE}),?\s+[^.]*?\benrolled\b",
                      re.I)
_ASH = re.compile(r"\b(?P<n>\d{2})(?:st|nd|rd|th)\s+(?:American Society of Hematology|ASH)\b[^.]*?\bAnnual Meeting",
                  re.I)
ASH_FIRST_YEAR = 1958  # the 1st ASH annual meeting was held in 1958; every meeting is in December
_MEETING_YEAR = re.compile(r"\b(?:at|during)\s+the\s+(?P<y>(?:19|20)\d\d)\s+(?:(?:[A-Z(][\w&()-]*|of|and|on|for|the)\s+){1,8}?"
                           r"(?:Annual Meeting|Congress|Meeting|Symposium|Conference)\b")
_NLM_DATE = re.compile(rf"(?:^|\.\s)(?P<d>(?:19|20)\d\d\s+{_MONTH}(?:\s+\d{{1,2}})?)(?=\s*[.;])")
_CITATION_AFTER = re.compile(r"^[.;\s]*(?:\d+\(|doi\b|Epub\b|PMID\b)", re.I)


def event_type(text: str) -> str | None:
    """The event a clause's words name, by priority (a 'cut-off' sentence that mentions treatment dates the cut-off)."""
    if _PLAN.search(text):
        return None
    for name, rx in EVENT_WORDS:
        if rx.search(text):
            if name == "approval" and _NOT_A_PRODUCT_APPROVAL.search(text):
                return None  # an ethics committee approving a protocol amendment
            return name
    return None


def _fact(s: Sentence, a: int, b: int, kind: str, date: str) -> Fact:
    return Fact("event", s, a, b, {"event_type": kind, "date": date})


def events(s: Sentence) -> list[Fact]:
    t = s.text
    m = _BETWEEN.search(t)
    if m:
        a, b = ("a", "b") if m.group("a") else ("a2", "b2")
        return [_fact(s, m.start(a), m.end(a), "enrolled_first", m.group(a)),
                _fact(s, m.start(b), m.end(b), "enrolled_last", m.group(b))]
    if re.search(r"\b(?:reported|presented)\b", t, re.I):
        m = _ASH.search(t)
        if m:  # the meeting's number dates it ("61st ASH Annual Meeting" -> December 2019)
            return [_fact(s, m.start(), m.end(), "presented", f"December {ASH_FIRST_YEAR + int(m.group('n'))}")]
    dates = [d for d in DATE_RX.finditer(t) if not _NOT_A_DAY.search(t[:d.start()])]
    if not dates and re.search(r"\bpresented\b", t, re.I):
        m = _MEETING_YEAR.search(t)
        if m:  # "presented at the 2023 ASH Annual Meeting": the year as written
            return [_fact(s, m.start("y"), m.end("y"), "presented", m.group("y"))]
    if not dates:
        return _citation(s)
    if len(DATE_RX.findall(t)) == 1:
        kind = event_type(t)
        return [_fact(s, dates[0].start(), dates[0].end(), kind, dates[0].group())] if kind else []
    if len(dates) != len(DATE_RX.findall(t)):
        return []  # a period ("from May 2021 to June 2022") whose role the words do not say
    return _clauses(s, dates)


def _clauses(s: Sentence, dates: list[re.Match]) -> list[Fact]:
    """Several dates: each dated by its own clause, the words before it ("BTD ... in February 2021, ODD ... in
    February 2022") or else after it ("In 2021 the FDA approved ...; in 2022 ..."), or none at all."""
    t = s.text
    bounds = [0] + [d.end() for d in dates[:-1]]
    before = [event_type(t[a:d.end()]) for a, d in zip(bounds, dates)]
    if all(before):
        kinds = before
    else:
        ends = [d.start() for d in dates[1:]] + [len(t)]
        after = [event_type(t[d.start():e]) for d, e in zip(dates, ends)]
        if not all(after):
            return []
        kinds = after
    return [_fact(s, d.start(), d.end(), k, d.group()) for d, k in zip(dates, kinds)]


def _citation(s: Sentence) -> list[Fact]:
    """A reference's date in NLM style ("Nat Med. 2022 Sep 15. doi: ...") dates the publication."""
    for m in _NLM_DATE.finditer(s.text):
        after = s.text[m.end():] or s.mapped.text[s.end:s.end + 40]
        if _CITATION_AFTER.match(after) or _CITATION_AFTER.match(s.mapped.text[s.end:s.end + 40]):
            return [_fact(s, m.start("d"), m.end("d"), "published", m.group("d"))]
    return []
