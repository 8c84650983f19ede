"""Build minimal datasets and run one rule, for the rule tests."""

from __future__ import annotations

from trialguard.dataset import Dataset, empty_table, frame, TABLES
from trialguard.findings import finalize, sort_findings
from trialguard.validators.registry import get


def dataset(**tables: list[dict]) -> Dataset:
    """A Dataset whose tables are built from row dicts; provenance columns default to one CT.gov record."""
    built = {t: empty_table(t) for t in TABLES}
    for name, rows in tables.items():
        full = []
        for r in rows:
            trial = r.get("trial_id", "NCT00000001")
            full.append({"trial_id": trial, "source_id": f"ctgov:{trial}", "file": f"{trial}.json", "loc": "", **r})
        built[name] = frame(name, full)
    return Dataset(tables=built)


def run(code: str, ds: Dataset):
    """The findings of rule `code` on `ds`, stamped and ordered as the engine does."""
    r = get(code)
    return sort_findings(finalize(r.check(ds), r.code, r.name, r.severity))
