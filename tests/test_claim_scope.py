"""Facet-by-facet comparison of a claim's scope with an event's."""

from trialguard.claims.scope import normalize, relate, targets_of


def fs(*ids):
    return frozenset(ids)


def test_dual_target_event_lies_inside_a_single_target_claim():
    # a CD19/BCMA CAR-T is a BCMA-directed CAR-T: inside "CAR-BCMA has never been reported"
    assert relate("targets", fs("BCMA"), fs("CD19", "BCMA")) == "contained"
    # and inside "first CAR-T" of any target
    assert relate("targets", fs(), fs("CD19", "BCMA")) == "contained"


def test_target_sets_partial_and_disjoint():
    assert relate("targets", fs("CD19", "CD22"), fs("CD19")) == "partial"
    assert relate("targets", fs("BCMA"), fs("CD19")) == "disjoint"
    assert relate("targets", fs("BCMA"), fs()) == "unknown"


def test_product_names_imply_targets():
    assert targets_of(None, "Equecabtagene Autoleucel (CT103A)") == fs("BCMA")
    assert targets_of("CD19", "CAR-T") == fs("CD19")


def test_indication_hierarchy():
    claim = normalize("indication", "autoimmune diseases")
    assert relate("indication", claim, normalize("indication", "systemic lupus erythematosus")) == "contained"
    assert relate("indication", claim, fs("dlbcl", "sle")) == "contained"  # a patient with both
    assert relate("indication", claim, fs("multiple-myeloma")) == "disjoint"
    # an event "in autoimmune disease" is broader than a claim about SLE: maybe inside, maybe not
    assert relate("indication", fs("sle"), fs("autoimmune-disease")) == "partial"
    assert relate("indication", fs("sle"), fs()) == "unknown"
    # a claim naming a disease and its parent is about the narrower one
    assert relate("indication", fs("autoimmune-disease", "nmosd"), fs("sle")) == "disjoint"


def test_modality_and_geography():
    assert relate("modality", fs("car-t"), fs("equecabtagene-autoleucel")) == "contained"
    assert relate("modality", fs("car-t"), fs("cell-therapy")) == "partial"
    assert relate("modality", fs("car-t"), fs("antibody")) == "disjoint"
    assert relate("geography", fs("world"), fs()) == "contained"
    assert relate("geography", fs("china"), fs("china")) == "contained"
    assert relate("geography", fs("china"), fs("usa")) == "disjoint"
    assert relate("geography", fs("china"), fs()) == "unknown"
