"""Counts of participants stated in one sentence: "k of n (p%)", "k patients (p%)", "X in 4/6 patients",
"p% of patients", "the X rate was p%", "no patient developed X", "all patients experienced X".

A count keeps what the sentence says: its count (digits, or the word "All" as written), its percent as
written, and its denominator only when the sentence states it or plainly refers to one:

- `denom`: stated ("10 of 11", "4/6", "all six patients");
- `denom_from_cohort`: a share of the patients the article reports on ("7 patients (58%)", "p% of patients",
  "all patients"); the record fills it only when the article states one cohort size and no other;
- `denom_ref`: "Among these patients, ..." (the cohort of the previous sentence) or "in the total evaluable
  patients" (the cohort stated with that adjective).

Survival rates ("12-month PFS rate was 85.5%") are Kaplan-Meier estimates, not counts: they become stats,
as do hedged shares ("less than 5%"), which become one-sided bounds.
"""

from __future__ import annotations

import re

from trialguard.extract.facts import (_ADJ, _AT, _NOT_HUMAN, _NUM, _NUMW, _WHO, PLAN_OR_GENERAL, Fact,
                                      clean_measure, cohorts, hedge_before, number)
from trialguard.extract.prepare import Sentence

_PCT = rf"\(\s*(?P<p>{_NUM})\s*%\s*\)"
_OUTCOME_VERB = (r"(?:were|was|had|have|developed|showed|showing|achieved|experienced|reached|attained|met|"
                 r"remained|responded|relapsed|died|did not|were able to|required|discontinued)")

_K_OF_N = re.compile(
    rf"{_AT}(?P<k>{_NUMW})\s+of\s+(?:the\s+|these\s+|those\s+|all\s+)?(?P<n>{_NUMW})"
    rf"(?P<who>\s+(?:{_ADJ}\s+)?{_WHO})?(?:\s*{_PCT})?"
    rf"(?:\s+(?:{_OUTCOME_VERB})\s+(?P<what>[^(,.;]+?)\s*(?:\((?P<p2>{_NUM})\s*%\)|(?=[,.;]|$)))?", re.I)
_OF_WHOM = re.compile(rf"\b(?P<n>{_NUMW})\s+{_WHO},\s+(?P<k>{_NUMW})\s+of\s+whom\s+had\s+(?:an?\s+)?"
                      rf"(?P<measure>[\w -]+?)\s+of\s+(?P<cat>{_NUM})", re.I)
_AND_K_HAD = re.compile(rf"\s+and\s+(?:only\s+)?(?P<k>{_NUMW})\s+had\s+(?:an?\s+)?(?P<measure>[\w -]+?)\s+of\s+"
                        rf"(?P<cat>{_NUM})", re.I)
_K_WERE_SEX = re.compile(rf"{_AT}(?P<k>{_NUMW})\s+(?:of them\s+|(?:{_ADJ}\s+)?{_WHO}\s+)?(?:were|was)\s+"
                         r"(?P<what>female|male|women|men)\b", re.I)
_SEX_SPLIT = re.compile(r"\((?P<f>\d+)\s+females?\s+and\s+(?P<m>\d+)\s+males?\)", re.I)
# ratios: "81% (34/42)", "(34/42, 81%)", "in 4/6 patients", "belimumab (5/5)", "(MMF; 5/5)"
_P_RATIO = re.compile(rf"{_AT}(?P<p>{_NUM})\s*%\s*\(\s*(?P<k>\d+)\s*/\s*(?P<n>\d+)\s*\)")
_RATIO_P = re.compile(rf"\(\s*(?P<k>\d+)\s*/\s*(?P<n>\d+)\s*[,;]\s*(?P<p>{_NUM})\s*%\s*\)")
_RATIO_WHO = re.compile(rf"{_AT}(?P<k>\d+)\s*/\s*(?P<n>\d+)\s+(?:{_ADJ}\s+)?{_WHO}\b", re.I)
_RATIO = re.compile(r"(?P<what>[A-Za-z][\w -]{2,60}?)\s*\((?:[A-Za-z]+;\s*)?(?P<k>\d+)/(?P<n>\d+)\)")
_K_PATIENTS_P = re.compile(rf"{_AT}(?P<k>{_NUMW})\s+(?:{_ADJ}\s+)?{_WHO}\s*{_PCT}\s*(?P<what>[^,.;(]*)", re.I)
_K_PATIENTS_DID = re.compile(
    rf"{_AT}(?P<k>{_NUMW})\s+{_WHO}(?:\s+with\s+[\w/-]+(?:\s+[\w/-]+){{0,3}}?)?\s+(?P<verb>experienced|developed|had|"
    r"achieved|showed|showing|reached|attained|responded|relapsed|remained|died|did not|were able to|required|"
    r"discontinued)\s+(?P<what>[^,.;(]+)", re.I)
