"""Claim scope: facet text -> canonical ids, and the facet-by-facet comparison of a claim with an event.

A claim ("the first BCMA CAR-T given to an SLE patient in China") restricts five facets. Each facet value is
normalised to a set of canonical ids from the vocabulary (`trialguard/vocab`): modality and indication and
geography and population are nodes of is-a hierarchies, targets are a set of antigens. Comparing an event with
a claim gives, per facet, one relation:

- ``contained``: the event lies inside the claim's scope on that facet (an empty claim facet means "any").
  Hierarchies: every node the claim names is the event's node or above it (SLE lies inside "autoimmune
  disease"; Kymriah inside CAR-T). Targets: every antigen the claim names is targeted by the event's product,
  so a CD19/BCMA dual CAR-T lies inside a claim about "BCMA CAR-T" (it *is* a BCMA-directed CAR-T) and inside a
  claim about "CAR-T" of any target; a claim about "CD19/CD22 CAR-T" only partially covers a CD19-only event.
- ``partial``: the facets overlap without containment (the event is broader than the claim, e.g. an event "in
  autoimmune disease" against a claim about SLE, or shares only some antigens).
- ``disjoint``: nothing in common (CD19 vs BCMA; multiple myeloma vs autoimmune disease).
- ``unknown``: the claim restricts the facet and the event does not state it.

A product names its targets in the vocabulary, so an event that only says "Kymriah" has targets {CD19}.
"""

from __future__ import annotations

import functools

from trialguard.vocab import antigens, product_targets, taxonomy

FACETS = ("modality", "targets", "indication", "geography", "population")
TAXONOMY_OF = {"modality": "modalities", "indication": "indications", "geography": "geography",
               "population": "populations"}
CONTAINED, PARTIAL, DISJOINT, UNKNOWN = "contained", "partial", "disjoint", "unknown"


@functools.lru_cache(maxsize=8192)
def normalize(facet: str, text: str | None) -> frozenset[str]:
    """The canonical ids a facet's text names ("CAR-BCMA T-cell" -> modality {car-t}, targets {BCMA}).
    Canonical ids themselves are accepted too ("car-t", "sle dlbcl", "BCMA CD19")."""
    if not isinstance(text, str) or not text.strip():
        return frozenset()
    if facet == "targets":
        return frozenset(antigens().find(text))
    return frozenset(taxonomy(TAXONOMY_OF[facet]).find(text))


def targets_of(targets_text: str | None, modality_text: str | None) -> frozenset[str]:
    """Stated targets, completed by the targets of any product named in the modality."""
    stated = normalize("targets", targets_text)
    implied = {t for m in normalize("modality", modality_text) for t in product_targets(m)}
    return stated | frozenset(implied)


def most_specific(facet: str, ids: frozenset[str]) -> frozenset[str]:
    """Drop nodes that lie above another node of the set ({autoimmune disease, NMOSD} -> {NMOSD}): a scope
    that names both is about the narrower one."""
    tax = taxonomy(TAXONOMY_OF[facet])
    return frozenset(i for i in ids if not any(o != i and tax.inside(o, i) for o in ids))


@functools.lru_cache(maxsize=65536)
def relate(facet: str, claim: frozenset[str], event: frozenset[str]) -> str:
    """How an event's facet value relates to a claim's (see the module docstring)."""
    if not claim:
        return CONTAINED
    if facet == "targets":
        if not event:
            return UNKNOWN
        if claim <= event:
            return CONTAINED
        return PARTIAL if claim & event else DISJOINT
    tax = taxonomy(TAXONOMY_OF[facet])
    claim = most_specific(facet, claim)
    if all(not tax.parents.get(c) for c in claim):  # the claim names only roots ("the world"): no restriction
        return CONTAINED
    if not event:
        return UNKNOWN
    if all(any(tax.inside(e, c) for e in event) for c in claim):
        return CONTAINED
    if any(tax.inside(e, c) or tax.inside(c, e) for c in claim for e in event):
        return PARTIAL
    return DISJOINT


def describe(facet: str, ids: frozenset[str]) -> str:
    """Readable facet value for reports: names, sorted; "(any)" for an unrestricted facet."""
    if not ids:
        return "(any)"
    if facet == "targets":
        return "/".join(sorted(ids))
    tax = taxonomy(TAXONOMY_OF[facet])
    return ", ".join(sorted(tax.label(i) for i in ids))
