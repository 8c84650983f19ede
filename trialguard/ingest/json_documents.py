"""JSON inputs: a CT.gov v2 study object, an array of them (ctg-studies.json), NDJSON, or a curated record."""

from __future__ import annotations

import orjson

from trialguard.ingest.context import IngestContext
from trialguard.validators import ingestion as tg0


def depth_exceeds(obj, limit: int) -> bool:
    """True when `obj` nests deeper than `limit` (iterative: a hostile document cannot blow the stack)."""
    stack = [(obj, 1)]
    while stack:
        node, d = stack.pop()
        if d > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, d + 1) for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, d + 1) for v in node if isinstance(v, (dict, list)))
    return False


def decode(ctx: IngestContext, name: str, data: bytes, loc: str = ""):
    """Parse one JSON text; on failure reject it and return None."""
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark is legal at the start of a UTF-8 file
    except UnicodeDecodeError as e:
        ctx.reject(tg0.UNREADABLE_FILE, name, loc, f"not UTF-8 text (byte {e.start}: {data[e.start:e.start+1]!r})")
        return None
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        ctx.reject(tg0.MALFORMED_DOCUMENT, name, loc, f"invalid JSON: {e}")
        return None
    if depth_exceeds(obj, ctx.limits.max_json_depth):
        ctx.reject(tg0.INPUT_LIMIT, name, loc, f"JSON nested deeper than {ctx.limits.max_json_depth} levels "
                   "(--max-json-depth)")
        return None
    return obj


def read(ctx: IngestContext, name: str, data: bytes) -> None:
    from trialguard.ingest.formats import suffix_of

    if suffix_of(name) in ("ndjson", "jsonl"):
        read_lines(ctx, name, data)
        return
    obj = decode(ctx, name, data)
    if obj is None:
        return
    read_object(ctx, name, "", obj)


def read_lines(ctx: IngestContext, name: str, data: bytes) -> None:
    for i, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        obj = decode(ctx, name, line, loc=f"line:{i}")
        if obj is not None:
            read_object(ctx, name, f"line:{i}", obj)


def read_object(ctx: IngestContext, name: str, loc: str, obj) -> None:
    from trialguard.ingest import ctgov_v2, records

    if isinstance(obj, list):
        for i, item in enumerate(obj):
            read_object(ctx, name, f"{loc}/{i}", item)
        return
    if not isinstance(obj, dict):
        ctx.reject(tg0.INVALID_RECORD, name, loc, f"expected a JSON object, found {type(obj).__name__}")
        return
    if "protocolSection" in obj:
        ctgov_v2.read_study(ctx, name, loc, obj)
    elif "source" in obj and not loc:
        records.read_record(ctx, name, obj)
    else:
        keys = ", ".join(sorted(obj)[:5])
        ctx.reject(tg0.UNKNOWN_FORMAT, name, loc, "JSON object is neither a CT.gov v2 study (no protocolSection) "
                   f"nor a curated record (no source); keys: {keys}")