_AND_K_DID = re.compile(rf",?\s+and\s+(?:only\s+)?(?P<k>{_NUMW})\s+(?:{_WHO}\s+)?(?:experienced|developed|had|"
                        r"achieved|showed|reached|responded|relapsed|died)\s+(?P<what>[^,.;(]+)", re.I)
_ALL_BEFORE = re.compile(r"\ball\s+(?:the\s+|these\s+)?$", re.I)  # "All eight patients ...": a count of all
_OBSERVED_IN_K = re.compile(rf"\b(?:was|were)\s+(?:\w+ly\s+)?(?:observed|reported|seen|noted|documented)\s+in\s+"
                            rf"(?P<k>{_NUMW})\s+(?:{_ADJ}\s+)?{_WHO}\b(?!\s*\()", re.I)
_OCCURRED_IN_K = re.compile(rf"\boccurred\s+in\s+(?P<k>{_NUMW})\s+(?:{_ADJ}\s+)?{_WHO}\b(?:\s*{_PCT})?", re.I)
# zero counts
_NO_PATIENT = re.compile(rf"\b[Nn]o\s+(?:{_WHO})\s+(?:developed|had|experienced|required|showed|died|relapsed)\s+"
                         r"(?P<what>[^,.;(]+)")
_NONE_OBSERVED = re.compile(
    r"\b(?:there\s+(?:were|was)\s+)?[Nn]o\s+(?:cases?\s+of\s+)?(?P<what>[\w/()-]+(?:\s+[\w/()-]+){0,7}?)\s+"
    r"(?:(?:was|were|has been|have been|had been)\s+)?(?:observed|reported|seen|found|noted|occurred|detected)\b")
_NOT_A_COUNT = re.compile(r"\b(?:differences?|correlations?|associations?|signals?|concerns?|trends?|changes?|"
                          r"effects?|impact|interactions?|evidence|data|information|significan\w*|reason|interval|"
                          r"bounds?|power|sensitivity|specificity|accuracy|probability|likelihood)\b", re.I)
# all patients
_ALL_DID = re.compile(
    rf"\b(?P<all>[Aa]ll)\s+(?:of\s+(?:them|the(?:se)?\s+(?:(?P<n1>{_NUMW})\s+)?{_WHO})|(?:the\s+|these\s+)?"
    rf"(?:(?P<n2>{_NUMW})\s+)?(?:{_ADJ}\s+)?{_WHO})\s+(?:have\s+|had\s+)?(?:experienced|had|developed|achieved|"
    r"showed|met|reached|attained|responded|remained|were\s+(?!enrolled|treated|included|infused|dosed|aged|"
    r"diagnosed|given|required|eligible|assessed|evaluated|followed|randomi)\w+)\s+(?P<what>[^,.;(]+)")
_REPORTED_IN_ALL = re.compile(
    rf"\b(?:(?:was|were)\s+(?:\w+ly\s+)?(?:reported|observed|seen|noted|achieved|documented)|improved|occurred|"
    rf"resolved)\s+(?:in|by|for)\s+"
    rf"(?P<all>all)\s+(?:(?P<n2>{_NUMW})\s+)?(?:the\s+)?(?:{_ADJ}\s+)?{_WHO}\b", re.I)
