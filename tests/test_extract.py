"""Records from article text: line-break repair, spans that map back exactly, the seed facts, the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from trialguard.cli import cli
from trialguard.extract import extract_record
from trialguard.extract.prepare import prepare, sentences

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"
S003 = "003_4e21d2fb698166af"


def seed(stem: str) -> str:
    return (SEEDS / f"{stem}.txt").read_text("utf-8")


def record(stem: str):
    return extract_record(seed(stem), stem)


def test_broken_numbers_repaired_and_mapped_back():
    text = "Ten of the 12 patients were female (83.\n    3%), with a median age of 49.\n5 years (30-67 years)."
    mt = prepare(text)
    assert "(83.3%)" in mt.text and "49.5 years" in mt.text
    a = mt.text.index("83.3%")
    s, e = mt.span(a, a + len("83.3%"))
    assert text[s:e] == "83.\n    3%"


def test_superscripts_kept_in_prepared_text():
    assert prepare("0.5–1.0×10⁶ CAR+ T cells/kg").text == "0.5-1.0x10^6 CAR+ T cells/kg"


def test_sentences_map_back_to_original():
    text = seed(S003)
    for s in sentences(prepare(text)):
        a, b = s.span()
        assert re.sub(r"\s+", "", text[a:b]) == re.sub(r"\s+", "", s.quote())
        assert s.quote() == text[a:b]


def test_seed_003_female_count():
    ex = record(S003)
    counts = ex.record["trials"][0]["cohorts"][0]["counts"]
    female = [c for c in counts if c.get("category") == "female"]
    assert len(female) == 1
    c = female[0]
    assert (c["measure"], c["count"], c["denom"], c["percent"]) == ("sex", 10, 12, "83.3%")
    assert re.sub(r"\s+", " ", c["quote"]) == "Ten of the 12 patients were female (83. 3%), with a median age of 49. 5 years (30-67 years)."
    s, e = ex.spans[_pointer(ex, c)]
    assert seed(S003)[s:e] == "Ten of the 12 patients were female (83.\n    3%)"


def _pointer(ex, obj) -> str:
    (ptr,) = [p for p, span in ex.spans.items() if obj.get("note") == f"extracted from chars:{span[0]}-{span[1]}"]
    return ptr


def test_every_span_quotes_the_original_exactly():
    for stem in sorted(p.stem for p in SEEDS.glob("*.txt")):
        text = seed(stem)
        ex = record(stem)
        for ptr, (s, e) in ex.spans.items():
            assert 0 <= s < e <= len(text), (stem, ptr)
        # every value's quote is the original sentence, character for character
        for c in _walk(ex.record):
            if "quote" in c and c.get("note", "").startswith("extracted from chars:"):
                assert c["quote"] in text or _flat(c["quote"]) in _flat(text), (stem, c["quote"])


def _flat(t: str) -> str:
    return re.sub(r"\s+", "", t)


def _walk(obj):
    if isinstance(obj, dict):
        yield obj
        for v in obj.values():
            yield from _walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v)


def test_seed_003_median_age_and_cohort():
    cohort = record(S003).record["trials"][0]["cohorts"][0]
    assert cohort["n"] == 12
    age = [s for s in cohort["stats"] if s["measure"] == "age"]
    assert [(s["param"], s["value"], s["range"], s["unit"]) for s in age] == [("median", "49.5", ["30", "67"], "years")]


def test_seed_004_sledai_counts_are_exclusive_categories_of_one_measure():
    counts = record("004_c6221abd67a46fe7").record["trials"][0]["cohorts"][0]["counts"]
    sledai = [(c["category"], c["count"], c["denom"], c["exclusive"]) for c in counts if c["measure"] == "SLEDAI-2K score"]
    assert sledai == [("0", 4, 5, True), ("2", 2, 5, True)]


def test_seed_002_dose_cohorts_and_cutoff():
    ex = record("002_d6c885be462bb0f8")
    trial = ex.record["trials"][0]
    subs = [(c["n"], c.get("doses", [{}])[0].get("dose")) for c in trial["cohorts"][1:]]
    # as written, with the no-break space of the original
    assert subs == [(3, "0.5×106\u00a0CAR-T cells/kg"), (3, "1.0×106\u00a0CAR-T cells/kg"), (6, None)]
    assert [(e["event_type"], e["date"]) for e in trial["events"]] == [("data_cutoff", "March 20, 2022")]


def test_seed_000_treated_event_with_scope():
    events = record("000_693a2ea73ebc0759").record["trials"][0]["events"]
    treated = [e for e in events if e["event_type"] == "treated"]
    assert [e["date"] for e in treated] == ["mid-September 2019"]
    assert set(treated[0]["targets"]) == {"CD19", "BCMA"}
    presented = [e["date"] for e in events if e["event_type"] == "presented"]
    assert presented[0] == "December 2019"  # the 61st ASH annual meeting


def test_source_id_is_the_stem_and_extraction_is_deterministic():
    a, b = record(S003), record(S003)
    assert a.record == b.record and a.spans == b.spans
    assert a.record["source"]["id"] == S003


def test_no_claims_or_counts_from_plain_text():
    ex = extract_record("The weather was fine. Nothing happened on Monday.", "plain")
    assert ex.record["trials"][0]["cohorts"] == [{"id": "all", "title": "patients reported in the article"}]
    assert "claims" not in ex.record


def test_cli_extract_writes_yaml_beside_the_text(runner, tmp_path):
    src = SEEDS / f"{S003}.txt"
    res = runner.invoke(cli, ["extract", str(src), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    rec = yaml.safe_load((tmp_path / f"{S003}.yaml").read_text("utf-8"))
    assert rec["source"]["id"] == S003 and rec["source"]["text"] == f"{S003}.txt"
    assert (tmp_path / f"{S003}.txt").read_bytes() == src.read_bytes()


def test_cli_extract_not_utf8_is_a_one_line_error(runner, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00bad")
    res = runner.invoke(cli, ["extract", str(bad), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
