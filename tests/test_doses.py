"""Dose parsing: every written form, superscripts, both readings of a lost exponent, bands, flags, exact values."""

from decimal import Decimal as D

import pytest

from trialguard.doses import base_factor, find_doses, in_band, map_superscripts, normalize, parse_dose
from trialguard.textmap import MappedText


def parsed(raw):
    d = parse_dose(raw)
    assert d is not None, raw
    return d.lo, d.hi, d.unit, d.basis, d.population, d.flags


@pytest.mark.parametrize("raw, expected", [
    ("1×10^6 cells/kg", (D("1e6"), D("1e6"), "cells", "per_kg", "cells", ())),
    ("1 x 10(6)", (D("1e6"), D("1e6"), "", "flat", "", ("unit_missing",))),
    ("1e6", (D("1e6"), D("1e6"), "", "flat", "", ("unit_missing",))),
    ("0.5–1.0×10⁶ CAR+ T cells/kg", (D("5e5"), D("1e6"), "cells", "per_kg", "CAR+ T cells", ("range",))),
    ("300 milligram (mg)", (D(300), D(300), "mg", "flat", "", ())),
    ("25- 50mg", (D(25), D(50), "mg", "flat", "", ("range",))),
    ("80 mg/40 mg", (D(80), D(80), "mg", "flat", "", ("compound",))),
    ("30 mg to 60 mg", (D(30), D(60), "mg", "flat", "", ("range",))),
    ("5-mg", (D(5), D(5), "mg", "flat", "", ())),
    ("0.5 g/Kg", (D("0.5"), D("0.5"), "g", "per_kg", "", ())),
    ("75 mg/m2", (D(75), D(75), "mg", "per_m2", "", ())),
    ("75 mg/m²", (D(75), D(75), "mg", "per_m2", "", ())),
    ("20,000 units", (D(20000), D(20000), "units", "flat", "", ())),
    ("1500 IU", (D(1500), D(1500), "IU", "flat", "", ())),
    ("16000 µg", (D(16000), D(16000), "ug", "flat", "", ())),
    ("330ug", (D(330), D(330), "ug", "flat", "", ())),
    ("10 Mcg", (D(10), D(10), "ug", "flat", "", ())),
    ("10 g/day", (D(10), D(10), "g", "flat", "", ("per_time",))),
    ("10⁶ cells", (D("1e6"), D("1e6"), "cells", "flat", "cells", ())),
    ("1 x 10^6 - 2 x 10^6 cells", (D("1e6"), D("2e6"), "cells", "flat", "cells", ("range",))),
    ("1×10⁸ cells (maximum)", (D("1e8"), D("1e8"), "cells", "flat", "cells", ("cap",))),
])
def test_forms(raw, expected):
    assert parsed(raw) == expected


def test_lost_superscript_recovered_seed_002():
    # seed 002: "0.5×106 CAR-T cells/kg": literally 53 cells/kg (below the 1e4 band), 0.5×10^6 is plausible
    assert parsed("0.5×106 CAR-T cells/kg") == (D("5e5"), D("5e5"), "cells", "per_kg", "CAR-T cells",
                                                ("exponent_recovered",))
    assert parsed("1.0×106 CAR-T cells/kg")[:2] == (D("1e6"), D("1e6"))


def test_lost_superscript_ambiguous_without_band():
    # no unit: no band decides, the exponent reading is kept and flagged
    assert parsed("0.5×106/kg") == (D("5e5"), D("5e5"), "", "per_kg", "", ("exponent_ambiguous", "unit_missing"))


def test_lost_superscript_ambiguous_when_neither_reading_fits():
    # 5×10^10 cells/kg is above the per-kg band, 5×1010 = 5050 below it
    lo, hi, unit, basis, pop, flags = parsed("5×1010 cells/kg")
    assert (lo, flags) == (D("5e10"), ("exponent_ambiguous", "out_of_band"))


def test_literal_reading_kept_for_mass():
    # "2 x 100 mg" is two times 100 mg, never 2×10^0 mg
    assert parsed("2 x 100 mg")[:3] == (D(200), D(200), "mg")


def test_flat_cells_band_decides():
    assert parsed("5x107 CAR-T cells")[:2] == (D("5e7"), D("5e7"))
    assert "exponent_recovered" in parsed("5x107 CAR-T cells")[5]


def test_superscripts_mapped_before_nfkc():
    mt = map_superscripts(MappedText.of("1×10⁶"))
    assert mt.text == "1×10^6"
    assert normalize("1×10⁻³").text == "1x10^-3"
    # plain NFKC would have produced "106"; the parse must not be a lost-exponent reading
    assert parsed("1×10⁶ cells")[5] == ()


def test_normalize_keeps_offsets():
    text = "dose 0.5–1.0×10⁶ CAR+ T cells/kg."
    mt = normalize(text)
    (d,) = find_doses(text)
    assert text[d.start:d.end] == "0.5–1.0×10⁶ CAR+ T cells/kg"
    assert mt.quote(5, 5 + len("0.5-1.0x10^6")) == "0.5–1.0×10⁶"


@pytest.mark.parametrize("text", [
    "1% lidocaine", "10mg/mL", "1.00 μg/mm2 of balloon surface", "26G x 1.5 syringe", "for 3 months",
    "aged 18 to 24 years", "5 patients with B cells", "LY2452473 capsule", "d90 = 40 microns", "1~2 CRS",
])
def test_not_doses(text):
    assert find_doses(text) == ()


def test_find_several_with_spans():
    text = "Dose finding at 4 mg, 6 mg, or 8 mg of poziotinib; 80 mg/40 mg"
    found = find_doses(text)
    assert [text[d.start:d.end] for d in found] == ["4 mg", "6 mg", "8 mg", "80 mg", "40 mg"]


def test_unparseable():
    assert parse_dose("as tolerated") is None
    assert parse_dose("") is None


def test_bands_and_pint_factors():
    assert base_factor("g") == D(1000)
    assert base_factor("ug") == D("0.001")
    assert in_band(D("1e6"), "cells", "per_kg") is True
    assert in_band(D("1e10"), "cells", "per_kg") is False
    assert in_band(D("1e9"), "cells", "per_kg") is True  # inclusive
    assert in_band(D("0.5"), "g", "per_kg") is True  # 500 mg/kg
    assert in_band(D(3), "g", "per_kg") is False
    assert in_band(D(1), "", "flat") is None


def test_out_of_band_flag():
    assert "out_of_band" in parsed("200 g")[5]
    assert "out_of_band" not in parsed("100 g")[5]


def test_weight_band_and_cap_flags():
    found = find_doses("2×10^6 cells/kg for patients ≤50 kg; 1×10^8 cells for patients >50 kg")
    assert [d.basis for d in found] == ["per_kg", "flat"]
    assert all("weight_band" in d.flags for d in found)
    (cap,) = [d for d in find_doses("1×10^6 cells/kg, maximum 1×10^8 cells") if d.basis == "flat"]
    assert "cap" in cap.flags