# percentages with their measure
_P_OF_PATIENTS = re.compile(rf"(?<![-\d.])(?P<p>{_NUM})%\s+of\s+(?:the\s+)?(?:{_ADJ}\s+)?{_WHO}\s+"
                            rf"(?P<what>(?:{_OUTCOME_VERB}|could|continued|maintained|reported|\w+ing)\b[^,.;(]*)", re.I)
_IN_P_OF_PATIENTS = re.compile(rf"\bin\s+(?P<p>{_NUM})%\s+of\s+(?:the\s+)?(?:{_ADJ}\s+)?{_WHO}\b", re.I)
_X_IN_P = re.compile(rf"(?P<what>improved [a-z ]+?)\s+in\s+(?P<p>{_NUM})%\s+(?:of\s+)?(?:the\s+)?{_WHO}", re.I)
_RATE_WAS = re.compile(rf"(?P<what>\b(?:the\s+)?[A-Za-z][\w/ -]{{2,60}}?(?:\s*\([\w/]+\))?)\s+(?:rate\s+)?"
                       rf"(?:was|reached|is|of)\s+(?:(?:less|fewer|more) than\s+|under\s+|over\s+|below\s+|above\s+|"
                       rf"at least\s+)?(?P<p>{_NUM})%", re.I)
_RATE_WORD = re.compile(r"\brate\b|\bresponse\b|\bORR\b|\bs?CR\b|proportion|percentage|negativity|remission",
                        re.I)
_SURVIVAL = re.compile(r"\bsurvival\b|\b(?:PFS|OS|EFS|DFS|RFS)\b", re.I)
_AMONG = re.compile(rf"^(?:Among|Of|In)\s+(?:these|those|them|the\s+(?P<n>{_NUMW}))(?:\s+(?:{_ADJ}\s+)?{_WHO})?,",
                    re.I)
_IN_NAMED = re.compile(rf"\s*(?:in|among)\s+the\s+(?:total\s+|overall\s+|whole\s+)?(?P<label>{_ADJ})\s+{_WHO}\b",
                       re.I)
_LESS = re.compile(r"less than|fewer than|under|below|<|<=", re.I)
_MORE = re.compile(r"more than|over|above|at least|>|>=", re.I)
_CLAUSE_START = re.compile(r".*[,;:(]\s*|^", re.S)
_VERB_TAIL = re.compile(r"(?:^|\s+)(?:(?:was|were|could(?:\s+still)?\s+be|has been|have been|had been)\s+)?(?:\w+ly\s+)?"
                        r"(?:observed|reported|seen|noted|occurred|detected|achieved|documented|found)?\s*"
                        r"(?:in|by|among)?\s*$", re.I)


def _measure_before(text: str, pos: int) -> str:
    """The measure named in the clause before `pos` ("Cytokine release syndrome occurred in | 31 patients")."""
    before = text[:pos]
    start = _CLAUSE_START.match(before).end()
    what = _VERB_TAIL.sub("", before[start:])
    what = re.sub(r"^(?:and|or|with|while|whereas)\s+", "", what.strip(), flags=re.I)
    what = clean_measure(what)
    return "" if re.fullmatch(r"(?:in|among|of|for|at|the|and|or|with|\W*)", what, re.I) else what


def _measure_after(text: str, pos: int) -> str:
    """The clause after a leading count ("In 51 of the 56 patients, | increased values were measured")."""
    m = re.match(r",\s*([^,.;]+)", text[pos:])
    return clean_measure(m.group(1)) if m else ""


_SEX = {"female": "female", "females": "female", "women": "female", "male": "male", "males": "male",
        "men": "male"}


def _measure_category(what: str) -> tuple[str, str | None]:
    w = what.strip().lower()
    if w in _SEX:
        return "sex", _SEX[w]
    return clean_measure(what), None


