"""ClinicalTrials.gov API v2 study objects -> canonical tables (skeleton: identification only)."""

from __future__ import annotations

from trialguard.dataset import DatasetBuilder
from trialguard.ingest.context import IngestContext


def read_study(ctx: IngestContext, name: str, loc: str, study: dict) -> None:
    ident = (study.get("protocolSection") or {}).get("identificationModule") or {}
    nct = ident.get("nctId")

    def fill(b: DatasetBuilder) -> None:
        b.add("trials", trial_id=nct, source_id=f"ctgov:{nct}", file=name, loc=loc, title=ident.get("briefTitle"))

    ctx.record(name, loc, "trial", nct, fill, id_field="protocolSection/identificationModule/nctId")
