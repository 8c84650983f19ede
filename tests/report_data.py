"""RunResults for reporter tests, built through the public contracts (dataset.frame, findings.emit/finalize).

`sample_result()` has a bit of everything a report shows (counts, flow, cross-source, a claim contradicted by an
earlier event, a rejected file); `hostile` strings try to break out of HTML, attributes, script and JSON.
"""

from __future__ import annotations

import copy
from functools import lru_cache

import pandas as pd

from trialguard.config import Config
from trialguard.dataset import Accounting, Dataset, TABLES, frame
from trialguard.findings import Severity, concat_findings, emit, finalize, rejection, rejections_frame
from trialguard.validators.registry import Rule

HOSTILE = ("</script><script>alert(1)</script><!-- \u2028\u2029 <img src=x onerror=alert(2)> "
           "\" ' & &amp; {{ 7*7 }} ${x} `tick` <svg onload=alert(3)> <trialguard-data/>")
HOSTILE_FILE = "data/<script>alert(4)<\u002fscript>\".json"

RULES = [
    Rule("TG001", "unreadable-file", Severity.ERROR, "A file could not be read.", "Every input byte must be "
         "accounted for.", scope="input"),
    Rule("TG201", "count-exceeds-denominator", Severity.ERROR, "A count is larger than its group.",
         "For k of n participants, k <= n."),
    Rule("TG301", "flow-does-not-balance", Severity.ERROR, "STARTED - COMPLETED != NOT COMPLETED.",
         "STARTED - COMPLETED = NOT COMPLETED in every group."),
    Rule("TG401", "median-outside-range", Severity.WARNING, "A median outside its min..max.",
         "min <= median <= max.", example="median 12 (range 14-20)"),
    Rule("TG701", "first-claim-contradicted", Severity.WARNING, "A 'first' claim has an earlier event in scope.",
         "A claim to be first in scope S at date d is contradicted by any event in S dated before d.",
         scope="cross"),
    Rule("TG801", "cross-source-count-mismatch", Severity.INFO, "Two sources state a count differently.",
         "The same cohort's N should agree across sources.", scope="cross"),
]


def _table(name: str, rows: list[dict]) -> pd.DataFrame:
    return frame(name, rows)


def sample_dataset(title: str = "CAR-T cells for refractory lupus", quote_extra: str = "",
                   file_a: str = "fixtures/ctgov/NCT01234567.json") -> Dataset:
    ta = {"trial_id": "NCT01234567", "source_id": "ctgov:NCT01234567", "file": file_a}
    tb = {"trial_id": "NCT07654321", "source_id": "ctgov:NCT07654321", "file": "fixtures/ctgov/NCT07654321.json"}
    art = {"trial_id": "NCT01234567", "source_id": "003_article", "file": "fixtures/seeds/003_article.txt"}
    tables = {t: frame(t, []) for t in TABLES}
    tables["trials"] = _table("trials", [
        {**ta, "loc": "/protocolSection", "title": title, "status": "COMPLETED", "phase": "PHASE1",
         "start": "2019-09", "start_type": "ACTUAL", "enrollment": 12, "enrollment_type": "ACTUAL"},
        {**tb, "loc": "/protocolSection", "title": "Anti-CD19 CAR-T in SLE", "status": "RECRUITING",
         "phase": "PHASE2", "start": "2021-03-01", "start_type": "ACTUAL", "enrollment": 30},
    ])
    tables["sources"] = _table("sources", [
        {**ta, "loc": "", "kind": "registry", "title": title},
        {**tb, "loc": "", "kind": "registry", "title": "Anti-CD19 CAR-T in SLE"},
        {**art, "loc": "", "kind": "news", "title": "First CAR-T for lupus " + quote_extra, "published": "2023-05-02"},
    ])
    tables["groups"] = _table("groups", [
        {**ta, "loc": "/resultsSection/participantFlowModule/groups/0", "block": "flow", "group_id": "FG000",
         "title": "CAR-T " + quote_extra, "n": 12, "n_text": "12"},
        {**tb, "loc": "/resultsSection/participantFlowModule/groups/0", "block": "flow", "group_id": "FG000",
         "title": "Arm A", "n": 30, "n_text": "30"},
    ])
    tables["events"] = _table("events", [
        {**tb, "loc": "/protocolSection/statusModule/startDateStruct", "event_type": "treated",
         "date_text": "2021-03-01", "date_lo": "2021-03-01", "date_hi": "2021-03-01", "modality": "CAR-T",
         "targets": "CD19", "indication": "SLE", "quote": "first patient dosed March 2021"},
        {**art, "loc": "chars:10-60", "event_type": "treated", "date_text": "mid-2022", "date_lo": "2022-05-01",
         "date_hi": "2022-08-31", "modality": "CAR-T", "targets": "CD19", "indication": "SLE",
         "quote": "we treated our first patient in mid-2022"},
    ])
    tables["claims"] = _table("claims", [
        {**art, "loc": "chars:100-180", "kind": "first", "event_type": "treated", "modality": "CAR-T",
         "targets": "CD19", "indication": "SLE", "claim_date": "2023-05-02", "event_date_lo": "2022-05-01",
         "event_date_hi": "2022-08-31", "hedged": False,
         "quote": "the world's first patient with lupus treated with CAR-T " + quote_extra},
    ])
    return Dataset(tables=tables, records=Accounting(read=4, checked=3, rejected=1),
                   inputs=["fixtures/ctgov", "fixtures/seeds", HOSTILE_FILE], skipped=["fixtures/README.md"])


