"""Curated vocabulary shipped with trialguard: indications, antigens, modalities, geography, populations and
the claim lexicon (`*.yaml` next to this file; see docs/vocab.md for how to extend them).

Files are read once (cached) with `yaml.safe_load`. A `Taxonomy` is an is-a hierarchy with synonyms: it finds
the canonical ids a text mentions and answers whether one node lies inside another.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

VOCAB_DIR = Path(__file__).resolve().parent
TAXONOMIES = ("indications", "modalities", "geography", "populations")


@functools.lru_cache(maxsize=None)
def load(name: str) -> dict:
    """The parsed YAML file `name`.yaml of the vocabulary folder (cached; treat the result as read-only)."""
    with open(VOCAB_DIR / f"{name}.yaml", encoding="utf-8") as f:
        data = yaml.safe_load(f)
    return data or {}


def _has_cjk(s: str) -> bool:
    return any("\u3000" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in s)


def _alternative(term: str) -> str:
    """One regex alternative for a synonym: whole words (except CJK, which has no word boundaries); short
    all-capital abbreviations (ALL, US, SLE, MM) match only in capitals so that "all" and "us" stay words."""
    body = re.sub(r"(?:\\-|\\ | )+", lambda _: r"[\s-]+", re.escape(term))
    if term.isalpha() and term.isupper() and len(term) <= 4:
        body = f"(?-i:{body})"
    if _has_cjk(term):
        return body
    # a lower-to-upper case change also ends a word: text extraction glues names ("AutoleucelCT103A")
    return rf"(?<![\w]){body}(?:(?![\w])|(?-i:(?<=[a-z])(?=[A-Z])))"


def normal_term(term: str) -> str:
    """The lookup key of a synonym or a matched text: case and hyphen/space differences removed."""
    return re.sub(r"[\s-]+", " ", term.casefold()).strip()


def term_pattern(terms: list[str]) -> re.Pattern | None:
    """A case-insensitive pattern matching any of `terms`, longest first (so "B-cell lymphoma" is not read as
    "lymphoma")."""
    uniq = sorted({t for t in terms if t}, key=lambda t: (-len(t), t))
    if not uniq:
        return None
    return re.compile("|".join(f"(?:{_alternative(t)})" for t in uniq), re.IGNORECASE)


@dataclass
class Taxonomy:
    """An is-a hierarchy (a node may have several parents) with synonyms, e.g. autoimmune disease > SLE."""

    name: str
    nodes: dict[str, dict]
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _by_term: dict[str, str] = field(default_factory=dict)
    _pattern: re.Pattern | None = None

    @classmethod
    def from_yaml(cls, name: str) -> "Taxonomy":
        nodes = {str(k): (v or {}) for k, v in load(name).items()}
        tax = cls(name, nodes)
        for nid, node in nodes.items():
            p = node.get("parent") or node.get("parents") or ()
            tax.parents[nid] = tuple([p] if isinstance(p, str) else p)
            for term in [node.get("name", ""), *(node.get("synonyms") or [])]:
                if term:
                    tax._by_term.setdefault(normal_term(str(term)), nid)
        tax._pattern = term_pattern(list(tax._by_term_terms()))
        return tax

    def _by_term_terms(self):
        for node in self.nodes.values():
            yield from (str(t) for t in [node.get("name", ""), *(node.get("synonyms") or [])] if t)

    def _lookup(self, matched: str) -> str | None:
        return self._by_term.get(normal_term(matched))

    @functools.lru_cache(maxsize=4096)
    def find(self, text: str) -> tuple[str, ...]:
        """Canonical ids mentioned in `text`, in order of first mention (each once)."""
        if not text or self._pattern is None:
            return ()
        tokens = text.replace(",", " ").replace(";", " ").split()
        if tokens and all(t in self.nodes for t in tokens):  # already canonical ids ("car-t", "sle dlbcl")
            return tuple(dict.fromkeys(tokens))
        out: list[str] = []
        for m in self._pattern.finditer(text):
            nid = self._lookup(m.group(0))
            if nid and nid not in out:
                out.append(nid)
        return tuple(out)

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, id) of every mention in `text`."""
        if not text or self._pattern is None:
            return []
        return [(m.start(), m.end(), nid) for m in self._pattern.finditer(text)
                if (nid := self._lookup(m.group(0)))]

    @functools.lru_cache(maxsize=4096)
    def ancestors(self, nid: str) -> frozenset[str]:
        """`nid` and every node above it."""
        seen, todo = set(), [nid]
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            todo.extend(self.parents.get(n, ()))
        return frozenset(seen)

    def inside(self, inner: str, outer: str) -> bool:
        """Whether `inner` is `outer` or a kind of it (SLE inside autoimmune disease)."""
        return outer in self.ancestors(inner)

    def label(self, nid: str) -> str:
        return str(self.nodes.get(nid, {}).get("name", nid))

    def __hash__(self) -> int:  # for lru_cache on methods; one instance per vocabulary file
        return id(self)


@functools.lru_cache(maxsize=None)
def taxonomy(name: str) -> Taxonomy:
    """The cached taxonomy of `indications`, `modalities`, `geography` or `populations`."""
    if name not in TAXONOMIES:
        raise KeyError(f"unknown taxonomy {name!r} (expected one of {', '.join(TAXONOMIES)})")
    return Taxonomy.from_yaml(name)


@dataclass(frozen=True)
class Antigens:
    """Target antigens: canonical name <- aliases (BCMA = TNFRSF17 = CD269)."""

    canonical: dict[str, str]  # casefolded alias or name -> canonical name
    pattern: re.Pattern | None

    def find(self, text: str) -> tuple[str, ...]:
        if not text or self.pattern is None:
            return ()
        out: list[str] = []
        for m in self.pattern.finditer(text):
            name = self.canonical.get(normal_term(m.group(0)))
            if name and name not in out:
                out.append(name)
        return tuple(out)


@functools.lru_cache(maxsize=None)
def antigens() -> Antigens:
    data = load("antigens")
    canonical: dict[str, str] = {}
    for name, aliases in data.items():
        for term in [str(name), *(str(a) for a in (aliases or []))]:
            canonical[normal_term(term)] = str(name)
    terms = [str(n) for n in data] + [str(a) for al in data.values() for a in (al or [])]
    return Antigens(canonical, term_pattern(terms))


def product_targets(modality_id: str) -> tuple[str, ...]:
    """The antigens a product node targets (Kymriah -> CD19), empty for classes."""
    return tuple(taxonomy("modalities").nodes.get(modality_id, {}).get("targets") or ())
