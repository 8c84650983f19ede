"""The regex forms of the TG1xx text checks accept exactly what the Python checks accept.

Compared value by value on: every code point of the Basic Multilingual Plane alone and inside a few templates
(so that case mapping, whitespace, digits of every script and letters are all exercised), hand-picked edge cases,
and random strings from hypothesis. The regex is applied as Great Expectations applies it with pandas
(`re.search`, which `Series.str.contains` uses).
"""

import re
import sys
import unicodedata

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialguard.schemas import checks as ck
from trialguard.schemas import regex as rx
from trialguard.schemas.tables import AE_KIND, DATE_TYPE, FLOW_KIND, SOURCE_KIND, STATUS, STUDY_TYPE

VOCABS = [STATUS, STUDY_TYPE, DATE_TYPE, SOURCE_KIND, FLOW_KIND, AE_KIND]


def _date_ok(v):
    return ck._valid_partial_date(v)


CASES = {
    "number_text": (ck.readable_number, rx.readable_number, True),
    "percent": (ck.percent_ok, rx.percent_outside_0_100, False),
    "date": (_date_ok, rx.partial_date, True),
    "nct": (ck.valid_trial_id, rx.nct_id_failing, False),
}


def _agree(name, values):
    fn, pattern, accepting = CASES[name]
    p = re.compile(pattern())
    bad = [v for v in values if fn(v) != ((p.search(v) is not None) == accepting)]
    return bad[:20]


def _bmp():
    return [chr(i) for i in range(0x10000) if not 0xD800 <= i < 0xE000]


_ODD = ["ß", "ŉ", "ǰ", "ẗ", "ﬆ", "ﬁ", "ı", "ſ", "\u212a", "\u0345", "\u2212", "\u00a0", "\u2028", "\x1c", "\n"]
_DIGITS = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isdecimal()]


@pytest.fixture(scope="module")
def bmp():
    return _bmp()


@pytest.fixture(scope="module")
def chars():
    """Latin, Greek and Cyrillic, every decimal digit and white space, and every character whose upper case
    differs from it in a way that matters (ligatures, dotless i, long s): the characters the checks treat
    specially. The whole plane is covered by the single-character cases."""
    special = [c for c in _bmp() if c.isspace() or (c.upper() != c and re.search("[A-Z0-9]", c.upper()))]
    return sorted(set([chr(i) for i in range(0x500)] + _ODD + _DIGITS + special))


@pytest.mark.parametrize("template", ["1{}2", "{}5", "5{}", "<{}3", "1,{}00", "10{}%", "-{}1", "{}0.5"])
def test_number_text_characters(chars, template):
    assert _agree("number_text", [template.format(c) for c in chars]) == []


@pytest.mark.parametrize("template", ["10{}", "{}101", "1{}1", "-{}", "{}00", "100.{}", "1,{}00", "0,{}01"])
def test_percent_characters(chars, template):
    assert _agree("percent", [template.format(c) for c in chars]) == []


@pytest.mark.parametrize("template", ["202{}", "2020-0{}", "2020-02-2{}", "{}020-01-01", "2024-02-29{}"])
def test_date_characters(chars, template):
    assert _agree("date", [template.format(c) for c in chars]) == []


@pytest.mark.parametrize("template", ["{}CT01234567", "N{}T01234567", "NC{}01234567", "NCT0123456{}", " {}ct"])
def test_nct_characters(chars, template):
    assert _agree("nct", [template.format(c) for c in chars]) == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_single_character(bmp, name):
    assert _agree(name, bmp) == []


@pytest.mark.parametrize("vocab", VOCABS, ids=lambda v: sorted(v)[0])
def test_vocabulary_characters(bmp, chars, vocab):
    p = re.compile(rx.vocabulary(vocab))
    values = sorted(vocab)
    inputs = list(bmp)
    for v in values[:4]:
        w = v.replace("_", " ")
        inputs += [w[:2] + c + w[2:] for c in chars] + [w + c for c in chars] + [c + w for c in chars]
    inputs += [v.lower().replace("_", s) for v in values for s in (" ", ", ", "-", "__", "\u00a0", "ŉ"[:0])]
    bad = [x for x in inputs if ck.in_vocabulary(x, vocab) != (p.search(x) is not None)]
    assert bad[:20] == []


def test_vocabulary_ligatures_and_case_mapping():
    vocab = STATUS | STUDY_TYPE | DATE_TYPE
    for text, ok in [("expanded acceß", True), ("ACTIVEŉOT RECRUITING", True), ("not yeẗ recruiting", True),
                     ("eﬆimated", True), ("ACTUAL", True), ("actuaı", False), ("recruıting", True), ("ACTUAK", False)]:
        assert ck.in_vocabulary(text, vocab) is ok, text
        assert (re.search(rx.vocabulary(vocab), text) is not None) is ok, text


def test_digits_of_every_script_are_read_like_python():
    assert _agree("date", [f"{d}{d}{d}{d}" for d in _DIGITS]) == []
    ones = [c for c in _DIGITS if unicodedata.decimal(c) == 1]
    assert _agree("percent", [f"{o}01" for o in ones] + [f"-{o}" for o in ones]) == []


EDGES = {
    "number_text": ["", " ", "NA", "n/a", "-", "--", "—", ".", "12..5", "1,23", "4 5", "1,234.5", "12 %", "%", "<",
                    "<=5", "≥ 3.5%", "~ 40", "approximately 20", "\u221212", "+3", "3\n", "1.", ".5", "٣٤", "½"],
    "percent": ["0", "100", "100.0", "100.00001", "-0", "-0.0", "-0.001", "−1", "101", "0101", "00100", "1,000",
                "0,100", "0,101", "000,000,100.1", "0,001,000", "99.99", "100 %", " 130% ", "abc", "1e3", "+100.5"],
    "date": ["2020", "1799", "1800", "2200", "2201", "0000-01", "0000-01-01", "0004-02-29", "1900-02-29",
             "2000-02-29", "2023-02-29", "2021-04-31", "2021-12-31", "2021-13", "2021-00", "2021-1-1", " 2020 ",
             "2020-01-01\n", "June 2003"],
    "nct": ["NCT01234567", " NCT01234567 ", "nct01234567", "NCT0123456", "NCT012345678", "NCTX", "ChiCTR20",
            "NCT01234567\n", "NCT0123456٧"],
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edge_cases(name):
    assert _agree(name, EDGES[name]) == []


_text = st.text(alphabet=st.sampled_from(list("0123456789,.-+% <>=~NCTnct\u2212\u00a0ß-_abAZ") + _ODD + _DIGITS[:40]),
                max_size=14)


@settings(max_examples=400, deadline=None)
@given(_text)
def test_random_strings(s):
    for name in CASES:
        assert _agree(name, [s]) == [], name
    for vocab in VOCABS:
        assert ck.in_vocabulary(s, vocab) == (re.search(rx.vocabulary(vocab), s) is not None)


def test_pandas_string_matching_is_python_re():
    """GX calls `column.astype(str).str.contains(regex)`; on Arrow-backed strings pandas must not hand these
    patterns to RE2 (whose \\d and \\s are ASCII-only)."""
    s = pd.Series(["٣٤", "12\u00a0%", "NCT0123456٧", "2020-02-2٩"], dtype="str")
    assert s.astype(str).str.contains(rx.readable_number()).tolist() == [True, True, True, False]
    assert s.astype(str).str.contains(rx.nct_id_failing()).tolist() == [False, False, False, False]
    assert s.astype(str).str.contains(rx.partial_date()).tolist() == [False, False, False, True]
