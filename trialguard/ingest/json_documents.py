"""JSON inputs: a CT.gov v2 study object, an array of them (ctg-studies.json), NDJSON, or a curated record."""

from __future__ import annotations

import codecs
import gc

import numpy as np
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


_NOT_STRUCTURE = bytes(c for c in range(256) if c not in b'[]{}"')


def nesting_bound(data: bytes) -> int:
    """An upper bound on the container nesting depth of a JSON text, computed from its raw bytes by a few
    C-speed passes (numpy scans, bytes.translate) instead of a Python walk over every parsed container. It
    is the real depth whenever the text is valid JSON, so a document whose bound is within the limit needs
    no walk at all.

    Brackets inside strings do not count. Once the escaped quotes are blanked (`_blank_escaped_quotes`), the
    remaining quotes delimit strings, and a running parity of them says which brackets are inside one.
    UTF-8 multi-byte characters never contain ASCII bytes, so working on bytes is exact."""
    if b"\\" in data:
        data = _blank_escaped_quotes(data)
    structure = np.frombuffer(data.translate(None, _NOT_STRUCTURE), dtype=np.uint8)
    quotes = structure == ord('"')
    brackets = structure[~(np.bitwise_xor.accumulate(quotes) | quotes)]  # outside strings (parity: inside)
    if not len(brackets):
        return 0
    steps = (brackets & 2).view(np.int8) - 1  # [ and { have the bit of value 2 set: +1; ] and }: -1
    depth_type = np.int32 if len(steps) < 2**31 else np.int64  # a sum of int8s into int32 is 10x faster
    return max(int(np.cumsum(steps, dtype=depth_type).max()), 0)


def _blank_escaped_quotes(data: bytes) -> bytes | bytearray:
    """The text with every escaped quote replaced by a space. Backslashes occur only inside strings, in
    runs read as pairs from the left: a quote is escaped exactly when the run of backslashes before it is
    of odd length. Only the (few) backslashes are looked at one by one, in numpy."""
    raw = np.frombuffer(data, dtype=np.uint8)
    slashes = np.flatnonzero(raw == ord("\\"))
    run_starts = np.flatnonzero(np.diff(slashes, prepend=-2) != 1)  # first backslash of each run
    run_lengths = np.diff(run_starts, append=len(slashes))
    after = slashes[run_starts] + run_lengths  # the byte after each run
    after = after[(run_lengths % 2 == 1) & (after < len(raw))]
    escaped = after[raw[after] == ord('"')]
    if not len(escaped):
        return data
    blanked = bytearray(data)
    np.frombuffer(blanked, dtype=np.uint8)[escaped] = ord(" ")
    return blanked


PARSER_MAX_DEPTH = 1024  # orjson refuses deeper documents whatever --max-json-depth says


def too_deep(ctx: IngestContext, name: str, loc: str, depth: int) -> None:
    limit = ctx.limits.max_json_depth
    over = (f"over the limit of {limit} levels (--max-json-depth)" if limit < PARSER_MAX_DEPTH
            else f"deeper than the JSON parser reads ({PARSER_MAX_DEPTH} levels)")
    ctx.reject(tg0.INPUT_LIMIT, name, loc, f"JSON nested {depth} levels deep, {over}", observed=str(depth))


_BOM = b"\xef\xbb\xbf"  # a byte-order mark is legal at the start of a UTF-8 file


