"""Scope facets of an event (modality, targets, indication, geography) and claims, via the claims package.

Thin adapters: `trialguard.claims` (vocabulary-based facet normalisation and `extract_claims(text, context)`)
is developed on its own branch; until it is present, events carry the few facets a small built-in lexicon
finds and no claims are extracted.
"""

from __future__ import annotations

import re

_FALLBACK = {
    "modality": [("car-t", r"\bCAR[- ]?T\b|\bCAR[- ]BCMA\b|chimeric antigen receptor")],
    "targets": [("CD19", r"\bCD19\b"), ("BCMA", r"\bBCMA\b"), ("CD20", r"\bCD20\b"), ("CD22", r"\bCD22\b")],
    "indication": [("sle", r"\bSLE\b|lupus"), ("nmosd", r"\bNMOSD\b|neuromyelitis optica"),
                   ("dlbcl", r"diffuse large B-cell lymphoma|\bDLBCL\b"), ("multiple myeloma", r"multiple myeloma")],
    "geography": [("china", r"\bChina\b|\bChinese\b"), ("germany", r"\bGermany\b|\bGerman\b"),
                  ("united states", r"United States|\bU\.S\.")],
}


def facet_ids(facet: str, text: str) -> list[str]:
    """Canonical ids of `facet` that `text` names (vocabulary of trialguard.claims when available)."""
    try:
        from trialguard.claims.scope import normalize
    except ImportError:
        return sorted({cid for cid, rx in _FALLBACK[facet] if re.search(rx, text, re.I)})
    return sorted(normalize(facet, text))


def claims_in(text: str, context: dict) -> list[dict]:
    """Claim rows (`claims` table columns, loc `chars:S-E`) from trialguard.claims, or [] before it lands."""
    try:
        from trialguard.claims.extract import extract_claims
    except ImportError:
        return []
    return extract_claims(text, context)