def _end(m: re.Match, what: str) -> int:
    """Where the words read end: a clause's measure is cut at its first "and"/"but", so is the span."""
    return m.start("what") + len(what) if what and m.group("what").startswith(what) else m.end()


def _count(s: Sentence, a: int, b: int, **data) -> Fact:
    return Fact("count", s, a, b, {k: v for k, v in data.items() if v is not None})


def _rate_stat(s: Sentence, a: int, b: int, measure: str, p: str, hedge: str | None) -> Fact | None:
    data = {"measure": measure, "param": "rate", "unit": "%"}
    if hedge is None:
        data["value"] = p
    elif _LESS.fullmatch(hedge):
        data["upper"] = p
    elif _MORE.fullmatch(hedge):
        data["lower"] = p
    else:
        return None  # "about 5%": not a bound
    tf = re.search(r"\b(\d+)-(month|year|week|day)\b", measure, re.I)
    if tf:
        data["time_frame"] = f"{tf.group(1)} {tf.group(2).lower()}s"
    return Fact("stat", s, a, b, data)


class _Taken:
    """Spans of the sentence already read, so that two finders never read the same words."""

    def __init__(self):
        self.spans: list[tuple[int, int]] = []
        self.facts: list[Fact] = []

    def free(self, a: int, b: int) -> bool:
        return not any(a < e and s < b for s, e in self.spans)

    def keep(self, f: Fact | None, a: int | None = None, b: int | None = None) -> None:
        if f is None:
            return
        self.facts.append(f)
        self.spans.append((f.a if a is None else a, f.b if b is None else b))


def counts(s: Sentence) -> list[Fact]:
    if _NOT_HUMAN.search(s.text) or PLAN_OR_GENERAL.search(s.text):
        return []
    t = s.text
    out = _Taken()
    for f in cohorts(s):  # "12 subjects received ...", "observed in 103 evaluable patients" state sizes, not counts
        if f.kind == "cohort":
            out.spans.append((f.a, f.b))
    _categorical(s, out)
    _ratios(s, out)
    _k_patients(s, out)
    _zeros(s, out)
    _all_patients(s, out)
    _percentages(s, out)
    among = _AMONG.match(t)
    if among:  # "Among these patients, the ORR was 96.1%": the shares are of the cohort just named
        for f in out.facts:
            if f.kind == "count" and "denom" not in f.data and "count" not in f.data:
                f.data.pop("denom_from_cohort", None)
                if among.group("n"):
                    f.data["denom"] = number(among.group("n"))
                else:
                    f.data["denom_ref"] = "previous"
    return out.facts


def _categorical(s: Sentence, out: _Taken) -> None:
    t = s.text
    for m in _OF_WHOM.finditer(t):
        n, measure = number(m.group("n")), clean_measure(m.group("measure"))
        out.keep(_count(s, m.start(), m.end(), count=number(m.group("k")), denom=n, measure=measure,
                        category=m.group("cat"), exclusive=True))
        pos = m.end()
        while (m2 := _AND_K_HAD.match(t, pos)) and clean_measure(m2.group("measure")) == measure:
            out.keep(_count(s, m2.start(), m2.end(), count=number(m2.group("k")), denom=n, measure=measure,
                            category=m2.group("cat"), exclusive=True))
            pos = m2.end()
    for m in _K_OF_N.finditer(t):
        if not out.free(m.start(), m.end()) or hedge_before(t, m.start()):
            continue
        k, n = number(m.group("k")), number(m.group("n"))
        p = m.group("p") or m.group("p2")
        if k > n or not (m.group("who") or m.group("what")):
            continue
        if m.group("what"):
            measure, category = _measure_category(m.group("what"))
        else:  # "Tumor shrinkage was seen in 3 of 9 patients", "In 51 of the 56 patients, X was measured"
            measure, category = _measure_before(t, m.start()) or _measure_after(t, m.end()), None
        if not measure:
            continue
        out.keep(_count(s, m.start(), m.end(), count=k, denom=n, percent=p, measure=measure, category=category,
                        exclusive=True if category else None))
    for m in _K_WERE_SEX.finditer(t):  # "..., and 5 were female", "All four patients were women"
        if out.free(m.start(), m.end()) and not hedge_before(t, m.start()):
            measure, category = _measure_category(m.group("what"))
            k = number(m.group("k"))
            every = _ALL_BEFORE.search(t[:m.start()])
            out.keep(_count(s, m.start(), m.end(), count=k, denom=k if every else None, measure=measure,
                            category=category, exclusive=True, denom_from_cohort=not every))
    for m in _SEX_SPLIT.finditer(t):
        if out.free(m.start(), m.end()):
            for cat, g in (("female", "f"), ("male", "m")):
                out.keep(_count(s, m.start(g), m.end(g), count=int(m.group(g)), measure="sex", category=cat,
                                exclusive=True, exhaustive=True, denom_from_cohort=True), m.start(), m.end())


