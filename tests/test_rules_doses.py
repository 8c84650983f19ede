"""TG5xx dose rules: each on a violating input, on its boundary, on real CT.gov text and on seed 002's doses."""

from __future__ import annotations

import importlib.util
from decimal import Decimal as D
from pathlib import Path

import pytest

from trialguard.dataset import DatasetBuilder
from trialguard.doses import find_doses
from trialguard.enrich import enrich
from trialguard.findings import finalize
from trialguard.validators.registry import get

ROOT = Path(__file__).resolve().parent.parent
P = dict(trial_id="NCT1", file="r.yaml")


def findings(code, rows, texts=()):
    b = DatasetBuilder()
    for r in rows:
        b.add("doses", **{**P, "source_id": "s1", "block": "cohort", **r})
    for t in texts:
        b.add("texts", **{**P, "source_id": "ctgov:NCT1", "file": "NCT1.json", **t})
    ds = enrich(b.build())
    r = get(code)
    return finalize(r.check(ds), r.code, r.name, r.severity)


def dose(loc, raw, group="DL1", **kw):
    return {"loc": loc, "raw": raw, "group_id": group, **kw}


def test_tg501_unparseable_only_for_text_without_number():
    f = findings("TG501", [dose("/d/0", "as tolerated"), dose("/d/1", "300 mg")])
    assert list(zip(f["loc"], f["message"], f["severity"])) == [
        ("/d/0", "dose 'as tolerated' could not be parsed", "info")]


def test_tg502_seed_002_recovered_exponent():
    quote = "three in the 0.5×106 CAR-T cells/kg dose group"
    f = findings("TG502", [dose("/d/0", "0.5×106 CAR-T cells/kg", quote=quote),
                           dose("/d/1", "0.5×10⁶ CAR-T cells/kg")])  # boundary: a real superscript is fine
    assert list(f["loc"]) == ["/d/0"]
    assert f["message"][0] == "'0.5×106 CAR-T cells/kg' read as 5×10^5 cells/kg (lost superscript exponent recovered)"
    assert f["severity"][0] == "warning"
    assert f["evidence"][0] == {"quote": quote, "highlight": ["0.5×106 CAR-T cells/kg"]}


def test_tg503_ambiguous_exponent():
    f = findings("TG503", [dose("/d/0", "0.5×106/kg"), dose("/d/1", "0.5×10^6/kg")])
    assert list(f["loc"]) == ["/d/0"]


def test_tg504_mixed_basis_without_cap():
    rows = [dose("/a/0", "2×10^6 CAR-T cells/kg", "A"), dose("/a/1", "2×10^8 CAR-T cells", "A"),
            # capped: fine
            dose("/b/0", "2×10^6 CAR-T cells/kg", "B"), dose("/b/1", "maximum 2×10^8 CAR-T cells", "B"),
            # different arms: fine
            dose("/c/0", "2×10^6 CAR-T cells/kg", "C"), dose("/d/0", "2×10^8 CAR-T cells", "D"),
            # different dimensions in one arm (cells/kg and mg): fine
            dose("/e/0", "2×10^6 CAR-T cells/kg", "E"), dose("/e/1", "30 mg/m2", "E")]
    f = findings("TG504", rows)
    assert list(zip(f["loc"], f["observed"])) == [("/a/0", "2×10^6 CAR-T cells/kg | 2×10^8 CAR-T cells")]


def test_tg504_registry_regimen_phases_are_not_mixed_doses():
    """NCT00739934: IV 7 mg/kg for a week, then oral 200 mg — one arm, two phases, no error."""
    text = {"loc": "/clinical_study/intervention[1]/description", "field": "intervention_description",
            "group_id": "Drug: voriconazole", "text": "Study Days 1 to 7: IV voriconazole 7 mg/kg q12h. "
            "Study Days 8 to 14: Oral voriconazole (POS) 200 mg q12h"}
    assert findings("TG504", [], texts=[text]).empty


def test_tg505_sources_disagree_at_10x_not_below():
    rows = [dose("/x/0", "1×10^6 cells/kg", level=1), dose("/x/1", "1×10^6 cells/kg", "DL2", level=2)]
    other = [{"source_id": "s2", "loc": "/y/0", "raw": "1×10^7 cells/kg", "group_id": "dose level 1", "level": 1},
             {"source_id": "s2", "loc": "/y/1", "raw": "9.9×10^6 cells/kg", "group_id": "x", "level": 2}]
    f = findings("TG505", rows + other)
    assert list(zip(f["source_id"], f["loc"], f["observed"])) == [("s2", "/y/0", "1×10^7 cells/kg vs 1×10^6 cells/kg")]
    assert f["evidence"][0]["other"]["source_id"] == "s1"


