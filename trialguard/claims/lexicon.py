"""The compiled claim lexicon (`trialguard/vocab/claims.yaml`): markers, hedges, non-global phrases and the
words that say which kind of event a claim is about."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from trialguard.vocab import load, taxonomy

FLAGS = re.IGNORECASE | re.MULTILINE


@dataclass(frozen=True)
class Marker:
    id: str
    pattern: re.Pattern
    kind: str
    event_type: str = ""
    geography: str = ""  # world, a geography id, or "from_match" (the pattern's `geo` group)
    needs_scope: bool = False
    veto: re.Pattern | None = None


@dataclass(frozen=True)
class Lexicon:
    markers: tuple[Marker, ...]
    hedges: tuple[re.Pattern, ...]
    non_global: tuple[tuple[str, re.Pattern], ...]  # (kind, pattern)
    scope_marker: re.Pattern
    not_priority: re.Pattern
    event_types: tuple[tuple[str, re.Pattern], ...]
    implies: dict
    report_types: tuple[str, ...]


def _squeeze(s: str) -> str:
    """YAML folds long patterns over lines: drop unescaped whitespace (write `\\ ` for a real space)."""
    return re.sub(r"(?<!\\)\s+", "", s or "")


def _geo_alternation() -> str:
    geo = taxonomy("geography")
    terms = {str(t) for n in geo.nodes.values() for t in [n.get("name", ""), *(n.get("synonyms") or [])] if t}
    terms = sorted((t for t in terms if t.isascii()), key=lambda t: (-len(t), t))
    return "(?:" + "|".join(re.escape(t).replace(r"\ ", " ").replace(" ", r"\ ") for t in terms) + ")"


@functools.lru_cache(maxsize=None)
def lexicon() -> Lexicon:
    data = load("claims")
    subs = {"head": _squeeze(data["head"]), "not_priority": _squeeze(data["not_priority"]), "geo": _geo_alternation()}

    def fill(p: str) -> str:
        return _squeeze(p).replace("{head}", subs["head"]).replace("{geo}", subs["geo"]).replace(
            "{not_priority}", subs["not_priority"])

    markers = tuple(
        Marker(
            id=m["id"],
            pattern=re.compile(fill(m["pattern"]), FLAGS),
            kind=m["kind"],
            event_type=m.get("event_type", "") or "",
            geography=m.get("geography", "") or "",
            needs_scope=bool(m.get("needs_scope")),
            veto=re.compile(fill(m["veto"]), FLAGS) if m.get("veto") else None,
        )
        for m in data["markers"]
    )
    return Lexicon(
        markers=markers,
        hedges=tuple(re.compile(fill(h), FLAGS) for h in data["hedges"]),
        non_global=tuple((kind, re.compile(fill(p), FLAGS)) for kind, pats in data["non_global"].items()
                         for p in pats),
        scope_marker=re.compile(r"\b" + fill(data["scope_markers"]), FLAGS),
        not_priority=re.compile(r"\b" + subs["not_priority"] + r"\b", FLAGS),
        event_types=tuple((k, re.compile(fill(p), FLAGS)) for k, p in data["event_types"].items()),
        implies={k: tuple(v) for k, v in (data.get("implies") or {}).items()},
        report_types=tuple(data.get("report_types") or ()),
    )


def scan(sentence: str) -> list[dict]:
    """Claim markers in one sentence: dicts with kind, event_type, geography, marker id, span and text.
    Non-global phrases turn a marker into kind one_of_first / first_local; vetoed or unscoped matches drop."""
    lex = lexicon()
    local = [(kind, m.start(), m.end()) for kind, p in lex.non_global for m in p.finditer(sentence)]
    found: list[dict] = []
    for mk in lex.markers:
        if mk.veto is not None and mk.veto.search(sentence):
            continue
        for m in mk.pattern.finditer(sentence):
            text = m.group(0)
            if mk.needs_scope or mk.id.startswith(("the-first", "first-in-country")):
                if lex.not_priority.search(text) or re.match(r"[\s-]*line\b", sentence[m.end():], re.I):
                    continue
                after = re.match(r"\s+([\w-]+)", sentence[m.end():])
                if after and lex.not_priority.fullmatch(after.group(1)):
                    continue
            if mk.needs_scope and not lex.scope_marker.search(sentence):
                continue
            if re.search(r"first[- ]line", text, re.I):
                continue
            kind = mk.kind
            for lkind, s, e in local:
                if s < m.end() and m.start() < e:
                    kind = lkind
                    break
            geography = mk.geography
            if geography == "from_match":
                g = m.groupdict().get("geo") or ""
                ids = taxonomy("geography").find(g)
                geography = ids[0] if ids else ""
            found.append({"marker": mk.id, "kind": kind, "event_type": mk.event_type, "geography": geography,
                          "start": m.start(), "end": m.end(), "text": text})
    # a non-global phrase is recorded even when no marker matched inside it ("first patient at our centre")
    for kind, s, e in local:
        if not any(f["start"] < e and s < f["end"] for f in found):
            found.append({"marker": kind, "kind": kind, "event_type": "", "geography": "", "start": s, "end": e,
                          "text": sentence[s:e]})
    return found


def is_hedged(sentence: str) -> bool:
    return any(h.search(sentence) for h in lexicon().hedges)


def event_type_of(sentence: str) -> str:
    """The kind of event a sentence talks about (first matching group of the lexicon), or ""."""
    for name, p in lexicon().event_types:
        if p.search(sentence):
            return name
    return ""


KINDS = ("first", "never_reported", "only", "one_of_first", "first_local")


def claims_in(sentence: str) -> list[dict]:
    """The claims of one sentence: one per kind, the earliest marker of that kind, with the geography and
    event type any of its markers states (e.g. "the first lupus patient in the world")."""
    by_kind: dict[str, dict] = {}
    for f in sorted(scan(sentence), key=lambda f: (f["start"], KINDS.index(f["kind"]))):
        best = by_kind.setdefault(f["kind"], dict(f))
        best["geography"] = best["geography"] or f["geography"]
        best["event_type"] = best["event_type"] or f["event_type"]
    return [by_kind[k] for k in KINDS if k in by_kind]
