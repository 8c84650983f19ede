"""The claim lexicon: markers in English, Chinese and German, hedges, non-global forms, vetoes."""

import pytest

from trialguard.claims.lexicon import claims_in, event_type_of, is_hedged, scan


def kinds(sentence):
    return sorted((f["kind"], f["geography"]) for f in claims_in(sentence))


@pytest.mark.parametrize("sentence, expected", [
    ("This NMPA acceptance, the world’s first IND application for CAR-T in NMOSD.", [("first", "world")]),
    ("This patient also became the first lupus patient in the world to receive CAR-T cell therapy.",
     [("first", "world")]),
    ("Taken together, this first-in-human study preliminarily demonstrates safety.", [("first", "")]),
    ("NEJM: CAR-T cell therapy successfully treats lupus erythematosus for the first time.", [("first", "")]),
    ("However, CAR-BCMA T-cell therapy has never been reported to treat autoimmune diseases.",
     [("never_reported", "")]),
    ("This is an unprecedented clinical trial with data showing remission.", [("first", "")]),
    ("Mirabegron is the only available beta-3 adrenergic agonist in the United States.", [("only", "")]),
    ("It marks China’s first CAR-T cell therapy product approved for marketing.", [("first", "china")]),
    ("该产品是全球首例获批的CAR-T疗法。", [("first", "world")]),
    ("这是国内首个获批的CAR-T产品。", [("first", "china")]),
    ("该疗法首次用于治疗狼疮。", [("first", "")]),
    ("Die Therapie wurde weltweit erstmals bei Lupus eingesetzt.", [("first", "world")]),
    ("Das Team hat als erste eine CAR-T-Therapie bei Lupus eingesetzt.", [("first", "")]),
    ("CAR-T-Zellen wurden erstmals in Deutschland eingesetzt.", [("first", "germany")]),
])
def test_markers(sentence, expected):
    assert kinds(sentence) == expected


@pytest.mark.parametrize("sentence", [
    "Patients will be hospitalized for the first 2 weeks.",
    "One hour after the first dose, subjects can choose to treat with rescue medication.",
    "The first group is continuing with standard of care.",
    "Subjects who receive the vaccine for the first time are eligible.",
    "Thomas Jefferson University is the only center enrolling patients in this research study.",
    "The DLT assessment will be conducted in the first cycle of treatment.",
    "This is not the only approved therapy.",
    "in the first-line treatment of Stage IV non-small cell lung cancer (NSCLC).",
])
def test_not_claims(sentence):
    assert scan(sentence) == []


def test_non_global_forms_are_marked():
    assert kinds("As one of the first company to use CAR-T cell to treat autoimmune diseases, IASO Bio submits "
                 "the first IND application in China.") == [("first", "china"), ("one_of_first", "")]
    assert kinds("She was the first patient treated with CAR-T at our centre.") == [("first_local", "")]
    assert kinds("我院首例CAR-T治疗成功。") == [("first_local", "")]
    assert kinds("Erlangen war eine der ersten Kliniken, die CAR-T-Zellen bei Lupus einsetzten.") == [
        ("one_of_first", "")]
    assert kinds("IASO Bio is among the first companies worldwide to use CAR-T in NMOSD.") == [("one_of_first", "world")]


@pytest.mark.parametrize("sentence, hedged", [
    ("To our knowledge, this is the first report of BCMA CAR-T in NMOSD.", True),
    ("This may be the first case of CAR-T in pemphigus.", True),
    ("据我们所知，这是全球首例。", True),
    ("Unseres Wissens ist dies weltweit erstmals gelungen.", True),
    ("This is the first case globally to be cured.", False),
])
def test_hedges(sentence, hedged):
    assert is_hedged(sentence) is hedged


def test_event_types():
    assert event_type_of("the world’s first IND application for CAR-T in NMOSD") == "ind"
    assert event_type_of("Canada is the first country in the world to approve its use") == "approval"
    assert event_type_of("the first case globally to be cured of lupus") == "cure"
    assert event_type_of("the first lupus patient in the world to receive CAR-T") == "treated"
