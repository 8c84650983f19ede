"""Zip archives: members are read in memory (never extracted to disk) and dispatched like files."""

from __future__ import annotations

import io
import zipfile

from trialguard.ingest.context import IngestContext
from trialguard.validators import ingestion as tg0


def read(ctx: IngestContext, name: str, data: bytes) -> None:
    from trialguard.ingest import read_bytes

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        ctx.reject(tg0.MALFORMED_DOCUMENT, name, "", f"not a readable zip archive: {e}")
        return
    for info in sorted(infos, key=lambda i: i.filename):
        if info.is_dir():
            continue
        member = f"{name}!{info.filename}"
        try:
            payload = zf.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as e:
            ctx.reject(tg0.BAD_ARCHIVE_MEMBER, member, "", f"cannot read archive member: {e}")
            continue
        read_bytes(ctx, member, payload)