def _ratios(s: Sentence, out: _Taken) -> None:
    t = s.text
    for rx in (_P_RATIO, _RATIO_P, _RATIO_WHO):
        for m in rx.finditer(t):
            k, n = int(m.group("k")), int(m.group("n"))
            if not out.free(m.start(), m.end()) or k > n or n < 2:
                continue
            measure = _measure_before(t, m.start())
            measure = re.sub(r"\s+(?:rate\s+)?(?:was|is|of|reached)$", "", measure)
            if not measure:
                continue
            p = m.groupdict().get("p")
            out.keep(_count(s, m.start(), m.end(), count=k, denom=n, percent=p, measure=measure))
    prior = re.search(r"previously received|prior (?:therapies|treatments|lines)", t, re.I)
    for m in _RATIO.finditer(t):
        k, n = int(m.group("k")), int(m.group("n"))
        if not out.free(m.start("k"), m.end()) or k > n or n < 2:
            continue
        what = re.sub(r"^(?:and|or)\s+", "", re.split(r",|such as|including", m.group("what"))[-1].strip())
        if re.search(r"\b(?:grade|phase|stage|type)$", what, re.I) or not what:
            continue
        if prior:
            out.keep(_count(s, m.start(), m.end(), count=k, denom=n, measure="prior therapy", category=what))
        else:
            out.keep(_count(s, m.start(), m.end(), count=k, denom=n, measure=clean_measure(what)))


def _k_patients(s: Sentence, out: _Taken) -> None:
    t = s.text
    for m in _K_PATIENTS_P.finditer(t):
        if not out.free(m.start(), m.end()) or hedge_before(t, m.start()):
            continue
        what = clean_measure(m.group("what")) or _measure_before(t, m.start())
        if what:
            out.keep(_count(s, m.start(), m.end(), count=number(m.group("k")), percent=m.group("p"),
                            measure=what, denom_from_cohort=True))
    for m in _OCCURRED_IN_K.finditer(t):
        if out.free(m.start(), m.end()) and not hedge_before(t, m.start("k")):
            what = _measure_before(t, m.start())
            if what:
                out.keep(_count(s, m.start(), m.end(), count=number(m.group("k")), percent=m.group("p"),
                                measure=what, denom_from_cohort=True))
    for m in _OBSERVED_IN_K.finditer(t):
        if out.free(m.start(), m.end()) and not hedge_before(t, m.start("k")):
            what = _measure_before(t, m.start())
            if what:
                out.keep(_count(s, m.start(), m.end(), count=number(m.group("k")), measure=what,
                                denom_from_cohort=True))
    for m in _K_PATIENTS_DID.finditer(t):
        if not out.free(m.start(), m.end()) or hedge_before(t, m.start()) or _ALL_BEFORE.search(t[:m.start()]):
            continue
        what = clean_measure(m.group("what"))
        if m.group("verb").lower() == "did not":
            what = "did not " + what
        if not what:
            continue
        end = _end(m, clean_measure(m.group("what")))
        out.keep(_count(s, m.start(), end, count=number(m.group("k")), measure=what, denom_from_cohort=True))
        # "..., and 3 developed fever": the same patients
        m2 = _AND_K_DID.match(t, end)
        if m2 and out.free(m2.start(), m2.end()):
            out.keep(_count(s, m2.start("k"), m2.end(), count=number(m2.group("k")),
                            measure=clean_measure(m2.group("what")), denom_from_cohort=True))