def decode(ctx: IngestContext, name: str, data: bytes, loc: str, bound: int):
    """Parse one JSON text; on failure reject it and return None. orjson parses the bytes directly (it
    validates UTF-8 itself, so the text is never decoded to str first); only a failure decodes them, to
    name the first byte that is not UTF-8. Nesting was bounded on the bytes (`bound`, from `_bound`); only a
    document whose bound exceeds the limit has its parsed tree walked."""
    try:
        obj = orjson.loads(_without_bom(data))
    except orjson.JSONDecodeError as e:
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as u:
            ctx.reject(tg0.UNREADABLE_FILE, name, loc,
                       f"not UTF-8 text (byte {u.start}: {data[u.start:u.start+1]!r})")
            return None
        if bound > min(ctx.limits.max_json_depth, PARSER_MAX_DEPTH) and "depth" in str(e):
            too_deep(ctx, name, loc, bound)
        else:
            ctx.reject(tg0.MALFORMED_DOCUMENT, name, loc, f"invalid JSON: {e}")
        return None
    limit = ctx.limits.max_json_depth
    if bound > limit and depth_exceeds(obj, limit):
        too_deep(ctx, name, loc, bound)
        return None
    return obj


def _without_bom(data: bytes):
    return memoryview(data)[len(_BOM):] if data.startswith(_BOM) else data


def _bound(ctx: IngestContext, data: bytes) -> int:
    """`nesting_bound`, skipped when the document has too few brackets to reach the limit."""
    if len(data) > 1 << 20:  # counting brackets costs as much as the bound itself, and would exceed the limit
        return nesting_bound(data)
    bound = data.count(b"[") + data.count(b"{")  # depth <= opening brackets: enough for small documents
    return nesting_bound(data) if bound > ctx.limits.max_json_depth else bound


def is_utf8(data: bytes, piece: int = 1 << 16) -> bool:
    """Whether the bytes are UTF-8, checked piece by piece: decoding a large text with a few non-ASCII
    characters in one go builds a string of 2 or 4 bytes per character, four times slower."""
    if data.isascii():
        return True
    decode, view = codecs.getincrementaldecoder("utf-8")().decode, memoryview(data)
    try:
        for start in range(0, len(view), piece):
            decode(view[start:start + piece])
        decode(b"", True)
    except UnicodeDecodeError:
        return False
    return True


def read(ctx: IngestContext, name: str, data: bytes) -> None:
    from trialguard.ingest.formats import suffix_of

    if suffix_of(name) in ("ndjson", "jsonl"):
        for i, line in enumerate(data.split(b"\n"), start=1):
            if line.strip():
                read_document(ctx, name, line, f"line:{i}")
    else:
        read_document(ctx, name, data, "")


def read_document(ctx: IngestContext, name: str, data: bytes, loc: str) -> None:
    """One JSON text. CT.gov v2 studies in the registry's own types are decoded straight into the adapter's
    structs (`ctgov_v2_types.decode_studies`); anything else (curated records, studies with a value of
    another type, text that is not valid JSON) is parsed into dicts and read the general way, which accepts
    or rejects exactly as the strict decoder would have, plus what only the lenient reading accepts. (One
    difference is deliberate: a number beyond the range of a double, valid JSON that orjson refuses, does
    not reject a study when it sits in a field trialguard does not read.)

    Either way the parsed tree (with everything older) sits in the collector's permanent generation while it
    is read: the collector runs while the rules check a chunk, and would otherwise traverse its objects."""
    from trialguard.ingest import ctgov_v2, ctgov_v2_types

    bound = _bound(ctx, data)
    strict = (b"protocolSection" in data and bound <= min(ctx.limits.max_json_depth, PARSER_MAX_DEPTH)
              and is_utf8(data))
    decoded = ctgov_v2_types.decode_studies(_without_bom(data)) if strict else None
    obj = decode(ctx, name, data, loc, bound) if decoded is None else None
    gc.freeze()
    try:
        if decoded is not None:
            ctgov_v2.read_studies(ctx, name, loc, decoded)
        elif obj is not None:
            read_object(ctx, name, loc, obj)
    finally:
        gc.unfreeze()


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
        keys = ", ".join(sorted(obj)[:5]) or "none"
        ctx.reject(tg0.UNKNOWN_FORMAT, name, loc, "JSON object is neither a CT.gov v2 study (no protocolSection) "
                   f"nor a curated record (no source); keys: {keys}")
