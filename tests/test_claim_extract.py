"""Claim extraction from free text: real CT.gov descriptions (precision) and seed article sentences."""

import json

from conftest import FIXTURES

from trialguard.claims import claims_from_texts
from trialguard.claims.extract import extract_claims, sentences
from trialguard.dataset import Dataset, frame

DESCRIPTIONS = json.loads((FIXTURES / "claims" / "ctgov_descriptions.json").read_text(encoding="utf-8"))
FIELDS = {"briefSummary": "brief_summary", "detailedDescription": "detailed_description"}


def ctgov_claims():
    rows = []
    for nct, fields in DESCRIPTIONS.items():
        for name, text in fields.items():
            ctx = {"trial_id": nct, "source_id": f"ctgov:{nct}", "file": f"{nct}.json",
                   "loc": f"/protocolSection/descriptionModule/{name}"}
            rows.extend(extract_claims(text, ctx))
    return rows


def test_ctgov_descriptions_exact_claims():
    # Every claim found is a real priority/novelty claim; the six records with "first" / "only" / "never" in
    # other senses ("the first 2 weeks", "the only center enrolling", "first-line") give none.
    got = sorted((r["trial_id"], r["kind"], r["event_type"], r["geography"], r["quote"]) for r in ctgov_claims())
    assert got == [
        ("NCT00866554", "never_reported", "", "", "Nonetheless, these factors have never been evaluated."),
        ("NCT01776320", "first", "approval", "world",
         "However, as this form of treatment is new, and Canada is the first country in the world to approve its "
         "use."),
        ("NCT02450188", "only", "approval", "",
         "These are the only orodispersible tablets on commerce indicated for the treatment of ED."),
        ("NCT02916693", "only", "approval", "", "Mirabegron is the only available beta-3 adrenergic agonist in the "
                                               "United States."),
        ("NCT02916693", "only", "approval", "", "The only class of oral erectile dysfunction (ED) medication on the "
                                               "market are the phosphodiesterase Type 5 inhibitors (PDE5i)."),
        ("NCT02916693", "only", "approval", "", "The only class of oral medication approved for ED is PDE5i."),
        ("NCT03343093", "first", "treated", "",
         "As the first treatment study to focus on GBM with Prostate cancer (and also on oral and anal sex), it "
         "addresses a long-standing health disparity."),
        ("NCT03343093", "first", "treated", "",
         "The investigators will conduct the first treatment study of a state of clinical practice comprehensive "
         "rehabilitation program on GBM's quality of life, including on both urinary and sexual function and "
         "bother measures."),
        ("NCT05362994", "first", "treated", "",
         "Prospective, randomized, single-blinded, two-arm, single-center, first-in-man, proof-of-concept trial."),
    ]


def test_loc_points_at_the_quote():
    for r in ctgov_claims():
        pointer, span = r["loc"].split("#chars:")
        start, end = map(int, span.split("-"))
        field = pointer.rsplit("/", 1)[1]
        text = DESCRIPTIONS[r["trial_id"]][field]
        assert " ".join(text[start:end].split()) == r["quote"]
        assert r["source_id"] == f"ctgov:{r['trial_id']}"


def test_article_sentence_facets():
    text = ("In this study, a total of 12 patients received CAR-BCMA infusion\n    .\n    However, CAR-BCMA T-cell "
            "therapy has never been reported to treat autoimmune diseases\n    .\n")
    [row] = extract_claims(text, {"source_id": "003", "claim_date": "2023-02-03"})
    assert row["kind"] == "never_reported" and row["event_type"] == "treated"
    assert (row["modality"], row["targets"], row["indication"]) == ("car-t", "BCMA", "autoimmune-disease")
    end = text.index("diseases\n    .") + len("diseases\n    .")
    assert row["loc"] == f"chars:{text.index('However')}-{end}"
    assert row["claim_date"] == "2023-02-03" and row["hedged"] is False


def test_product_is_the_subject_and_class_the_scope():
    [row] = extract_claims("IASO Biotherapeutics’ Equecabtagene Autoleucel, the World’s First CAR-T for Treatment "
                           "of NMOSD, Receives IND Application Acceptance by NMPA", {})
    assert (row["kind"], row["event_type"], row["geography"]) == ("first", "ind", "world")
    assert (row["modality"], row["indication"], row["targets"]) == ("car-t", "nmosd", "")


def test_repeated_headline_is_one_claim_and_sentences_survive_broken_numbers():
    text = "First time: CAR-T treats lupus\n\nBody.\n\nFirst time: CAR-T treats lupus.\n"
    assert len(extract_claims(text, {})) == 1
    broken = "Ten were female (83.\n    3%). Next one."
    assert [broken[s:e] for s, e in sentences(broken)] == [
        "Ten were female (83.\n    3%).", "Next one."]


def test_enricher_fills_claims_from_registry_texts_only_for_sources_without_claims():
    nct = "NCT05362994"
    texts = frame("texts", [
        {"trial_id": nct, "source_id": f"ctgov:{nct}", "file": "x.json", "loc": "/d", "field": "detailed_description",
         "text": DESCRIPTIONS[nct]["detailedDescription"]},
        {"trial_id": "", "source_id": "curated", "file": "c.yaml", "loc": "/source/text", "field": "article",
         "text": "This is the world's first CAR-T in lupus."},
    ])
    trials = frame("trials", [{"trial_id": nct, "source_id": f"ctgov:{nct}", "first_submitted": "2022-04-21"}])
    claims = frame("claims", [{"source_id": "curated", "kind": "first", "quote": "hand-written"}])
    ds = Dataset()
    ds.tables.update(texts=texts, trials=trials, claims=claims)
    found = claims_from_texts(ds)
    assert list(found["source_id"]) == [f"ctgov:{nct}"]
    assert list(found["claim_date"]) == ["2022-04-21"]
    assert found["loc"].iloc[0].startswith("/d#chars:")


def test_a_sentence_copied_into_several_registry_fields_is_one_claim():
    sentence = "These are the only orodispersible tablets on commerce indicated for the treatment of ED."
    rows = [{"trial_id": "NCT02450188", "source_id": "ctgov:NCT02450188", "file": "x.json", "loc": loc,
             "field": field, "text": "Vardenafil 10 mg. " + sentence}
            for loc, field in (("/d", "detailed_description"), ("/arms/0", "arm_description"),
                               ("/interventions/0", "intervention_description"))]
    ds = Dataset()
    ds.tables.update(texts=frame("texts", rows))
    found = claims_from_texts(ds)
    assert list(found["loc"]) == ["/d#chars:18-106"] and list(found["kind"]) == ["only"]