def sample_findings(ds: Dataset, message_extra: str = "", file_bad: str = "fixtures/bad/broken.json") -> pd.DataFrame:
    counts = pd.DataFrame([{"trial_id": "NCT01234567", "source_id": "ctgov:NCT01234567",
                            "file": ds.trials["file"].iloc[0],
                            "loc": "/resultsSection/baselineCharacteristicsModule/measures/1/classes/0/categories/0"
                                   "/measurements/0", "count": 14, "denom": 12}])
    tg201 = finalize(emit(counts, message="14 of 12 participants " + message_extra, observed="14",
                          expected="<= 12", evidence={"fields": {
                              "/resultsSection/baselineCharacteristicsModule/measures/1/classes/0/categories/0"
                              "/measurements/0/value": "14",
                              "/resultsSection/baselineCharacteristicsModule/denoms/0/counts/0/value": "12"}}),
                     "TG201", "count-exceeds-denominator", Severity.ERROR)
    flow = pd.DataFrame([
        {"trial_id": "NCT07654321", "source_id": "ctgov:NCT07654321", "file": "fixtures/ctgov/NCT07654321.json",
         "loc": f"/resultsSection/participantFlowModule/periods/0/milestones/{i}"} for i in range(3)])
    tg301 = finalize(emit(flow, message=pd.Series([f"STARTED 30 - COMPLETED {25 + i} != NOT COMPLETED 4"
                                                   for i in range(3)]),
                          observed=pd.Series([str(26 + i) for i in range(3)]), expected="30"),
                     "TG301", "flow-does-not-balance", Severity.ERROR)
    art = pd.DataFrame([{"trial_id": "NCT01234567", "source_id": "003_article",
                         "file": "fixtures/seeds/003_article.txt", "loc": "chars:100-180"}])
    quote = ds.claims["quote"].iloc[0]
    tg701 = finalize(emit(art, message="'first' claim contradicted by an earlier treatment (2021-03-01) "
                          + message_extra, observed="2022-05-01", expected="before 2021-03-01",
                          evidence={"quote": quote, "highlight": ["first", "CAR-T"],
                                    "other": {"source_id": "ctgov:NCT07654321",
                                              "file": "fixtures/ctgov/NCT07654321.json",
                                              "loc": "/protocolSection/statusModule/startDateStruct",
                                              "quote": "first patient dosed March 2021", "date": "2021-03-01"},
                                    "facets": [{"facet": "modality", "claim": "CAR-T", "event": "CAR-T",
                                                "relation": "equal"},
                                               {"facet": "indication", "claim": "SLE", "event": "SLE",
                                                "relation": "equal"}],
                                    "dates": {"claim": "2023-05-02", "event": "2021-03-01"}}),
                     "TG701", "first-claim-contradicted", Severity.WARNING)
    tg801 = finalize(emit(art.assign(loc="chars:20-40"), message="N 12 here, 14 in the registry " + message_extra,
                          observed="12", expected="14",
                          evidence={"quote": "twelve (12) patients were enrolled " + message_extra,
                                    "highlight": ["12"]}),
                     "TG801", "cross-source-count-mismatch", Severity.INFO)
    rej = rejections_frame([rejection("TG001", "unreadable-file", file_bad, "", "not UTF-8 text " + message_extra)])
    return concat_findings([rej, tg201, tg301, tg701, tg801])


@lru_cache(maxsize=8)
def _built(items: tuple) -> tuple[Dataset, pd.DataFrame]:
    kw = dict(items)
    ds = sample_dataset(**{k: v for k, v in kw.items() if k in ("title", "quote_extra", "file_a")})
    return ds, sample_findings(ds, **{k: v for k, v in kw.items() if k in ("message_extra", "file_bad")})


def sample_result(config: Config | None = None, **kw):
    """A fresh RunResult (tests may mutate it); the frames are built once per argument set and copied."""
    from trialguard.engine import RunResult

    ds, f = copy.deepcopy(_built(tuple(sorted(kw.items()))))
    return RunResult(dataset=ds, findings=f, rules=list(RULES), config=config or Config(), version="0.1.0")


def hostile_result():
    return sample_result(title=HOSTILE, quote_extra=HOSTILE, message_extra=HOSTILE, file_a=HOSTILE_FILE,
                         file_bad="bad/" + HOSTILE + ".json")
