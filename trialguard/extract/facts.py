"""Facts stated in one sentence: cohort sizes, counts with denominators and percentages, medians, doses, dates.

Each finder is a regular expression over a prepared sentence (see `prepare`) plus a little code. Precision
matters more than recall: a finder only fires on a phrasing whose meaning is unambiguous, and every fact
carries the span of the sentence text it was read from (mapped back to the original article).
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
_WHO = r"(?:patients|subjects|participants|cases)"
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
          r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?")
_DATE = (rf"(?:(?:early|mid|late)[- ]?)?{_MONTH}\s+\d{{1,2}},\s*\d{{4}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}"
         rf"|(?:(?:early|mid|late)[- ]?)?{_MONTH}\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}")
DATE_RX = re.compile(_DATE, re.I)
_HEDGE_BEFORE = re.compile(r"(?:less than|more than|over|nearly|about|approximately|up to|<|>)\s*$", re.I)


def number(word: str) -> int:
    w = word.lower()
    return WORDS[w] if w in WORDS else int(w)


@dataclass
class Fact:
    kind: str  # cohort, count, stat, dose, event
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


def _clean_measure(text: str) -> str:
    text = re.split(r"\s+(?:but|and|with|while|which|who)\s+", text.strip(" ,;:"), maxsplit=1)[0]
    return re.sub(r"\s+", " ", text).strip(" ,;:.")


_SEX = {"female": "female", "females": "female", "women": "female", "male": "male", "males": "male",
        "men": "male"}


def _measure_category(what: str) -> tuple[str, str | None]:
    w = what.strip().lower()
    if w in _SEX:
        return "sex", _SEX[w]
    return _clean_measure(what), None


# --- cohort sizes -------------------------------------------------------------------------------------------
_COHORT = [
    re.compile(rf"\b(?:a total of|in total,?|altogether,?)\s+(?P<n>{_NUMW})\s+{_WHO}\b", re.I),
    re.compile(rf"\b(?P<n>\d+)\s+{_WHO}\s+(?:received|were (?:enrolled|treated|included|infused))\b", re.I),
    re.compile(rf"\btherapy in\s+(?P<n>{_NUMW})\s+{_WHO}\s+with\b", re.I),
]
_SUBCOHORT = re.compile(rf"\b(?P<n>{_NUMW})(?:\s+{_WHO})?\s+in the\s+(?P<name>[\w.×^+/ -]{{1,60}}?)\s+"
                        r"(?P<what>dose group|dose level|cohort|stage|arm)\b", re.I)


def cohorts(s: Sentence) -> list[Fact]:
    out = []
    for rx in _COHORT:
        for m in rx.finditer(s.text):
            out.append(Fact("cohort", s, m.start(), m.end(), {"n": number(m.group("n"))}))
            break
        if out:
            break
    for m in _SUBCOHORT.finditer(s.text):
        name = m.group("name").strip()
        doses = find_doses(name)
        out.append(Fact("subcohort", s, m.start(), m.end(), {
            "n": number(m.group("n")), "title": f"{name} {m.group('what')}",
            "dose": name[doses[0].start:doses[0].end] if doses else None}))
    return out


# --- counts -------------------------------------------------------------------------------------------------
_K_OF_N = re.compile(
    rf"\b(?P<k>{_NUMW})\s+of\s+(?:the\s+|these\s+)?(?P<n>{_NUMW})\s+(?:{_WHO}\s+)?(?:were|was|had|developed|"
    rf"showed|achieved|experienced)\s+(?P<what>[^(,.;]+?)\s*(?:\((?P<p>{_NUM})\s*%\)|(?=[,.;]|$))", re.I)
_K_PATIENTS_P = re.compile(rf"\b(?P<k>{_NUMW})\s+{_WHO}\s*\((?P<p>{_NUM})\s*%\)\s*(?P<what>[^,.;(]+)", re.I)
_P_OF_PATIENTS = re.compile(rf"(?<![-\d.])(?P<p>{_NUM})%\s+of\s+(?:the\s+)?(?:{_WHO})\s+(?P<what>[^,.;(]+)", re.I)
_X_IN_P = re.compile(rf"(?P<what>improved [a-z ]+?)\s+in\s+(?P<p>{_NUM})%\s+(?:of\s+)?(?:the\s+)?{_WHO}", re.I)
_RATE_WAS = re.compile(rf"(?P<what>(?:the\s+)?[A-Za-z][\w/ -]{{2,60}}?(?:\s*\([\w/]+\))?)\s+(?:rate\s+)?"
                       rf"(?:was|reached|is)\s+(?P<p>{_NUM})%", re.I)
_OF_WHOM = re.compile(rf"\b(?P<n>{_NUMW})\s+{_WHO},\s+(?P<k>{_NUMW})\s+of\s+whom\s+had\s+(?:an?\s+)?"
                      rf"(?P<measure>[\w -]+?)\s+of\s+(?P<cat>{_NUM})", re.I)
_AND_K_HAD = re.compile(rf"\s+and\s+(?:only\s+)?(?P<k>{_NUMW})\s+had\s+(?:an?\s+)?(?P<measure>[\w -]+?)\s+of\s+"
                        rf"(?P<cat>{_NUM})", re.I)
_SEX_SPLIT = re.compile(r"\((?P<f>\d+)\s+females?\s+and\s+(?P<m>\d+)\s+males?\)", re.I)
_PRIOR = re.compile(r"(?P<what>[A-Za-z][\w -]{2,60}?)\s*\((?:[A-Za-z]+;\s*)?(?P<k>\d+)/(?P<n>\d+)\)")


def _count(s, m, a=None, b=None, **data) -> Fact:
    return Fact("count", s, m.start() if a is None else a, m.end() if b is None else b, data)


def counts(s: Sentence) -> list[Fact]:
    out: list[Fact] = []
    taken: list[tuple[int, int]] = []

    def free(m) -> bool:
        return not any(m.start() < e and s_ < m.end() for s_, e in taken)

    def keep(f: Fact) -> None:
        out.append(f)
        taken.append((f.a, f.b))

    for m in _OF_WHOM.finditer(s.text):
        n, measure = number(m.group("n")), _clean_measure(m.group("measure"))
        keep(_count(s, m, count=number(m.group("k")), denom=n, measure=measure, category=m.group("cat"),
                    exclusive=True))
        pos = m.end()
        while (m2 := _AND_K_HAD.match(s.text, pos)) and _clean_measure(m2.group("measure")) == measure:
            keep(_count(s, m2, count=number(m2.group("k")), denom=n, measure=measure, category=m2.group("cat"),
                        exclusive=True))
            pos = m2.end()
    for m in _K_OF_N.finditer(s.text):
        if free(m):
            measure, category = _measure_category(m.group("what"))
            keep(_count(s, m, count=number(m.group("k")), denom=number(m.group("n")), percent=m.group("p"),
                        measure=measure, category=category, exclusive=True if category else None))
    for m in _SEX_SPLIT.finditer(s.text):
        if free(m):
            for cat, g in (("female", "f"), ("male", "m")):
                keep(_count(s, m, a=m.start(g), b=m.end(g), count=int(m.group(g)), measure="sex", category=cat,
                            exclusive=True, exhaustive=True, denom_from_cohort=True))
    for m in _K_PATIENTS_P.finditer(s.text):
        if free(m):
            keep(_count(s, m, count=number(m.group("k")), percent=m.group("p"),
                        measure=_clean_measure(m.group("what")), denom_from_cohort=True))
    for rx in (_P_OF_PATIENTS, _X_IN_P):
        for m in rx.finditer(s.text):
            if free(m) and not _HEDGE_BEFORE.search(s.text[:m.start("p")]):
                # "p% of patients" is a share of the article's cohort; "improved X in p% subjects" may be of a subset
                keep(_count(s, m, percent=m.group("p"), measure=_clean_measure(m.group("what")),
                            denom_from_cohort=rx is _P_OF_PATIENTS))
    for m in _RATE_WAS.finditer(s.text):
        if free(m) and not _HEDGE_BEFORE.search(s.text[:m.start("p")]):
            what = re.sub(r"^(?:(?:the|and|,)\s+)+", "", m.group("what").strip(), flags=re.I)
            keep(_count(s, m, percent=m.group("p"), measure=_clean_measure(what)))
    if re.search(r"previously received|prior (?:therapies|treatments)", s.text, re.I):
        for m in _PRIOR.finditer(s.text):
            if free(m):
                what = re.sub(r"^(?:and|or)\s+", "", re.split(r",|such as|including", m.group("what"))[-1].strip())
                keep(_count(s, m, count=int(m.group("k")), denom=int(m.group("n")), measure="prior therapy",
                            category=what))
    return out


# --- medians and ranges -------------------------------------------------------------------------------------
_UNIT = r"(?P<unit>years?|months?|days?|weeks?)"
_MEDIAN = re.compile(
    rf"\bmedian\s+(?P<what>age|follow-up|duration|time to [\w -]+?|[\w -]{{1,30}}?)\s+(?:of|was|is)\s+"
    rf"(?P<v>{_NUM})\s*{_UNIT}?(?:\s*\((?P<lo>{_NUM})\s*-\s*(?P<hi>{_NUM})\s*(?:years?|months?|days?|weeks?)?\))?",
    re.I)
_AGED = re.compile(rf"\baged\s+(?P<lo>\d+)\s+(?:to|-)\s+(?P<hi>\d+)\s+years\b", re.I)


def stats(s: Sentence) -> list[Fact]:
    out = []
    for m in _MEDIAN.finditer(s.text):
        unit = m.group("unit")
        if unit and not unit.endswith("s"):
            unit += "s"
        data = {"measure": m.group("what").strip().lower(), "param": "median", "value": m.group("v")}
        if unit:
            data["unit"] = unit.lower()
        if m.group("lo"):
            data["range"] = [m.group("lo"), m.group("hi")]
        out.append(Fact("stat", s, m.start(), m.end(), data))
    for m in _AGED.finditer(s.text):
        out.append(Fact("stat", s, m.start(), m.end(), {"measure": "age", "param": "range",
                                                        "range": [m.group("lo"), m.group("hi")], "unit": "years"}))
    return out


# --- doses --------------------------------------------------------------------------------------------------
def doses(s: Sentence) -> list[Fact]:
    return [Fact("dose", s, d.start, d.end, {"dose": s.quote(d.start, d.end)}) for d in find_doses(s.text)]


# --- dated events -------------------------------------------------------------------------------------------
_EVENT_WORDS = [
    ("data_cutoff", re.compile(r"\bcut-?off\b|\bas of\b", re.I)),
    ("published", re.compile(r"\bpublished\b|\bpublication\b", re.I)),
    ("presented", re.compile(r"\bpresented\b|\breported at\b", re.I)),
    ("ind", re.compile(r"\bIND\b|investigational new drug", re.I)),
    ("approval", re.compile(r"\bapproved\b", re.I)),
    ("treated", re.compile(r"\bunderwent\b|\breceived\b|\binfused\b|\btreated\b", re.I)),
]
_BETWEEN = re.compile(rf"\benrolled\b[^.]*?\bbetween\s+(?P<a>{_DATE})\s+and\s+(?P<b>{_DATE})", re.I)
_ASH = re.compile(r"\b(?P<n>\d{2})(?:st|nd|rd|th)\s+(?:American Society of Hematology|ASH)\b[^.]*?\bAnnual Meeting",
                  re.I)
_ASH_YEAR = re.compile(r"\b(?P<y>20\d\d)\s+(?:American Society of Hematology|ASH)\b[^.]*?\bAnnual Meeting", re.I)
ASH_FIRST_YEAR = 1958  # the 1st ASH annual meeting was held in 1958; every meeting is in December


def events(s: Sentence) -> list[Fact]:
    out = []
    m = _BETWEEN.search(s.text)
    if m:
        out.append(Fact("event", s, m.start("a"), m.end("a"), {"event_type": "enrolled_first", "date": m.group("a")}))
        out.append(Fact("event", s, m.start("b"), m.end("b"), {"event_type": "enrolled_last", "date": m.group("b")}))
        return out
    for m in (_ASH.search(s.text), _ASH_YEAR.search(s.text)):
        if m and re.search(r"\b(?:reported|presented)\b", s.text, re.I):
            year = ASH_FIRST_YEAR + int(m.group("n")) if "n" in m.groupdict() else int(m.group("y"))
            out.append(Fact("event", s, m.start(), m.end(), {"event_type": "presented", "date": f"December {year}"}))
            return out
    dates = list(DATE_RX.finditer(s.text))
    if len(dates) != 1:
        return out  # none, or several whose roles a regular expression cannot tell apart
    d = dates[0]
    for event_type, rx in _EVENT_WORDS:
        if rx.search(s.text):
            out.append(Fact("event", s, d.start(), d.end(), {"event_type": event_type, "date": d.group()}))
            break
    return out
