"""One pandera schema per canonical table: the column-level rules (TG1xx).

Column dtypes come from `trialguard.dataset.TABLES` (the single source of truth); the checks here add what a
dtype cannot say: counts are not negative, percentages lie in 0..100, numbers written as text are numbers,
vocabularies, calendar dates, NCT ids, unique keys and group references. Every column may be missing a value
(absence is reported by the rules that need the value, not here).
"""

from __future__ import annotations

import pandera.pandas as pa

from trialguard.dataset import TABLES, TRIAL_DATES
from trialguard.schemas import checks as ck

STATUS = frozenset({
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING", "RECRUITING",
    "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE", "TEMPORARILY_NOT_AVAILABLE",
    "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN", "UNKNOWN_STATUS",
})
STUDY_TYPE = frozenset({"INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS", "OBSERVATIONAL_PATIENT_REGISTRY"})
# ANTICIPATED is the legacy XML word for ESTIMATED.
DATE_TYPE = frozenset({"ACTUAL", "ESTIMATED", "ANTICIPATED"})
SOURCE_KIND = frozenset({"REGISTRY", "JOURNAL", "CONFERENCE", "PRESS", "NEWS"})
FLOW_KIND = frozenset({"MILESTONE", "WITHDRAWAL"})
AE_KIND = frozenset({"TERM", "TOTAL", "DEATHS"})

# table -> column -> extra checks
# (checks of columns that a table does not have are ignored, so that adapters may add columns later)
COLUMN_CHECKS: dict[str, dict[str, list[pa.Check]]] = {
    "trials": {
        "trial_id": [ck.trial_id()],
        "status": [ck.vocabulary(STATUS)],
        "study_type": [ck.vocabulary(STUDY_TYPE)],
        "enrollment": [ck.non_negative()],
        "enrollment_type": [ck.vocabulary(DATE_TYPE)],
        **{d: [ck.partial_date()] for d in TRIAL_DATES},
        **{f"{d}_type": [ck.vocabulary(DATE_TYPE)] for d in TRIAL_DATES},
    },
    # `published` is the date as written; its parsed interval, when the adapter provides one, must be real dates
    "sources": {"kind": [ck.vocabulary(SOURCE_KIND)], "published_lo": [ck.partial_date()],
                "published_hi": [ck.partial_date()]},
    "groups": {"n": [ck.non_negative()], "n_text": [ck.number_text()]},
    "counts": {
        "count": [ck.non_negative()],
        "count_text": [ck.number_text()],
        "denom": [ck.non_negative()],
        "denom_text": [ck.number_text()],
        "percent_text": [ck.number_text(), ck.percent_in_range()],
    },
    "stats": {"n": [ck.non_negative()]},
    "flow": {"kind": [ck.vocabulary(FLOW_KIND)], "n": [ck.non_negative()], "n_text": [ck.number_text()]},
    "adverse_events": {
        "kind": [ck.vocabulary(AE_KIND)],
        "affected": [ck.non_negative()],
        "at_risk": [ck.non_negative()],
        "events": [ck.non_negative()],
    },
    "events": {"date_lo": [ck.partial_date()], "date_hi": [ck.partial_date()]},
}

# table -> checks over whole rows
TABLE_CHECKS: dict[str, list[pa.Check]] = {
    "trials": [ck.unique_key(["source_id", "trial_id"])],
    "sources": [ck.unique_key(["source_id"])],
    # Intervention groups are keyed by name, and one record may list "Drug: tadalafil" twice (10 mg and 20 mg
    # arms, NCT00547573): a registry practice, not a broken key.
    "groups": [ck.unique_key(["source_id", "trial_id", "block", "group_id"], exempt={"block": "interventions"}),
               ck.parent_exists()],
}


def schema_for(table: str) -> pa.DataFrameSchema:
    cols = {
        c: pa.Column(dtype, checks=COLUMN_CHECKS.get(table, {}).get(c, []), nullable=True, required=True)
        for c, dtype in TABLES[table].items()
    }
    return pa.DataFrameSchema(cols, checks=TABLE_CHECKS.get(table, []), name=table, strict=False)


SCHEMAS: dict[str, pa.DataFrameSchema] = {t: schema_for(t) for t in TABLES}