def test_tg506_escalation_not_increasing():
    rows = [dose("/d/0", "1.0×10^6 cells/kg", "DL1", level=1), dose("/d/1", "0.5×10^6 cells/kg", "DL2", level=2),
            dose("/d/2", "2×10^6 cells/kg", "DL3", level=3), dose("/d/3", "2×10^6 cells/kg", "DL4", level=4)]
    f = findings("TG506", rows)
    # level 2 below level 1, and level 4 equal to level 3 (boundary: equal is not an increase)
    assert list(f["loc"]) == ["/d/1", "/d/3"]


def test_tg505_exactly_10x_is_decided_exactly():
    """0.14 -> 1.4 mg/kg is exactly 10x, though 10 * 0.14 is 1.4000000000000001 in binary floats."""
    rows = [dose("/x/0", "0.14 mg/kg", level=1)]
    other = [{"source_id": "s2", "loc": "/y/0", "raw": "1.4 mg/kg", "group_id": "dose level 1", "level": 1}]
    f = findings("TG505", rows + other)
    assert list(zip(f["source_id"], f["loc"], f["message"])) == [
        ("s2", "/y/0", "dose '1.4 mg/kg' is 10× the dose '0.14 mg/kg' that s1 states for the same cohort")]


def test_tg506_equal_doses_in_different_units_are_not_an_increase():
    """0.009 mg then 9 ug: equal, though 9 * 0.001 is 0.009000000000000001 in binary floats."""
    f = findings("TG506", [dose("/d/0", "0.009 mg", "DL1", level=1), dose("/d/1", "9 ug", "DL2", level=2)])
    assert list(f["loc"]) == ["/d/1"]


def test_tg506_level_from_group_title_in_registry_text():
    texts = [{"loc": f"/arms/{i}/description", "field": "arm_description", "group_id": f"Dose Level {i + 1}",
              "text": t} for i, t in enumerate(["Drug X 100 mg daily", "Drug X 50 mg daily"])]
    f = findings("TG506", [], texts=texts)
    assert list(f["loc"]) == ["/arms/1/description#chars:7-12"]


def test_tg507_out_of_band_boundary():
    f = findings("TG507", [dose("/d/0", "1×10^9 cells/kg"), dose("/d/1", "1.1×10^9 cells/kg"), dose("/d/2", "200 g")])
    assert list(f["loc"]) == ["/d/1", "/d/2"]
    assert list(f["expected"]) == ["1e+4..1e+9", "0.0001..1e+5"]  # base units: cells/kg, mg


def _dose_spans():
    spec = importlib.util.spec_from_file_location("dose_spans", ROOT / "bench" / "dose_spans.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_ctgov_fixture_dose_span_parses():
    """All dose spans in the CT.gov fixtures' arm, intervention and results-group text; a sample exactly."""
    s = _dose_spans().summary(ROOT / "fixtures" / "ctgov")
    assert s["unit_mentions_without_span"] == []
    assert s["flags"] == {"per_time": 2}  # "5 mg/day", "40mg p.o./ day"
    spans = {t: v for t, v in s["spans"].items()}
    assert spans["Test 1: 100 mg Chewable, Without Water"] == ["100 mg"]
    text = next(t for t in spans if t.startswith("Test 1 Formulation: Sildenafil citrate 100 milligram (mg)"))
    (d,) = find_doses(text)
    assert (text[d.start:d.end], d.lo, d.hi, d.unit, d.basis) == ("100 milligram (mg)", D(100), D(100), "mg", "flat")
    udenafil = spans["100 mg Udenafil tablet plus 50 \\& 150 mg placebo tablets"]
    assert udenafil == ["100 mg", "150 mg"]  # "50 \\&" has no unit of its own: not read (precision)


@pytest.mark.parametrize("text, spans", [
    ("Phase I: ... weekly paclitaxel at 50mg/m2 and carboplatin at area under the curve 2mg/m2.",
     [("50mg/m2", "per_m2"), ("2mg/m2", "per_m2")]),
    ("In Phase II, letrozole, 5 mg/day, will be given for 14 days", [("5 mg", "flat")]),
])
def test_registry_phrasings(text, spans):
    assert [(text[d.start:d.end], d.basis) for d in find_doses(text)] == spans
