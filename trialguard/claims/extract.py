"""Find priority and novelty claims in free text (registry summaries, article text) as `claims` table rows.

Precision over recall: a sentence becomes a claim only when a lexicon marker matches and no veto applies
("the first two weeks", "patients who receive it for the first time", "the only center enrolling"). Each row
carries its sentence as `quote` and its character span in `loc`. Facets are the vocabulary terms the sentence
states; the modality facet keeps the most general class named ("the world's first CAR-T" in a sentence that
also names Equecabtagene Autoleucel is about CAR-T), and geography comes only from the claim marker itself
("world's first", "China's first", "the first ... in China").
"""

from __future__ import annotations

import re

from trialguard.claims.lexicon import claims_in, event_type_of, is_hedged
from trialguard.claims.scope import most_specific, normalize
from trialguard.dataset import TABLES
from trialguard.vocab import taxonomy

# A sentence ends at . ! ? (or their CJK forms) before whitespace and an upper-case letter, a quote, a CJK
# character or the end; or at a blank line. A period before a digit or a lower-case word does not end one
# (text extraction breaks "83.\n 3%" and "sequelae\n ." over lines).
_END = re.compile(r"(?<=[.!?])\s+(?=[\"“'‘(\[A-Z\u3000-\u9fff]|\d{1,2}\.\s)|(?<=[。！？；])|\n[ \t]*\n\s*")
_ABBREV = re.compile(r"(?:\b(?:Dr|Mr|Mrs|Ms|Prof|vs|e\.g|i\.e|et al|No|Fig|approx|ca|St|U\.S|Inc|Ltd|Co)|\b[A-Z])\.$")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of `text`, whitespace trimmed."""
    spans, start = [], 0
    for m in _END.finditer(text):
        if _ABBREV.search(text[start:m.start()]):
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        seg = text[s:e]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        if e - trail > s + lead:
            out.append((s + lead, e - trail))
    return out


def _ids(facet: str, sentence: str) -> list[str]:
    return sorted(normalize(facet, sentence))


def claim_facets(sentence: str) -> dict:
    """modality, targets, indication, population stated by a claim sentence (space-separated canonical ids)."""
    named = normalize("modality", sentence)
    modality = claim_modality(named)
    products = frozenset(m for m in named - modality if taxonomy("modalities").nodes.get(m, {}).get("targets"))
    indication = most_specific("indication", frozenset(i for i in normalize("indication", sentence) if i != "disease"))
    population = frozenset(p for p in normalize("population", sentence) if p != "people")
    return {
        "modality": " ".join(sorted(modality)),
        "targets": " ".join(_ids("targets", sentence)),
        "indication": " ".join(sorted(indication)),
        "population": " ".join(sorted(population)),
        "product": "; ".join(sorted(taxonomy("modalities").label(p) for p in products)),
    }


def claim_modality(ids: frozenset[str]) -> frozenset[str]:
    """The classes a claim is about: the most specific class named ("CAR-BCMA T-cell therapy" is CAR-T, not
    cell therapy); a product only when no class is named ("the world's first CAR-T" naming Equecabtagene
    Autoleucel is a claim about CAR-T)."""
    tax = taxonomy("modalities")
    classes = frozenset(i for i in ids if i != "therapy" and not tax.nodes.get(i, {}).get("targets"))
    return most_specific("modality", classes) if classes else frozenset(i for i in ids if i != "therapy")


def extract_claims(text: str, context: dict | None = None) -> list[dict]:
    """Claims in `text` as rows for the `claims` table.

    `context` supplies provenance and dates: trial_id, source_id, file, loc (the pointer of the text; a claim's
    loc is `<loc>#chars:S-E`, or `chars:S-E` when the text has none), claim_date (the date the text makes its
    claims, e.g. the source's publication date) and offset (added to character positions when `text` is a
    slice of a larger document). One row per sentence and kind of claim.
    """
    ctx = context or {}
    if not isinstance(text, str) or not text.strip():
        return []
    offset = int(ctx.get("offset", 0) or 0)
    base = ctx.get("loc") or ""
    rows: list[dict] = []
    seen: set[str] = set()
    for s, e in sentences(text):
        flat = " ".join(text[s:e].split())  # also folds no-break spaces and line breaks
        found = claims_in(flat)
        key = flat.rstrip(".!?。 ").casefold()
        if not found or key in seen:
            continue
        seen.add(key)  # a headline repeated down the page is one claim
        facets = claim_facets(flat)
        hedged = is_hedged(flat)
        for f in found:
            kind = f["kind"]
            span = f"chars:{offset + s}-{offset + e}"
            rows.append({
                "trial_id": ctx.get("trial_id", "") or "",
                "source_id": ctx.get("source_id", "") or "",
                "file": ctx.get("file", "") or "",
                "loc": f"{base}#{span}" if base else span,
                "kind": kind,
                "event_type": f["event_type"] or event_type_of(flat),
                "geography": f["geography"],
                **{k: v for k, v in facets.items() if k in TABLES["claims"]},
                "claim_date": ctx.get("claim_date", "") or "",
                "event_date_lo": "",
                "event_date_hi": "",
                "hedged": hedged,
                "quote": flat,
            })
    return rows
