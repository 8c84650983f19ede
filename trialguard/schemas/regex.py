"""Regular expressions that accept exactly the strings the TG1xx text checks accept (or, for `*_failing`, reject).

Tools that only speak regex (Great Expectations' `expect_column_values_to_match_regex`) can then run trialguard's
text checks natively. "Exactly" includes Unicode: Python's `str.upper`, `str.strip`, `str.isalpha`, `\\d` and
`int`/`Decimal` on non-ASCII digits all have regex counterparts built here from the running interpreter's Unicode
tables (`tests/test_schema_regex.py` checks every code point and random strings against the Python predicates).
All patterns use `\\A...\\Z` (a `$` would also match before a trailing newline) and DOTALL; pandas runs them with
Python's `re` because they contain `\\s`.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

from trialguard.numbers import NOT_AVAILABLE

_ALNUM = re.compile(r"[A-Z0-9]")


def _chars():
    return (chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i < 0xE000)


def _klass(chars, negate: bool = False) -> str:
    """A character class of `chars`, as ranges of code points."""
    points = sorted({ord(c) for c in chars})
    parts, i = [], 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        lo, hi = chr(points[i]), chr(points[j])
        parts.append(re.escape(lo) if i == j else f"{re.escape(lo)}-{re.escape(hi)}")
        i = j + 1
    return f"[{'^' if negate else ''}{''.join(parts)}]"


@functools.lru_cache(maxsize=None)
def _unicode_tables() -> dict:
    """One pass over Unicode: decimal digits by value, letters (isalpha), upper-case images of characters."""
    digits: dict[int, list[str]] = {k: [] for k in range(10)}
    alpha, upper = [], {}
    for c in _chars():
        if c.isalpha():
            alpha.append(c)
        if c.isdecimal():  # what `\d` matches in a str pattern
            digits[unicodedata.decimal(c)].append(c)
        u = c.upper()
        if u != c or c.isascii():
            upper[c] = u
    return {"digits": digits, "alpha": alpha, "upper": upper}


def digit(*values: int) -> str:
    """A decimal digit (any script, as `\\d` and `int` read them) whose value is one of `values`."""
    t = _unicode_tables()["digits"]
    return _klass([c for v in values for c in t[v]])


@functools.lru_cache(maxsize=None)
def _alpha() -> str:
    return _klass(_unicode_tables()["alpha"])


# -- numbers as text (trialguard.numbers._clean / parse_decimal) -------------------------------------------------

_SIGN_NEG = "[\\-\u2212]"
_INT = r"(?:\d{1,3}(?:,\d{3})+|\d+)"
_BODY = rf"(?:{_INT}(?:\.\d+)?|\.\d+)"  # the written number, with at least one digit
_TAIL = r"(?:\s*%)?\s*"  # an optional per-cent sign, then the end


def _na_markers() -> str:
    """Not-available markers without letters (those with letters are readable text anyway), as written in any
    case: a character whose upper-case image is the marker."""
    marks = sorted((m for m in NOT_AVAILABLE if m and not any(ch.isalpha() for ch in m)), key=len, reverse=True)
    alts = []
    for m in marks:
        alts.append("".join(_klass([c for c, u in _unicode_tables()["upper"].items() if u == ch] + [ch])
                            for ch in m))
    return "(?:" + "|".join(alts) + ")"


@functools.lru_cache(maxsize=None)
def readable_number() -> str:
    """`trialguard.schemas.checks.readable_number`: blank or a not-available marker, any text with a letter,
    or a number after an optional bound sign ("<5", ">= 30", "~40%")."""
    inexact = "[<>~\u2248\u2264\u2265]=?"
    return (rf"(?s)\A(?:\s*{_na_markers()}?\s*|.*{_alpha()}.*"
            rf"|\s*(?:{inexact}\s*)?[+\-\u2212]?{_BODY}{_TAIL})\Z")


def _gt_100_three(one: str, zero: str, nonzero: str, any_digit: str) -> str:
    """Three significant digits, value 101..999."""
    return f"(?:{one}(?:{nonzero}{any_digit}|{zero}{nonzero})|{digit(2, 3, 4, 5, 6, 7, 8, 9)}{any_digit}{any_digit})"


@functools.lru_cache(maxsize=None)
def percent_outside_0_100() -> str:
    """Strings that `parse_decimal` reads as a number below 0 or above 100 (the failures of
    `percent_in_range`; text that is not a number passes it)."""
    z, o, nz, d = digit(0), digit(1), digit(1, 2, 3, 4, 5, 6, 7, 8, 9), r"\d"
    frac_nonzero = rf"\.\d*{nz}\d*"
    negative = rf"{_SIGN_NEG}(?=[\d,.]*{nz}){_BODY}"
    gt3 = _gt_100_three(o, z, nz, d)
    plain = rf"{z}*(?:{nz}\d{{3,}}|{gt3})(?:\.\d+)?|{z}*{o}{z}{z}{frac_nonzero}"
    # thousands groups: above 100 when a group before the last has a non-zero digit, or the last group does
    zeros_lead = rf"{z}{{1,3}}(?:,{z}{z}{z})*"
    grouped = (rf"(?:(?=\d{{0,2}}{nz})\d{{1,3}}(?:,\d{{3}})*|{zeros_lead},(?=\d{{0,2}}{nz})\d{{3}}(?:,\d{{3}})*)"
               rf",\d{{3}}(?:\.\d+)?"
               rf"|{zeros_lead},{gt3}(?:\.\d+)?|{zeros_lead},{o}{z}{z}{frac_nonzero}")
    above = rf"\+?(?:{grouped}|{plain})"
    return rf"(?s)\A\s*(?:{negative}|{above}){_TAIL}\Z"


# -- dates (trialguard.schemas.checks._valid_partial_date) --------------------------------------------------------

@functools.lru_cache(maxsize=None)
def partial_date() -> str:
    """Blank, a year 1800..2200, YYYY-MM with a month 01..12, or a real calendar day YYYY-MM-DD (year >= 1)."""
    D = digit
    year_only = f"(?:{D(1)}{D(8, 9)}\\d\\d|{D(2)}{D(0, 1)}\\d\\d|{D(2)}{D(2)}{D(0)}{D(0)})"
    month = f"(?:{D(0)}{D(1, 2, 3, 4, 5, 6, 7, 8, 9)}|{D(1)}{D(0, 1, 2)})"
    year = f"(?!{D(0)}{{4}})\\d{{4}}"
    # two digits divisible by 4 (00 included)
    by4 = f"(?:{D(0, 2, 4, 6, 8)}{D(0, 4, 8)}|{D(1, 3, 5, 7, 9)}{D(2, 6)})"
    leap = f"(?:\\d\\d(?!{D(0)}{D(0)}){by4}|(?!{D(0)}{D(0)}){by4}{D(0)}{D(0)})"
    day28 = f"(?:{D(0)}{D(1, 2, 3, 4, 5, 6, 7, 8, 9)}|{D(1)}\\d|{D(2)}{D(0, 1, 2, 3, 4, 5, 6, 7, 8)})"
    m31 = f"(?:{D(0)}{D(1, 3, 5, 7, 8)}|{D(1)}{D(0, 2)})"
    m30 = f"(?:{D(0)}{D(4, 6, 9)}|{D(1)}{D(1)})"
    feb = f"{D(0)}{D(2)}"
    day = (f"(?:{year}-(?:{m31}-(?:{day28}|{D(2)}{D(9)}|{D(3)}{D(0, 1)})|{m30}-(?:{day28}|{D(2)}{D(9)}|{D(3)}{D(0)})"
           f"|{feb}-{day28})|{leap}-{feb}-{D(2)}{D(9)})")
    return f"(?s)\\A\\s*(?:{year_only}|\\d{{4}}-{month}|{day})?\\s*\\Z"


# -- NCT ids (trialguard.schemas.checks.trial_id) ------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def nct_id_failing() -> str:
    """Ids that start with NCT in any case (after upper-casing, as the check does) but are not NCT + 8 digits."""
    upper = _unicode_tables()["upper"]
    for c, u in upper.items():  # a character that upper-cases to several letters would need more than a class
        if len(u) > 1 and u[0] in "NC" and len(c) == 1 and _ALNUM.match(u[0]):
            raise NotImplementedError(f"{c!r} upper-cases to {u!r}")
    n = _klass([c for c, u in upper.items() if u == "N"])
    c_ = _klass([c for c, u in upper.items() if u == "C"])
    t = _klass([c for c, u in upper.items() if u[:1] == "T"])
    return f"(?s)\\A\\s*(?!NCT\\d{{8}}\\s*\\Z){n}{c_}{t}"


# -- vocabularies (trialguard.schemas.checks._norm_token) --------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _token_images() -> dict[str, str]:
    """Each character's contribution to a normalized token: its upper-case image with every character outside
    A-Z0-9 written "_" (runs of "_" collapse, so "__" acts as "_"). Only characters that are not pure
    separators are listed."""
    out = {}
    for c, u in _unicode_tables()["upper"].items():
        img = "".join(x if _ALNUM.match(x) else "_" for x in u)
        if img.strip("_"):
            out[c] = re.sub("_+", "_", img)
    return out


def _token_nfa(token: str) -> list[tuple[bool, str | None]]:
    """States of `_* w1 _+ w2 ... _+ wk _*` over token images: (loops on "_", symbol to the next state)."""
    states: list[tuple[bool, str | None]] = []
    words = token.split("_")
    loop = True
    for i, w in enumerate(words):
        for ch in w:
            states.append((loop, ch))
            loop = False
        if i < len(words) - 1:
            states.append((False, "_"))
            loop = True
    states.append((True, None))  # accepting
    return states


def _advance(nfa, q: int, image: str) -> set[int]:
    current = {q}
    for sym in image:
        nxt = set()
        for s in current:
            loops, fwd = nfa[s]
            if loops and sym == "_":
                nxt.add(s)
            if fwd == sym:
                nxt.add(s + 1)
        current = nxt
    return current


def _token_regex(token: str) -> str:
    """Strings whose normalized token is `token` (a path through the token NFA, character by character)."""
    images = _token_images()
    distinct: dict[str, list[str]] = {}
    for c, img in images.items():
        distinct.setdefault(img, []).append(c)
    separator = _klass(images, negate=True)  # everything else upper-cases to separators only
    nfa = _token_nfa(token)

    @functools.lru_cache(maxsize=None)
    def from_state(q: int) -> str:
        loops, _ = nfa[q]
        self_loop, edges = [], {}
        for img, chars in distinct.items():
            for t in _advance(nfa, q, img):
                (self_loop if t == q else edges.setdefault(t, [])).extend(chars)
        if loops:
            self_loop = [separator] + ([_klass(self_loop)] if self_loop else [])
        elif self_loop:
            self_loop = [_klass(self_loop)]
        alts = []
        sep_next = q + 1 < len(nfa) and nfa[q][1] == "_"
        for t in sorted(edges):
            alts.append(f"{_klass(edges[t])}{from_state(t)}")
        if sep_next:  # a plain separator character moves on to the separator run
            alts.append(f"{separator}{from_state(q + 1)}")
        if nfa[q][1] is None:
            alts.append("")
        head = f"(?:{'|'.join(self_loop)})*" if self_loop else ""
        return head + ("(?:" + "|".join(alts) + ")" if len(alts) > 1 else alts[0] if alts else "(?!)")

    return from_state(0)


@functools.lru_cache(maxsize=None)
def vocabulary(values: frozenset[str], normalize: bool = True) -> str:
    """Blank, or a value of `values` (normalized as `_norm_token` does: upper case, runs of other characters
    as one "_", trimmed), or exactly a value when not normalized."""
    ordered = sorted(values)
    alts = [_token_regex(v) for v in ordered] if normalize else [re.escape(v) for v in ordered]
    return "(?s)\\A(?:\\s*|" + "|".join(alts) + ")\\Z"
