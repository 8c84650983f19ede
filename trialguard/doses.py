"""Dose text -> (lo, hi, unit, basis, population, flags), exactly, with the span it was read from.

Forms read: "300 mg", "300 milligram (mg)", "25- 50mg", "30 mg to 60 mg", "5-mg", "0.5 g/kg", "75 mg/m2",
"1×10^6 cells/kg", "1 x 10(6)", "1e6", "10^6", "0.5–1.0×10⁶ CAR+ T cells/kg", "20,000 units", "1500 IU".
"80 mg/40 mg" holds two doses: `find_doses` returns both, `parse_dose` the first, flagged `compound`.

Numbers are parsed exactly (`Decimal`) from the text; `lo`/`hi` floats are made only for the table.

Lost superscripts. Text copied from a web page often loses the superscript of an exponent: "0.5×10⁶" becomes
"0.5×106". When a count-like dose (cells, vector genomes, ...) is written "m×10d", both readings are made:
literal m×(10d) and exponent m×10^d. The reading inside the plausibility band for the dose's unit and basis
wins. If only the exponent reading is plausible the dose is flagged `exponent_recovered`; if both or neither
are, it is flagged `exponent_ambiguous` (the exponent reading is kept). Mass, volume and activity doses are
never written in scientific notation in practice, so "2 x 100 mg" is read literally (two times 100 mg).

Superscript digits are mapped to "^digits" BEFORE Unicode normalisation: NFKC folds "⁶" into "6", which would
turn 10⁶ into 106 and manufacture the very ambiguity above.

Plausibility bands (in the base unit of the dimension; inclusive). They are deliberately wide: a dose
outside them is almost certainly a typo or a unit slip, not an unusual protocol.

    count (cells, vg, PFU)  per_kg  1e4 .. 1e9     (CAR-T: 1e5 .. 1e7 cells/kg)
                            per_m2  1e5 .. 1e10
                            flat    1e6 .. 1e11    (CAR-T: 5e7 .. 1e9 cells)
    mass (mg)               per_kg  1e-4 .. 2e3    (0.1 µg/kg .. 2 g/kg)
                            per_m2  1e-2 .. 2e4    (10 µg/m2 .. 20 g/m2)
                            flat    1e-4 .. 1e5    (0.1 µg .. 100 g)
    volume (mL)             flat    1e-2 .. 5e3
    activity (IU, units)    per_kg  1e-2 .. 1e6
                            flat    1e-1 .. 1e8
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from trialguard.textmap import MappedText

SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8",
                "⁹": "9", "⁻": "-", "⁺": "+"}
_SUPER_RUN = re.compile("[" + "".join(SUPERSCRIPTS) + "]+")

# Characters folded after superscripts are spelled out: multiplication signs, dashes, micro signs, spaces.
_FOLD = {"×": "x", "✕": "x", "⨯": "x", "·": "x", "∙": "x", "–": "-", "—": "-", "‑": "-", "‐": "-", "−": "-",
         "µ": "u", "μ": "u", "\u00a0": " ", "\u2009": " ", "\u202f": " "}

# Canonical unit -> (dimension, factor to the dimension's base unit as a pint expression).
UNITS: dict[str, tuple[str, str]] = {
    "cells": ("count", ""), "vg": ("count", ""), "PFU": ("count", ""),
    "kg": ("mass", "kilogram"), "g": ("mass", "gram"), "mg": ("mass", "milligram"), "ug": ("mass", "microgram"),
    "ng": ("mass", "nanogram"), "mL": ("volume", "milliliter"), "L": ("volume", "liter"),
    "IU": ("activity", ""), "units": ("activity", ""),
}
BASE_UNIT = {"count": "", "mass": "milligram", "volume": "milliliter", "activity": ""}

BANDS: dict[tuple[str, str], tuple[Decimal, Decimal]] = {
    ("count", "per_kg"): (Decimal("1e4"), Decimal("1e9")),
    ("count", "per_m2"): (Decimal("1e5"), Decimal("1e10")),
    ("count", "flat"): (Decimal("1e6"), Decimal("1e11")),
    ("mass", "per_kg"): (Decimal("1e-4"), Decimal("2e3")),
    ("mass", "per_m2"): (Decimal("1e-2"), Decimal("2e4")),
    ("mass", "flat"): (Decimal("1e-4"), Decimal("1e5")),
    ("volume", "flat"): (Decimal("1e-2"), Decimal("5e3")),
    ("activity", "per_kg"): (Decimal("1e-2"), Decimal("1e6")),
    ("activity", "flat"): (Decimal("1e-1"), Decimal("1e8")),
}

_NUM = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|\.\d+"
# A value: mantissa with an optional power of ten, or a bare power of ten ("10^6").
_VALUE = (r"(?:10\s*\^\s*(?P<{p}bare>[-+]?\d{{1,2}})"
          r"|(?P<{p}m>{num})(?:\s*[x*]\s*10\s*(?:\^\s*(?P<{p}e>[-+]?\d{{1,2}})|\(\s*(?P<{p}pe>[-+]?\d{{1,2}})\s*\)"
          r"|(?P<{p}lost>\d{{1,2}})(?![\d.,]))|[eE](?P<{p}ee>[-+]?\d{{1,2}})(?!\d))?)")
_POP_WORD = r"(?:viable|total|transduced|nucleated|mononuclear|stem|autologous|CAR[-+]?|T|NK|CD\d+\+?)"
_UNIT = (r"(?P<{p}unit>milligrams?(?:\s+per\s+day)?(?:\s*\(\s*mg(?:/day)?\s*\))?|micrograms?(?:\s*\(\s*(?:ug|mcg)\s*\))?"
         r"|grams?|mg|mcg|ug|ng|(?-i:g)|m[lL]|milliliters?|millilitres?|IU|international\s+units?|units?"
         r"|(?P<{p}pop>(?:" + _POP_WORD + r"[-\s]*){{0,4}})cells?|vg|vector\s+genomes|PFU)(?![A-Za-z])")

_DOSE_RX = re.compile(
    r"(?<![\w.^])(?<!\d,)" + _VALUE.format(p="a", num=_NUM)
    + r"(?:\s*" + _UNIT.format(p="a") + r")?"
    + r"(?:\s*(?:-|to|~)\s*" + _VALUE.format(p="b", num=_NUM) + r")?"
    + r"(?:\s*-?\s*" + _UNIT.format(p="b") + r")?"
    + r"(?P<basis>\s*(?:/|per)\s*(?:(?P<kg>kg|kilogram)(?![A-Za-z])(?:\s+(?:of\s+)?body\s*weight)?"
    r"|(?P<m2>m\^?2|square\s+met(?:er|re)s?)(?![A-Za-z\d])))?",
    re.IGNORECASE,
)
# After a unit, these make it a concentration or a rate per something that is not a dose basis.
_CONCENTRATION = re.compile(r"\s*(?:/|per)\s*(?:m[lL]|L|dL|mm|cm|tablet|capsule|(?:milli|deci)?lit(?:er|re)s?)(?![A-Za-z])", re.I)
_RATE = re.compile(r"\s*(?:/|per)\s*(?:day|d|week|wk|month|h|hr|hour|dose)(?![A-Za-z])|\s+per\s+day", re.I)
_CAP_BEFORE = re.compile(r"(?:maximum|max\.?|cap(?:ped)?|not\s+(?:to\s+)?exceed(?:ing)?|up\s+to|at\s+most|no\s+more"
                         r"\s+than|≤|<=)\s*(?:of|at|dose)?\s*:?\s*$", re.I)
_CAP_AFTER = re.compile(r"^\s*\(?\s*(?:maximum|max\.?|cap)\b", re.I)
_WEIGHT_BAND = re.compile(r"(?:[<>≤≥]=?|(?:weigh(?:t|ing)|body\s*weight)\s*(?:of\s*)?(?:[<>≤≥]=?|over|under|above|"
                          r"below|at\s+least|less\s+than|more\s+than)?)\s*\d+(?:\.\d+)?\s*kg", re.I)


@dataclass(frozen=True)
class Dose:
    """One dose statement. `lo`/`hi` are exact, in `unit`; `start`/`end` index the text it was read from."""

    lo: Decimal | None
    hi: Decimal | None
    unit: str  # canonical unit (see UNITS), "" when none was written
    basis: str  # per_kg, per_m2, flat
    population: str  # cell population as written ("CAR-T cells"), "" for non-cell doses
    flags: tuple[str, ...]
    start: int
    end: int

    @property
    def dimension(self) -> str:
        return UNITS.get(self.unit, ("", ""))[0]


def map_superscripts(text: MappedText) -> MappedText:
    """"10⁶" -> "10^6", "10⁻³" -> "10^-3"; "m²" -> "m^2". Must run before any Unicode normalisation."""
    return text.sub(_SUPER_RUN, lambda m: "^" + "".join(SUPERSCRIPTS[c] for c in m.group()))


def _fold_char(ch: str) -> str:
    if ch in _FOLD:
        return _FOLD[ch]
    if ch.isascii():
        return ch
    folded = unicodedata.normalize("NFKC", ch)
    return _FOLD.get(folded, folded)


def normalize(text: str | MappedText) -> MappedText:
    """Superscripts first, then per-character folding (NFKC, ×->x, dashes->-, µ->u), keeping the offset map."""
    mt = text if isinstance(text, MappedText) else MappedText.of(text)
    return map_superscripts(mt).translate(_fold_char)


def canonical_unit(word: str) -> str:
    w = re.sub(r"\s+", " ", word.strip()).lower()
    if w.startswith("milligram") or w == "mg":
        return "mg"
    if w.startswith("microgram") or w in ("mcg", "ug"):
        return "ug"
    if w.startswith("gram") or w == "g":
        return "g"
    if w == "ng":
        return "ng"
    if w in ("ml",) or w.startswith("millilit"):
        return "mL"
    if w == "iu" or w.startswith("international"):
        return "IU"
    if w.startswith("unit"):
        return "units"
    if w.endswith("cell") or w.endswith("cells"):
        return "cells"
    if w in ("vg", "vector genomes"):
        return "vg"
    if w == "pfu":
        return "PFU"
    return ""


@lru_cache(maxsize=None)
def base_factor(unit: str) -> Decimal:
    """Multiplier from `unit` to the base unit of its dimension (mg, mL; counts and activity as is), via pint."""
    dim, expr = UNITS.get(unit, ("", ""))
    if not expr:
        return Decimal(1)
    from trialguard.units import ureg

    q = ureg.Quantity(Decimal(1), expr).to(BASE_UNIT[dim])
    return Decimal(str(q.magnitude)).normalize()


def in_band(value: Decimal, unit: str, basis: str) -> bool | None:
    """Whether `value` (in `unit`) lies inside the plausibility band; None when no band applies."""
    dim = UNITS.get(unit, ("", ""))[0]
    band = BANDS.get((dim, basis))
    if band is None:
        return None
    v = value * base_factor(unit)
    return band[0] <= v <= band[1]


def _mantissa(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _readings(m: re.Match, p: str) -> tuple[Decimal, Decimal | None] | None:
    """Value of side `p` of a match: (exponent reading, literal reading if the exponent may be a lost one)."""
    if m.group(p + "bare") is not None:
        return Decimal(10) ** int(m.group(p + "bare")), None
    if m.group(p + "m") is None:
        return None
    mant = _mantissa(m.group(p + "m"))
    for g in ("e", "pe", "ee"):
        if m.group(p + g) is not None:
            return mant * Decimal(10) ** int(m.group(p + g)), None
    lost = m.group(p + "lost")
    if lost is not None:
        return mant * Decimal(10) ** int(lost), mant * Decimal("10" + lost)
    return mant, None


def _has_power(m: re.Match, p: str) -> bool:
    return any(m.group(p + g) is not None for g in ("e", "pe", "ee", "bare", "lost"))


def _choose(exp_lo, exp_hi, lit_lo, lit_hi, unit, basis) -> tuple[Decimal, Decimal, tuple[str, ...]]:
    """Pick between the exponent reading and the literal reading of a lost superscript by plausibility."""
    exp_ok = in_band(exp_lo, unit, basis) and in_band(exp_hi, unit, basis)
    lit_ok = in_band(lit_lo, unit, basis) and in_band(lit_hi, unit, basis)
    if exp_ok and not lit_ok:
        return exp_lo, exp_hi, ("exponent_recovered",)
    if lit_ok and not exp_ok:
        return lit_lo, lit_hi, ()
    return exp_lo, exp_hi, ("exponent_ambiguous",)


def _dose_from_match(text: str, m: re.Match, require_unit: bool) -> Dose | None:
    ua, ub = m.group("aunit"), m.group("bunit")
    two_sided = m.group("bm") is not None or m.group("bbare") is not None
    if ua and two_sided and not ub:
        return None  # "5 mg - 3 tablets": the second number belongs to something else
    unit_word = ub or ua or ""
    unit = canonical_unit(unit_word)
    if ua and ub and canonical_unit(ua) != canonical_unit(ub):
        return None
    if require_unit and not unit:
        return None
    tail = text[m.end():]
    if unit and _CONCENTRATION.match(tail) and not m.group("basis"):
        return None
    basis = "per_kg" if m.group("kg") else "per_m2" if m.group("m2") else "flat"
    a = _readings(m, "a")
    b = _readings(m, "b") if two_sided else None
    if a is None:
        return None
    flags: list[str] = []
    # A power of ten written once applies to both ends: "0.5–1.0×10^6".
    if b is not None and _has_power(m, "b") and not _has_power(m, "a"):
        mant = _mantissa(m.group("am"))
        exp_b, lit_b = b
        scale_exp = exp_b / _mantissa(m.group("bm")) if m.group("bm") else exp_b
        scale_lit = lit_b / _mantissa(m.group("bm")) if lit_b is not None else None
        a = (mant * scale_exp, mant * scale_lit if scale_lit is not None else None)
    exp_lo, lit_lo = a
    exp_hi, lit_hi = b if b is not None else a
    dim = UNITS.get(unit, ("", ""))[0]
    if lit_lo is not None or lit_hi is not None:
        lit_lo = lit_lo if lit_lo is not None else exp_lo
        lit_hi = lit_hi if lit_hi is not None else exp_hi
        if dim in ("mass", "volume", "activity"):
            lo, hi = lit_lo, lit_hi
        else:
            lo, hi, f = _choose(exp_lo, exp_hi, lit_lo, lit_hi, unit, basis)
            flags.extend(f)
    else:
        lo, hi = exp_lo, exp_hi
    if lo > hi:
        flags.append("range_reversed")
    if not unit:
        flags.append("unit_missing")
    if b is not None:
        flags.append("range")
    if _RATE.match(tail) or re.search(r"per\s+day|/day", unit_word, re.I):
        flags.append("per_time")
    if unit and in_band(lo, unit, basis) is False or unit and in_band(hi, unit, basis) is False:
        flags.append("out_of_band")
    before = text[max(0, m.start() - 40):m.start()]
    if _CAP_BEFORE.search(before) or _CAP_AFTER.match(tail):
        flags.append("cap")
    pop = m.group("bpop") if ub else m.group("apop")
    population = ""
    if unit == "cells":
        population = re.sub(r"\s+", " ", ((pop or "") + "cells").strip())
    return Dose(lo, hi, unit, basis, population, tuple(flags), m.start(), m.end())


def _scan(text: MappedText, require_unit: bool) -> list[Dose]:
    doses = []
    for m in _DOSE_RX.finditer(text.text):
        d = _dose_from_match(text.text, m, require_unit)
        if d is None:
            continue
        s, e = text.span(d.start, d.end)
        doses.append(Dose(d.lo, d.hi, d.unit, d.basis, d.population, d.flags, s, e))
    return doses


@lru_cache(maxsize=65536)
def find_doses(text: str) -> tuple[Dose, ...]:
    """Every span of `text` that is a dose (a number with a dose unit); spans index the original text."""
    mt = normalize(text)
    doses = _scan(mt, require_unit=True)
    if len(doses) > 1 and _WEIGHT_BAND.search(mt.text):
        doses = [Dose(d.lo, d.hi, d.unit, d.basis, d.population, d.flags + ("weight_band",), d.start, d.end)
                 for d in doses]
    return tuple(doses)


@lru_cache(maxsize=65536)
def parse_dose(raw: str) -> Dose | None:
    """The dose a short dose string states (a curated record's `raw`), or None when it has no number.

    A unit is not required here ("1e6" parses, flagged `unit_missing`). A string with several doses
    ("80 mg/40 mg") gives the first, flagged `compound`.
    """
    mt = normalize(raw)
    doses = _scan(mt, require_unit=False)
    if not doses:
        return None
    first = doses[0]
    with_unit = [d for d in doses if d.unit]
    if with_unit and not first.unit:
        first = with_unit[0]
    if len(with_unit) > 1:
        first = Dose(first.lo, first.hi, first.unit, first.basis, first.population, first.flags + ("compound",),
                     first.start, first.end)
    return first
