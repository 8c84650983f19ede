"""The shipped vocabulary: synonyms, hierarchies, antigen aliases, product targets."""

from trialguard.vocab import antigens, load, product_targets, taxonomy


def test_loader_is_cached_and_safe():
    assert load("antigens") is load("antigens")
    assert taxonomy("indications") is taxonomy("indications")


def test_indication_synonyms_and_hierarchy():
    ind = taxonomy("indications")
    assert ind.find("diffuse large B-cell lymphoma and refractory lupus erythematosus") == ("dlbcl", "sle")
    assert ind.find("relapsed or refractory AQP4-IgG seropositive NMOSD") == ("nmosd",)
    assert ind.find("系统性红斑狼疮") == ("sle",)
    assert ind.inside("lupus-nephritis", "autoimmune-disease")
    assert ind.inside("dlbcl", "hematologic-malignancy")
    assert not ind.inside("multiple-myeloma", "autoimmune-disease")
    assert ind.nodes["sle"]["mesh"] == "D008180"


def test_short_capital_abbreviations_match_only_in_capitals():
    ind = taxonomy("indications")
    assert ind.find("all patients") == ()
    assert ind.find("children with ALL") == ("b-all",)
    assert taxonomy("geography").find("let us know") == ()
    assert taxonomy("geography").find("in the US") == ("usa",)


def test_antigen_aliases_and_construct_names():
    ag = antigens()
    assert ag.find("TNFRSF17") == ("BCMA",) == ag.find("CD269") == ag.find("CAR-BCMA T-cell therapy")
    assert ag.find("compound dual-target CAR-T (CD19/BCMA)") == ("CD19", "BCMA")
    assert ag.find("MS4A1") == ("CD20",)


def test_products_are_car_t_with_targets():
    mod = taxonomy("modalities")
    assert mod.find("Equecabtagene AutoleucelCT103A") == ("equecabtagene-autoleucel",)  # glued by text extraction
    assert mod.find("Kymriah (CTL-019)") == ("tisagenlecleucel",)
    assert mod.find("FKC876") == ("axicabtagene-ciloleucel",)
    assert mod.inside("equecabtagene-autoleucel", "cell-therapy")
    assert product_targets("equecabtagene-autoleucel") == ("BCMA",)
    assert product_targets("car-t") == ()


def test_canonical_ids_are_accepted_as_values():
    assert taxonomy("indications").find("sle dlbcl") == ("sle", "dlbcl")
    assert taxonomy("modalities").find("car-t") == ("car-t",)
