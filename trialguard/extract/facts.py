"""Facts stated in one sentence: cohort sizes, medians and ranges, doses; the shared vocabulary of the finders.

Each finder is a regular expression over a prepared sentence (see `prepare`) plus a little code. Precision
matters more than recall: a finder only fires on a phrasing whose meaning is unambiguous, and every fact
carries the span of the sentence text it was read from (mapped back to the original article). Counts are in
`counts`, dated events in `events`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from trialguard.doses import find_doses
from trialguard.extract.prepare import Sentence

WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_NUMW = r"(?:\d+|" + "|".join(WORDS) + r")"
_NUM = r"\d+(?:\.\d+)?"
_AT = r"(?<![\w,.\-/])"  # a number starts here, not inside "30,000", "1.5", "1/2" or "CD19"
_WHO = r"(?:patients?|subjects?|participants?|cases|adults|children)"
_ADJ = r"(?:evaluable|eligible|enrolled|treated|infused|dosed|consecutive|adult|pediatric|paediatric)"
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
          r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?")
_DATE = (rf"(?:(?:early|mid|late)[- ]?)?{_MONTH}\s+\d{{1,2}},\s*\d{{4}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}"
         rf"|(?:(?:early|mid|late)[- ]?)?{_MONTH}\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}")
DATE_RX = re.compile(_DATE, re.I)
_HEDGE_BEFORE = re.compile(r"(?:less than|fewer than|more than|over|nearly|almost|about|around|approximately|"
                           r"roughly|up to|at least|under|below|above|<|>|<=|>=|≤|≥|~)\s*$", re.I)
_RANGE_BEFORE = re.compile(r"\d\s*%?\s*(?:-|to|and)\s*$", re.I)  # "between 20% and | 40%", "25- | 60%"
# plans, hypotheses, definitions and general knowledge state no result: "will be enrolled", "is defined as >=60%",
# "patients tend to improve within 4-6 months, with recovery in over 80% of patients"
PLAN_OR_GENERAL = re.compile(r"\b(?:will|would|shall|should|plans?|planned|expected to|anticipated|intend(?:s|ed)? to|"
                             r"to be (?:enrolled|treated|included|randomi[sz]ed)|defined as|hypothes\w+|"
                             r"in general|typically|usually|tend to)\b", re.I)
_FUTURE_BEFORE = re.compile(r"\b(?:will|would|to|plans?|planned|expects?|expected|aims?)\s+(?:be\s+)?$", re.I)
_NOT_HUMAN = re.compile(r"\b(?:mice|mouse|murine|rats?|in vitro|preclinical|xenograft)\b", re.I)


def number(word: str) -> int:
    w = word.lower()
    return WORDS[w] if w in WORDS else int(w)


def hedge_before(text: str, pos: int) -> str | None:
    """The hedge ("approximately", "more than") written just before position `pos`, if any; the other end of
    a range ("20% and 40%") counts as a hedge that is no bound."""
    m = _HEDGE_BEFORE.search(text[:pos])
    if m:
        return m.group().strip()
    return "range" if _RANGE_BEFORE.search(text[:pos]) else None


@dataclass
class Fact:
    kind: str  # cohort, subcohort, case, count, stat, dose, event
    sentence: Sentence
    a: int  # span in the sentence text
    b: int
    data: dict = field(default_factory=dict)

    @property
    def span(self) -> tuple[int, int]:
        return self.sentence.span(self.a, self.b)

    @property
    def quote(self) -> str:
        return self.sentence.quote()


def clean_measure(text: str) -> str:
    text = re.split(r"\s+(?:but|and|with|while|which|who)\s+", text.strip(" ,;:"), maxsplit=1)[0]
    return re.sub(r"\s+", " ", text).strip(" ,;:.")


# --- cohort sizes -------------------------------------------------------------------------------------------
_PASSIVE = r"(?:enrolled|treated|included|infused|dosed|randomi[sz]ed|evaluable)"
_COHORT = [
    # "a total of 12 patients", "in total, 12 subjects"
    re.compile(rf"\b(?:a total of|in total,?|altogether,?)\s+(?P<n>{_NUMW})\s+(?:(?P<label>{_ADJ})\s+)?{_WHO}\b",
               re.I),
    # "12 subjects received", "42 patients had been infused", "58 patients were treated"
    re.compile(rf"{_AT}(?P<n>{_NUMW})\s+(?:(?P<label>{_ADJ})\s+)?{_WHO}(?:\s+with\s+[\w/-]+(?:\s+[\w/-]+){{0,4}}?)?\s+"
               rf"(?:received|were\s+{_PASSIVE}|"
               rf"(?:have|had|has)\s+(?:now\s+)?been\s+{_PASSIVE})\b", re.I),
    # "the study enrolled 11 patients", "investigators treated 6 patients" (not "plans to enrol 120 patients")
    re.compile(rf"\b(?P<verb>enrolled|treated|included|recruited|infused|dosed|described)\s+(?:a total of\s+)?"
               rf"(?P<n>{_NUMW})\s+(?:(?P<label>{_ADJ})\s+)?{_WHO}\b", re.I),
    # "therapy in 5 patients with", "a study of 30 patients", "a trial enrolling 24 participants"
    re.compile(rf"\b(?:therapy|study|trial|analysis|infusion)\s+(?:of|in|involving|including|enrolling)\s+"
               rf"(?P<n>{_NUMW})\s+(?:(?P<label>{_ADJ})\s+)?{_WHO}\b", re.I),
    # "observed in 103 evaluable patients": a population named by its adjective
    re.compile(rf"\bin\s+(?P<n>{_NUMW})\s+(?P<label>evaluable|eligible|enrolled|treated|infused)\s+{_WHO}\b", re.I),
    # "the approximately 20 patients dosed to date"
    re.compile(rf"{_AT}(?P<n>{_NUMW})\s+(?:(?P<label>{_ADJ})\s+)?{_WHO}\s+(?:dosed|treated|enrolled|infused)\s+"
               r"(?:to date|so far|thus far)\b", re.I),
]
_SUBCOHORT = re.compile(rf"\b(?P<n>{_NUMW})(?:\s+{_WHO})?\s+in the\s+(?P<name>[\w.×^+/ -]{{1,60}}?)\s+"
                        r"(?P<what>dose group|dose level|cohort|stage|arm)\b", re.I)
_TIME_BEFORE = re.compile(r"\b(?:days?|weeks?|months?|cycles?|visits?)\s+(?:\d+\s*(?:,|and|or)\s*)*$", re.I)
_N_EQUALS = re.compile(r"(?P<name>[^,;:()]{1,60}?)\s*\(\s*n\s*=\s*(?P<n>\d+)\s*\)", re.I)
_GROUP_WORD = re.compile(r"\b(?:dose group|dose level|cohort|arm|group)\s*$", re.I)


def cohorts(s: Sentence) -> list[Fact]:
    """Cohort sizes ("a total of 12 patients"; hedged ones keep their words: "approximately 20") and the
    sub-cohorts a sentence names ("three in the 0.5×106 CAR-T cells/kg dose group", "50×10^6 cells (n=18)")."""
    out = []
    if PLAN_OR_GENERAL.search(s.text):
        return out
    found = sorted(((m.start(), m) for rx in _COHORT for m in rx.finditer(s.text)), key=lambda t: t[0])
    for _, m in found:
        if m.groupdict().get("verb") and _FUTURE_BEFORE.search(s.text[:m.start()]):
            continue
        hedge = hedge_before(s.text, m.start("n"))
        n = number(m.group("n"))
        data = {"n": n if not hedge else None, "n_text": f"{hedge} {m.group('n')}" if hedge else None,
                "label": (m.group("label") or "").lower() or None}
        out.append(Fact("cohort", s, m.start(), m.end(), data))
        break  # one cohort size per sentence: the first stated
    for m in _SUBCOHORT.finditer(s.text):
        if _TIME_BEFORE.search(s.text[:m.start()]):
            continue  # "on day 1 and 8 in the split-dose arm"
        name = m.group("name").strip()
        doses = find_doses(name)
        out.append(Fact("subcohort", s, m.start(), m.end(), {
            "n": number(m.group("n")), "title": f"{name} {m.group('what')}",
            "dose": name[doses[0].start:doses[0].end] if doses else None}))
    for m in _N_EQUALS.finditer(s.text):
        name = m.group("name").strip()
        name = re.sub(r"^(?:or|and|at|in|of|the)\s+", "", name, flags=re.I)
        doses = find_doses(name)
        if not doses and not _GROUP_WORD.search(name):
            continue
        dose = doses[-1] if doses else None
        out.append(Fact("subcohort", s, m.start("name") + m.group("name").index(name), m.end(), {
            "n": int(m.group("n")), "title": name, "dose": name[dose.start:dose.end] if dose else None}))
    return out


_CASE = re.compile(r"\b(?:an?|the)\s+(?:\w+\s+)?(?P<age>\d{1,3})-year-old\s+(?:(?P<sex>female|male|woman|man|girl|"
                   r"boy)\b(?:\s+patient)?|patient\b)", re.I)
_CASE_SEX = {"female": "female", "woman": "female", "girl": "female", "male": "male", "man": "male", "boy": "male"}


def cases(s: Sentence) -> list[Fact]:
    """A single patient described by age ("a 20-year-old female patient"): the record decides whether the
    article is a case report (one distinct description) or mentions several patients (then none is used)."""
    return [Fact("case", s, m.start(), m.end(), {"age": m.group("age"),
                                                 "sex": _CASE_SEX.get((m.group("sex") or "").lower())})
            for m in _CASE.finditer(s.text)]


# --- medians, ranges, rates ---------------------------------------------------------------------------------
_UNITW = r"(?:years?|months?|days?|weeks?)"
_RANGE = (rf"\s*\(\s*(?:range[:,]?\s*)?(?P<lo>{_NUM})\s*(?:-|to)\s*(?P<hi>{_NUM})\s*{_UNITW}?\s*\)"
          rf"|,\s*range[:,]?\s*(?P<lo2>{_NUM})\s*(?:-|to)\s*(?P<hi2>{_NUM})(?:\s*{_UNITW})?\b")
_MEDIAN = re.compile(
    rf"\bmedian\s+(?P<what>age|follow-up|duration|time to [\w -]+?|[\w -]{{1,30}}?)\s+(?:of|was|is)\s+"
    rf"(?P<v>{_NUM})\s*(?P<unit>{_UNITW})?(?:{_RANGE})?", re.I)
_AGED = re.compile(r"\b(?:aged|ages? (?:ranged|ranging) from)\s+(?P<lo>\d+)\s*(?:to|-)\s*(?P<hi>\d+)\s+years\b", re.I)


def _unit(u: str | None) -> str | None:
    if not u:
        return None
    u = u.lower()
    return u if u.endswith("s") else u + "s"


def stats(s: Sentence) -> list[Fact]:
    out = []
    if PLAN_OR_GENERAL.search(s.text):
        return out
    for m in _MEDIAN.finditer(s.text):
        data = {"measure": m.group("what").strip().lower(), "param": "median", "value": m.group("v")}
        if m.group("unit"):
            data["unit"] = _unit(m.group("unit"))
        lo, hi = m.group("lo") or m.group("lo2"), m.group("hi") or m.group("hi2")
        if lo:
            data["range"] = [lo, hi]
        out.append(Fact("stat", s, m.start(), m.end(), data))
    for m in _AGED.finditer(s.text):
        out.append(Fact("stat", s, m.start(), m.end(), {"measure": "age", "param": "range",
                                                        "range": [m.group("lo"), m.group("hi")], "unit": "years"}))
    return out


# --- doses --------------------------------------------------------------------------------------------------
def doses(s: Sentence) -> list[Fact]:
    return [Fact("dose", s, d.start, d.end, {"dose": s.quote(d.start, d.end)}) for d in find_doses(s.text)]
