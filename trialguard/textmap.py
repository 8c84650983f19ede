"""Text rewritten for parsing that still knows where every character came from.

Extractors rewrite text before matching (superscript exponents spelled out, Unicode folded, numbers broken
across lines joined again). Evidence must quote the *original* text, so every rewrite goes through
`MappedText`, which keeps for each output character the original span it stands for. `span(a, b)` maps a
span of the rewritten text back to the original one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class MappedText:
    text: str
    starts: tuple[int, ...]  # original start offset of each character of `text`
    ends: tuple[int, ...]  # original end offset (exclusive) of each character of `text`
    original: str

    @classmethod
    def of(cls, text: str) -> "MappedText":
        n = len(text)
        return cls(text, tuple(range(n)), tuple(range(1, n + 1)), text)

    def span(self, a: int, b: int) -> tuple[int, int]:
        """The original span of rewritten characters [a, b)."""
        n = len(self.text)
        if a >= n:
            end = self.ends[-1] if n else 0
            return end, end
        if b <= a:
            return self.starts[a], self.starts[a]
        return self.starts[a], self.ends[min(b, n) - 1]

    def quote(self, a: int, b: int) -> str:
        """The original text behind rewritten characters [a, b)."""
        s, e = self.span(a, b)
        return self.original[s:e]

    def translate(self, fn: Callable[[str], str]) -> "MappedText":
        """Replace each character by `fn(char)` (any length); all output characters map to its source."""
        out, starts, ends = [], [], []
        for ch, s, e in zip(self.text, self.starts, self.ends):
            rep = fn(ch)
            out.append(rep)
            starts.extend([s] * len(rep))
            ends.extend([e] * len(rep))
        return MappedText("".join(out), tuple(starts), tuple(ends), self.original)

    def sub(self, pattern: re.Pattern | str, repl: Callable[[re.Match], str] | str) -> "MappedText":
        """`re.sub` that keeps the map: unmatched characters keep theirs; a replacement maps to its match."""
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        out, starts, ends = [], [], []
        pos = 0
        for m in rx.finditer(self.text):
            a, b = m.span()
            out.append(self.text[pos:a])
            starts.extend(self.starts[pos:a])
            ends.extend(self.ends[pos:a])
            rep = repl(m) if callable(repl) else m.expand(repl)
            s, e = self.span(a, b)
            out.append(rep)
            starts.extend([s] * len(rep))
            ends.extend([e] * len(rep))
            pos = b
        out.append(self.text[pos:])
        starts.extend(self.starts[pos:])
        ends.extend(self.ends[pos:])
        return MappedText("".join(out), tuple(starts), tuple(ends), self.original)
