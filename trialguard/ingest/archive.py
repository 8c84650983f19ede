"""Zip archives: members are read in memory (never extracted to disk) and dispatched like files.

A member is refused (TG008) rather than read when its name is absolute or climbs out with '..', when it is
an archive inside an archive inside an archive (one level of nesting is read: a zip of zips), when it is
larger or more compressed than the limits allow, or when its data is corrupt or encrypted. Members that are not inputs (a README, macOS resource forks) are listed as skipped, as files
in a folder are.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from trialguard.ingest.context import IngestContext
from trialguard.validators import ingestion as tg0

MAX_NESTING = 1  # archives inside an archive are read; archives inside those are not


def unsafe_name(member: str) -> bool:
    parts = member.replace("\\", "/").split("/")
    return member.startswith(("/", "\\")) or (len(member) > 1 and member[1] == ":") or ".." in parts


def is_junk(member: str) -> bool:
    """Files archivers add beside the content (__MACOSX/ resource forks, hidden files)."""
    parts = member.split("/")
    return parts[0] == "__MACOSX" or any(p.startswith(".") and p != ".." for p in parts if p)


def refusal(ctx: IngestContext, info: zipfile.ZipInfo, nesting: int) -> str | None:
    """Why a member must not be read, or None."""
    from trialguard.ingest.formats import suffix_of

    limits = ctx.limits
    if unsafe_name(info.filename):
        return "unsafe member name (absolute or '..' path)"
    if suffix_of(info.filename) == "zip" and nesting >= MAX_NESTING:
        return f"archives nested more than {MAX_NESTING} level deep are not read"
    if info.file_size > limits.max_member_bytes:
        return f"member is {info.file_size} bytes, over the limit of {limits.max_member_bytes} bytes"
    if info.compress_size and info.file_size / info.compress_size > limits.max_compression_ratio:
        return (f"compression ratio {info.file_size // info.compress_size}:1 is over the limit of "
                f"{limits.max_compression_ratio}:1")
    return None


def read(ctx: IngestContext, name: str, data: bytes, nesting: int = 0) -> None:
    """Read an archive's members; `nesting` is how many archives this one is inside."""
    from trialguard.ingest import INPUT_SUFFIXES, read_bytes
    from trialguard.ingest.formats import suffix_of

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        ctx.reject(tg0.MALFORMED_DOCUMENT, name, "", f"not a readable zip archive: {e}")
        return
    if len(infos) > ctx.limits.max_archive_members:
        ctx.reject(tg0.INPUT_LIMIT, name, "", f"archive has {len(infos)} members, over the limit of "
                   f"{ctx.limits.max_archive_members}", observed=str(len(infos)))
        return
    for info in sorted(infos, key=lambda i: i.filename):
        if info.is_dir():
            continue
        member = f"{name}!{info.filename}"
        if not unsafe_name(info.filename) and (is_junk(info.filename) or (
                f".{suffix_of(info.filename)}" not in INPUT_SUFFIXES and suffix_of(info.filename) != "zip")):
            ctx.skipped.append(member)
            continue
        why = refusal(ctx, info, nesting)
        if why:
            ctx.reject(tg0.BAD_ARCHIVE_MEMBER, member, "", why)
            continue
        try:
            payload = zf.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError, RuntimeError,
                zlib.error) as e:
            ctx.reject(tg0.BAD_ARCHIVE_MEMBER, member, "", f"cannot read archive member: {e}")
            continue
        if suffix_of(info.filename) == "zip":
            read(ctx, member, payload, nesting + 1)
        else:
            read_bytes(ctx, member, payload)
