"""Which adapter reads a file: by suffix, then by sniffing the parsed document where a suffix is shared."""

from __future__ import annotations

from typing import Callable

from trialguard.ingest.context import IngestContext

Adapter = Callable[[IngestContext, str, bytes], None]


def suffix_of(name: str) -> str:
    """The suffix of a file or archive member name ('a.zip!dir.v2/NCT1.json' -> 'json'), '' when none."""
    last = name.rsplit("!", 1)[-1].rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1].lower() if "." in last else ""


def adapter_for(name: str, data: bytes) -> Adapter | None:
    suffix = suffix_of(name)
    if suffix == "zip":
        from trialguard.ingest import archive
        return archive.read
    if suffix in ("json", "ndjson", "jsonl"):
        from trialguard.ingest import json_documents
        return json_documents.read
    if suffix == "xml":
        from trialguard.ingest import ctgov_xml
        return ctgov_xml.read
    if suffix in ("yaml", "yml"):
        from trialguard.ingest import records
        return records.read_yaml
    if suffix == "txt":
        try:
            from trialguard.ingest import text
        except ImportError:
            return None
        return text.read
    return None