def _zeros(s: Sentence, out: _Taken) -> None:
    t = s.text
    for rx in (_NO_PATIENT, _NONE_OBSERVED):
        for m in rx.finditer(t):
            what = clean_measure(m.group("what"))
            if not out.free(m.start(), m.end()) or not what or _NOT_A_COUNT.search(what):
                continue
            out.keep(_count(s, m.start(), m.end() if rx is _NONE_OBSERVED else _end(m, what), count=0, measure=what,
                            denom_from_cohort=True))


def _all_patients(s: Sentence, out: _Taken) -> None:
    t = s.text
    for rx in (_ALL_DID, _REPORTED_IN_ALL):
        for m in rx.finditer(t):
            what = m.groupdict().get("what")
            end = _end(m, clean_measure(what)) if what else m.end()
            what = clean_measure(what) if what else _measure_before(t, m.start())
            if not what or not out.free(m.start(), end):
                continue
            n = m.groupdict().get("n1") or m.group("n2")
            if n:
                out.keep(_count(s, m.start(), end, count=number(n), denom=number(n), measure=what))
            else:
                out.keep(_count(s, m.start(), end, count=m.group("all"), measure=what, denom_from_cohort=True,
                                all_of_cohort=True))


def _percentages(s: Sentence, out: _Taken) -> None:
    t = s.text
    for m in _P_OF_PATIENTS.finditer(t):
        if out.free(m.start(), m.end()):
            _share(s, out, m, clean_measure(m.group("what")), denom_from_cohort=True)
    for m in _IN_P_OF_PATIENTS.finditer(t):
        if out.free(m.start(), m.end()):
            _share(s, out, m, _measure_before(t, m.start()), denom_from_cohort=True)
    for m in _X_IN_P.finditer(t):
        # "improved X in 50% subjects": of which subjects is not said
        if out.free(m.start(), m.end()):
            _share(s, out, m, clean_measure(m.group("what")), denom_from_cohort=False)
    for m in _RATE_WAS.finditer(t):
        if not out.free(m.start(), m.end()):
            continue
        what = re.sub(r"^(?:(?:the|and|,)\s+)+", "", m.group("what").strip(), flags=re.I)
        if not _RATE_WORD.search(what) and not _SURVIVAL.search(what):
            continue
        _share(s, out, m, clean_measure(what), denom_from_cohort=False)


def _share(s: Sentence, out: _Taken, m: re.Match, measure: str, denom_from_cohort: bool) -> None:
    """A percentage of patients: a count, or a stat when it is a survival estimate or a hedged bound."""
    clause = s.text[_CLAUSE_START.match(s.text[:m.start()]).end():m.end()]
    if not measure or _NOT_A_COUNT.search(measure) or _NOT_A_COUNT.search(clause):
        return  # "the lower bound of the 95% confidence interval of the proportion ... was 35%"
    hedge = hedge_before(s.text, m.start("p"))
    if hedge or _SURVIVAL.search(measure):
        out.keep(_rate_stat(s, m.start(), m.end(), measure, m.group("p"), hedge), m.start(), m.end())
        return
    data = {"percent": m.group("p"), "measure": measure}
    named = _IN_NAMED.match(s.text, m.end())
    if named:  # "94.2% in the total evaluable patients"
        data["denom_ref"] = "label:" + named.group("label").lower()
    elif denom_from_cohort:
        data["denom_from_cohort"] = True
    out.keep(_count(s, m.start(), m.end(), **data))
