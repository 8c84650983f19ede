"""Exact reading of numbers as they were written, and the rounding conventions people use.

Rounding checks must know how many decimals a number was written with ("83.3" vs "83.30") and must never go
through binary floats (2.675 is not representable, so float rounding of exact ties is unreliable). Everything
here works on the original text with `Decimal` and `Fraction`.

    >>> decimals("83.30%"), to_fraction("83.3")
    (2, Fraction(833, 10))
    >>> conventions_matching(Fraction(1, 8) * 100, "13")
    ('half_up', 'ceiling')
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

# Written in place of a number when a value is not available; not a malformed number.
NOT_AVAILABLE = frozenset({"", "NA", "N/A", "NR", "NE", "ND", "NC", "-", "--", "—", "–", "."})

_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?")

CONVENTIONS = ("half_up", "half_even", "truncate", "ceiling")
NEAREST = ("half_up", "half_even")  # the usual ways of rounding; the others are unusual readings


def _clean(text: object) -> str | None:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    s = str(text).strip().replace("\u2212", "-")
    if s.endswith("%"):
        s = s[:-1].rstrip()
    if not s or not _NUMBER.fullmatch(s) or not any(ch.isdigit() for ch in s):
        return None
    return s.replace(",", "")


def is_not_available(text: object) -> bool:
    """True for the markers registries write instead of a number ("NA", "NR", "-", empty)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return True
    return str(text).strip().upper() in NOT_AVAILABLE


def parse_decimal(text: object) -> Decimal | None:
    """The number written in `text` ("83.3", "83.3%", "30,600", "-0.971"), or None if it is not a number."""
    s = _clean(text)
    if s is None:
        return None
    try:
        return Decimal(s)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None


def to_fraction(text: object) -> Fraction | None:
    """The exact rational value of a written number, or None."""
    d = parse_decimal(text)
    return None if d is None else Fraction(d)


def decimals(text: object) -> int | None:
    """How many digits follow the decimal point as written ("83.30" -> 2, "58" -> 0), or None."""
    s = _clean(text)
    if s is None:
        return None
    return len(s.split(".", 1)[1]) if "." in s else 0


def round_to(value: Fraction, places: int, convention: str) -> Fraction:
    """`value` rounded to `places` decimals under a convention (half_up rounds ties away from zero)."""
    scale = 10**places
    x = value * scale
    if convention == "half_up":
        r = math.floor(abs(x) + Fraction(1, 2)) * (1 if x >= 0 else -1)
    elif convention == "half_even":
        r = round(x)  # Fraction.__round__ rounds ties to even, exactly
    elif convention == "truncate":
        r = math.trunc(x)
    elif convention == "ceiling":
        r = math.ceil(x)
    else:
        raise ValueError(f"unknown rounding convention {convention!r}")
    return Fraction(r, scale)


def conventions_matching(value: Fraction, reported: object) -> tuple[str, ...]:
    """The conventions under which exact `value`, rounded to the decimals of `reported`, equals `reported`."""
    target = to_fraction(reported)
    places = decimals(reported)
    if target is None or places is None:
        return ()
    return tuple(c for c in CONVENTIONS if round_to(value, places, c) == target)


def format_fixed(value: Fraction, places: int) -> str:
    """`value` written with `places` decimals, rounded half up (how a reader would compute it)."""
    r = round_to(value, places, "half_up")
    return f"{Decimal(r.numerator) / Decimal(r.denominator):.{places}f}"
