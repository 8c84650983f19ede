"""Article text (.txt) as an input: extract a curated record first, then read it like a hand-written one.

The record's source id is the file's stem (`NAME.txt` -> `NAME`), as for hand-written seed fixtures. Rows of
extracted values point at the article itself: their `loc` is the character span `chars:START-END` the value
was read from, so findings quote and locate the text, not an intermediate record.
"""

from __future__ import annotations

from trialguard.dataset import DatasetBuilder
from trialguard.extract.record import extract_record
from trialguard.ingest import records
from trialguard.ingest.context import IngestContext
from trialguard.validators import ingestion as tg0


def source_id_of(name: str) -> str:
    base = name.rsplit("!", 1)[-1].replace("\\", "/").rsplit("/", 1)[-1]
    return base[:-4] if base.lower().endswith(".txt") else base


def _relocate(b: DatasetBuilder, spans: dict[str, tuple[int, int]]) -> None:
    for rows in b.rows.values():
        for i, row in enumerate(rows):
            loc = row.loc or ""
            span = spans.get(loc) or spans.get(f"{loc}/n") or spans.get(f"{loc}/published")
            if span:
                rows[i] = row._replace(loc=f"chars:{span[0]}-{span[1]}")


def read(ctx: IngestContext, name: str, data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        ctx.reject(tg0.UNREADABLE_FILE, name, "", f"not UTF-8 text (byte {e.start})")
        return
    if not text.strip():
        ctx.reject(tg0.EMPTY_FILE, name, "", "article text is empty")
        return
    ex = extract_record(text, source_id_of(name))
    rec = ex.record

    def fill(b: DatasetBuilder) -> None:
        records.check(rec)
        records.map_record(b, name, rec, text)
        _relocate(b, ex.spans)

    ctx.record(name, "", "source", rec["source"]["id"], fill, id_field="source.id")
