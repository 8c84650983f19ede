"""trialguard's curated record format (YAML or JSON) -> canonical tables (skeleton: the source only)."""

from __future__ import annotations

import yaml

from trialguard.dataset import DatasetBuilder
from trialguard.ingest.context import IngestContext
from trialguard.validators import ingestion as tg0


def read_yaml(ctx: IngestContext, name: str, data: bytes) -> None:
    try:
        obj = yaml.safe_load(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        ctx.reject(tg0.UNREADABLE_FILE, name, "", f"not UTF-8 text (byte {e.start})")
        return
    except yaml.YAMLError as e:
        ctx.reject(tg0.MALFORMED_DOCUMENT, name, "", f"invalid YAML: {str(e).splitlines()[0]}")
        return
    if not isinstance(obj, dict):
        ctx.reject(tg0.INVALID_RECORD, name, "", "a curated record must be a mapping with a 'source'")
        return
    read_record(ctx, name, obj)


def read_record(ctx: IngestContext, name: str, rec: dict) -> None:
    src = rec.get("source") if isinstance(rec.get("source"), dict) else {}
    sid = src.get("id")

    def fill(b: DatasetBuilder) -> None:
        b.add("sources", trial_id="", source_id=sid, file=name, loc="/source", kind=src.get("kind"),
              title=src.get("title"))

    ctx.record(name, "", "source", sid, fill, id_field="source.id")
