"""Article text made parseable: numbers broken across lines joined, whitespace collapsed, sentences split.

Web-scraped articles break lines inside numbers ("83.\\n    3%", "49.\\n5 years") and inside sentences. Every
rewrite goes through `MappedText`, so each sentence and each value found in it maps back to the exact
characters of the original file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from trialguard.doses import normalize
from trialguard.textmap import MappedText

_BROKEN_DECIMAL = re.compile(r"(?<=\d\.)[ \t]*\n\s*(?=\d)")  # "83.\n    3%" -> "83.3%"
_SPACE = re.compile(r"[^\S\n]*\n[^\S\n]*\n\s*|\s+")  # a blank line stays a paragraph break
_SENTENCE_END = re.compile(r"\n\n|(?<=[.!?。])\s+(?=[\"“(\[A-Z0-9])|(?<=。)\s*")
_NEW_LINE_SENTENCE = re.compile(r"[^\S\n]*\n\s*(?=[A-Z\"“])")  # a line starting upper-case starts a sentence
_LONE_STOP = re.compile(r"\s+(?=[.。](?:\s|$))")  # "sequelae\n    ." -> "sequelae."


@dataclass(frozen=True)
class Sentence:
    text: str  # normalised text of the sentence
    mapped: MappedText  # the whole prepared article
    start: int  # offsets of the sentence in `mapped.text`
    end: int

    def span(self, a: int = 0, b: int | None = None) -> tuple[int, int]:
        """Original character span of sentence characters [a, b)."""
        b = len(self.text) if b is None else b
        return self.mapped.span(self.start + a, self.start + b)

    def quote(self, a: int = 0, b: int | None = None) -> str:
        s, e = self.span(a, b)
        return self.mapped.original[s:e]


def prepare(text: str) -> MappedText:
    """Join numbers broken across lines, drop whitespace before a lone full stop, fold Unicode (superscripts
    first, see trialguard.doses.normalize), and collapse runs of whitespace to one space."""
    mt = MappedText.of(text).sub(_BROKEN_DECIMAL, "")
    mt = mt.sub(_LONE_STOP, "")
    mt = mt.sub(_NEW_LINE_SENTENCE, "\n\n")
    mt = normalize(mt)
    return mt.sub(_SPACE, lambda m: "\n\n" if m.group().count("\n") > 1 else " ")


def sentences(mt: MappedText) -> list[Sentence]:
    out, pos = [], 0
    text = mt.text
    for m in _SENTENCE_END.finditer(text):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    result = []
    for a, b in out:
        while a < b and text[a] in " 。\n":
            a += 1
        while b > a and text[b - 1] in " \n":
            b -= 1
        if b > a:
            result.append(Sentence(text[a:b], mt, a, b))
    return result
