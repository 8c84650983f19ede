"""ClinicalTrials.gov legacy XML (<clinical_study>) -> canonical tables (skeleton: identification only)."""

from __future__ import annotations

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from xml.etree.ElementTree import ParseError

from trialguard.dataset import DatasetBuilder
from trialguard.ingest.context import IngestContext
from trialguard.validators import ingestion as tg0


def read(ctx: IngestContext, name: str, data: bytes) -> None:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as e:
        ctx.reject(tg0.MALFORMED_DOCUMENT, name, "", f"refused unsafe XML ({type(e).__name__})")
        return
    except ParseError as e:
        ctx.reject(tg0.MALFORMED_DOCUMENT, name, "", f"invalid XML: {e}")
        return
    if root.tag != "clinical_study":
        ctx.reject(tg0.UNKNOWN_FORMAT, name, "", f"XML root is <{root.tag}>, not <clinical_study>")
        return
    nct = (root.findtext("id_info/nct_id") or "").strip()

    def fill(b: DatasetBuilder) -> None:
        b.add("trials", trial_id=nct, source_id=f"ctgov:{nct}", file=name, loc="/clinical_study",
              title=root.findtext("brief_title"))

    ctx.record(name, "/clinical_study", "trial", nct, fill, id_field="id_info/nct_id")
