"""Finding a curator's quote in an article text.

Article texts scraped from web pages break lines anywhere, even inside numbers ("83.\\n    3%"), so a quote
matches when it occurs in the text after every whitespace character is deleted from both. A curator therefore
writes "83.3%" and "Nat Med. 2022 Sep 15" as they read, and the match still names the exact characters.
"""

from __future__ import annotations


def squeeze(text: str) -> str:
    """`text` without any whitespace: the form quotes are compared in."""
    return "".join(text.split())


def find_quote(quote: str, text: str) -> tuple[int, int] | None:
    """The (start, end) character span of `quote` in `text`, whitespace ignored; None when it does not occur."""
    needle = squeeze(quote)
    if not needle:
        return None
    kept = [i for i, ch in enumerate(text) if not ch.isspace()]
    at = "".join(text[i] for i in kept).find(needle)
    if at < 0:
        return None
    return kept[at], kept[at + len(needle) - 1] + 1


def quote_in_text(quote: str, text: str) -> bool:
    return bool(quote.strip()) and squeeze(quote) in squeeze(text)
