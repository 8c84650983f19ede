"""TG60x: dates — registry milestones in their natural order, date types that match the status, and the dated
events of a curated record in the order time allows.

A date is an interval: "2019-09" is every day from 2019-09-01 to 2019-09-30 and "2019" the whole year. "A is
before B" is violated under every reading only when A's first possible day is after B's last possible day, so
that is the only case reported as impossible; a partial date never causes a false alarm.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialguard.dataset import TRIAL_DATES, Dataset
from trialguard.dates import date_intervals
from trialguard.findings import Severity, emit
from trialguard.validators.derived import per_chunk
from trialguard.validators.distinct import per_distinct
from trialguard.validators.registry import rule
from trialguard.validators.statistics import half_unit, number_text

# Where each date of the trials table is in a CT.gov record, relative to the trial row's loc.
V2_POINTERS = {
    "start": "statusModule/startDateStruct/date",
    "primary_completion": "statusModule/primaryCompletionDateStruct/date",
    "completion": "statusModule/completionDateStruct/date",
    "first_submitted": "statusModule/studyFirstSubmitDate",
    "first_posted": "statusModule/studyFirstPostDateStruct/date",
    "results_first_submitted": "statusModule/resultsFirstSubmitDate",
    "results_first_posted": "statusModule/resultsFirstPostDateStruct/date",
    "last_update": "statusModule/lastUpdatePostDateStruct/date",
}
XML_TAGS = {
    "start": "start_date", "primary_completion": "primary_completion_date", "completion": "completion_date",
    "first_submitted": "study_first_submitted", "first_posted": "study_first_posted",
    "results_first_submitted": "results_first_submitted", "results_first_posted": "results_first_posted",
    "last_update": "last_update_posted",
}
LABEL = {
    "start": "start", "primary_completion": "primary completion", "completion": "completion",
    "first_submitted": "first submitted", "first_posted": "first posted",
    "results_first_submitted": "results first submitted", "results_first_posted": "results first posted",
    "last_update": "last update posted",
}


def day_bounds(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(first day, last day) of each date text, NaT where it is not a date; `trialguard.dates` reads each
    distinct text once ("2019-09", "mid-September 2019", "March 20, 2022", ...), and only the distinct texts
    are converted to days."""
    codes, uniq = pd.factorize(text)
    out = []
    for side in date_intervals(pd.Series(uniq, dtype="object")):
        days = pd.to_datetime(side, format="%Y-%m-%d", errors="coerce").to_numpy()
        taken = days[np.maximum(codes, 0)] if len(days) else np.empty(len(codes), dtype=days.dtype)
        taken[codes < 0] = np.datetime64("NaT")
        out.append(pd.Series(taken, index=text.index))
    return out[0], out[1]


@per_chunk("trials")
def trial_days(ds: Dataset) -> pd.DataFrame:
    """`<date>_lo` and `<date>_hi` (first and last possible day) of every trial date, read once per chunk (six
    rules compare them), all columns in one pass."""
    t = ds.trials
    lo, hi = day_bounds(pd.concat([t[name] for name in TRIAL_DATES], ignore_index=True))
    n = len(t)
    cols = {}
    for i, name in enumerate(TRIAL_DATES):
        cols[f"{name}_lo"] = lo.to_numpy()[i * n:(i + 1) * n]
        cols[f"{name}_hi"] = hi.to_numpy()[i * n:(i + 1) * n]
    return pd.DataFrame(cols, index=t.index)


def date_loc(trials: pd.DataFrame, name: str) -> pd.Series:
    """The pointer of a trial date: inside statusModule for a v2 record, the element for legacy XML."""
    loc = trials["loc"].fillna("").astype(str)
    v2 = loc.str.endswith("protocolSection")
    return (loc + "/" + V2_POINTERS[name]).where(v2, loc.str.rstrip("/") + "/" + XML_TAGS[name])


def _order(ds: Dataset, earlier: str, later: str, among: pd.Series | None = None) -> pd.DataFrame:
    """Trials (of those `among` marks, if given) whose `earlier` date is certainly after their `later` date."""
    t = ds.trials
    days = trial_days(ds)
    after = days[f"{earlier}_lo"] > days[f"{later}_hi"]
    if among is not None:
        after &= among
    if not after.any():
        return emit(t.iloc[:0], message="")
    bad = t[after].copy()
    later_loc = date_loc(bad, later)
    bad["loc"] = date_loc(bad, earlier)
    e_t, l_t = bad[earlier].astype(str), bad[later].astype(str)
    msg = ("The " + LABEL[earlier] + " date " + e_t + " is after the " + LABEL[later] + " date " + l_t)
    ev = [{"fields": {a: x, b: y}, "dates": {LABEL[earlier]: x, LABEL[later]: y}}
          for a, x, b, y in zip(bad["loc"], e_t, later_loc, l_t)]
    return emit(bad, message=msg, observed=e_t, expected="on or before " + l_t, evidence=pd.Series(ev, index=bad.index))


@rule("TG601", "start-after-primary-completion", Severity.ERROR,
      summary="A trial starts after its primary completion date.",
      rationale="start <= primary completion, compared as intervals: reported only when the first possible day "
                "of the start is after the last possible day of the primary completion.",
      example="The start date 2012-05 is after the primary completion date 2011-12-15",
      tables=("trials",))
def start_after_primary_completion(ds: Dataset) -> pd.DataFrame:
    return _order(ds, "start", "primary_completion")


@rule("TG602", "primary-completion-after-completion", Severity.ERROR,
      summary="A trial's primary completion date is after its (study) completion date.",
      rationale="primary completion <= completion: the last participant's primary outcome is examined no later "
                "than the last participant's last visit. Compared as intervals.",
      example="The primary completion date 2014-06 is after the completion date 2014-03",
      tables=("trials",))
def primary_completion_after_completion(ds: Dataset) -> pd.DataFrame:
    return _order(ds, "primary_completion", "completion")


@rule("TG603", "posted-before-submitted", Severity.ERROR,
      summary="A record or its results were posted before they were submitted.",
      rationale="first submitted <= first posted, and results first submitted <= results first posted: the "
                "registry posts what it has received.",
      example="The first submitted date 2009-03-02 is after the first posted date 2009-02-27",
      tables=("trials",))
def posted_before_submitted(ds: Dataset) -> pd.DataFrame:
    return pd.concat([_order(ds, "first_submitted", "first_posted"),
                      _order(ds, "results_first_submitted", "results_first_posted")], ignore_index=True)


@rule("TG604", "results-before-primary-completion", Severity.ERROR,
      summary="Results were submitted or posted before the primary completion date.",
      rationale="Results describe data collected up to the primary completion: primary completion <= results "
                "first submitted <= results first posted. Compared as intervals.",
      example="The primary completion date 2015-10 is after the results first submitted date 2015-08-30",
      tables=("trials",))
def results_before_primary_completion(ds: Dataset) -> pd.DataFrame:
    sub = _order(ds, "primary_completion", "results_first_submitted")
    posted = _order(ds, "primary_completion", "results_first_posted")
    if len(sub) and len(posted):
        posted = posted[~posted["trial_id"].isin(sub["trial_id"])]  # one finding per trial
    return pd.concat([sub, posted], ignore_index=True)


@rule("TG605", "actual-date-after-last-update", Severity.ERROR,
      summary="A date typed ACTUAL lies after the record's last update.",
      rationale="An ACTUAL date has happened: it is on or before the day the record was last updated "
                "(date.first_day <= last_update.last_day).",
      example="The completion date 2025-06 is typed ACTUAL but the record was last updated on 2024-09-20",
      tables=("trials",))
def actual_date_after_last_update(ds: Dataset) -> pd.DataFrame:
    t = ds.trials
    days = trial_days(ds)
    upd_hi = days["last_update_hi"]
    found = []
    for name in ("start", "primary_completion", "completion"):
        lo = days[f"{name}_lo"]
        late = lo > upd_hi
        if not late.any():
            continue
        actual = t[f"{name}_type"].fillna("").str.upper() == "ACTUAL"
        bad = t[actual & late].copy()
        if bad.empty:
            continue
        upd_loc = date_loc(bad, "last_update")
        bad["loc"] = date_loc(bad, name)
        d, u = bad[name].astype(str), bad["last_update"].astype(str)
        msg = "The " + LABEL[name] + " date " + d + " is typed ACTUAL but the record was last updated on " + u
        ev = [{"fields": {a: x, b: y}, "dates": {LABEL[name]: x, "last update posted": y}}
              for a, x, b, y in zip(bad["loc"], d, upd_loc, u)]
        found.append(emit(bad, message=msg, observed=d + " (ACTUAL)", expected="on or before " + u,
                          evidence=pd.Series(ev, index=bad.index)))
    return pd.concat(found, ignore_index=True) if found else emit(t.iloc[:0], message="")


@rule("TG606", "finished-trial-with-estimated-dates", Severity.WARNING,
      summary="A COMPLETED or TERMINATED trial still has ESTIMATED start or completion dates.",
      rationale="Once a trial has ended its start, primary completion and completion have happened; the registry "
                "asks for them to be updated to ACTUAL. status in {COMPLETED, TERMINATED} => date types ACTUAL.",
      example="Status COMPLETED, but the primary completion date 2019-12 is still ESTIMATED",
      tables=("trials",))
def finished_trial_with_estimated_dates(ds: Dataset) -> pd.DataFrame:
    t = ds.trials
    finished = t["status"].fillna("").str.upper().isin(["COMPLETED", "TERMINATED"])
    found = []
    for name in ("start", "primary_completion", "completion"):
        est = t[f"{name}_type"].fillna("").str.upper() == "ESTIMATED"
        bad = t[finished & est].copy()
        if bad.empty:
            continue
        bad["loc"] = date_loc(bad, name)
        d = bad[name].fillna("").astype(str)
        msg = "Status " + bad["status"].str.upper() + ", but the " + LABEL[name] + " date " + d + " is still ESTIMATED"
        found.append(emit(bad, message=msg, observed=d + " (ESTIMATED)", expected="ACTUAL",
                          evidence=[{"fields": {l: x}} for l, x in zip(bad["loc"], d)]))
    return pd.concat(found, ignore_index=True) if found else emit(t.iloc[:0], message="")


# ---------------------------------------------------------------- curated dated events

# (earlier, later): what must come first in the life of one cohort reported by one source.
EVENT_ORDER = (
    ("enrolled_first", "enrolled_last"),
    ("enrolled_first", "data_cutoff"),
    ("enrolled_last", "data_cutoff"),
    ("treated", "data_cutoff"),
    ("treated", "presented"),
    ("treated", "published"),
    ("enrolled_first", "published"),
    ("enrolled_last", "published"),
    ("data_cutoff", "presented"),
    ("data_cutoff", "published"),
    ("presented", "published"),
)


@per_chunk("events", "sources")
def _dated_events(ds: Dataset) -> pd.DataFrame:
    """The events table with day intervals, plus each source's publication date as a 'published' event."""
    e = ds.events
    lo, _ = day_bounds(e["date_lo"])
    _, hi = day_bounds(e["date_hi"].fillna(e["date_lo"]))
    ev = e.assign(lo=lo, hi=hi, text=e["date_text"].fillna(e["date_lo"]),
                  kind=e["event_type"].fillna("").str.lower())
    s = ds.sources
    s_lo, s_hi = day_bounds(s["published"])
    pub = s.assign(lo=s_lo, hi=s_hi, text=s["published"], kind="published", event_type="published")
    pub = pub[pub["lo"].notna()]
    cols = ["trial_id", "source_id", "file", "loc", "kind", "event_type", "text", "lo", "hi"]
    both = pd.concat([ev[cols], pub[cols]], ignore_index=True)
    return both[both["lo"].notna() & both["hi"].notna()]


@rule("TG607", "start-after-completion", Severity.ERROR,
      summary="A trial without a primary completion date starts after its (study) completion date.",
      rationale="start <= completion, compared as intervals. With a primary completion date the same "
                "contradiction is already TG601 or TG602 (start <= primary completion <= completion), so only "
                "trials without one are checked here.",
      example="The start date 2008-12 is after the completion date 2007-02 (no primary completion date)",
      tables=("trials",))
def start_after_completion(ds: Dataset) -> pd.DataFrame:
    return _order(ds, "start", "completion", among=trial_days(ds)["primary_completion_hi"].isna())


@rule("TG610", "dated-events-out-of-order", Severity.ERROR,
      summary="Dated events of a curated record are in an impossible order (e.g. treated after the data cutoff).",
      rationale="Within one source: enrolled_first <= enrolled_last <= data_cutoff; treated <= data_cutoff; "
                "treated, enrolment and data cutoff <= presented <= published (the source's own publication date "
                "counts as 'published'). Intervals: reported only when the earlier event's first possible day is "
                "after the later event's last possible day.",
      example="treated (mid-September 2019) is after data_cutoff (2019-08-31)",
      tables=("events", "sources"))
def dated_events_out_of_order(ds: Dataset) -> pd.DataFrame:
    ev = _dated_events(ds)
    order = pd.DataFrame(EVENT_ORDER, columns=["kind", "later_kind"])
    a = ev.merge(order, on="kind")
    b = ev.rename(columns={"kind": "later_kind", "loc": "later_loc", "text": "later_text", "lo": "later_lo",
                           "hi": "later_hi", "event_type": "later_type", "trial_id": "later_trial", "file": "later_file"})
    j = a.merge(b, on=["source_id", "later_kind"])
    j = j[(j["trial_id"] == j["later_trial"]) | (j["later_kind"] == "published")]
    bad = j[j["lo"] > j["later_hi"]].drop_duplicates(["trial_id", "source_id", "loc", "later_loc"])
    if bad.empty:
        return emit(bad, message="")
    msg = (bad["event_type"] + " (" + bad["text"].astype(str) + ") is after " + bad["later_type"] + " ("
           + bad["later_text"].astype(str) + ")")
    ev_col = [{"dates": {x: xt, y: yt}, "fields": {l1: xt, l2: yt}}
              for x, xt, y, yt, l1, l2 in zip(bad["event_type"], bad["text"].astype(str), bad["later_type"],
                                              bad["later_text"].astype(str), bad["loc"], bad["later_loc"])]
    return emit(bad, message=msg, observed=bad["text"].astype(str),
                expected="on or before " + bad["later_text"].astype(str), evidence=pd.Series(ev_col, index=bad.index))


FOLLOW_UP = r"follow[- ]?up"
UNIT_DAYS_MIN = {"day": 1, "week": 7, "month": 30, "year": 365}  # a month is at least 30 days in any convention used


@rule("TG611", "follow-up-longer-than-elapsed", Severity.ERROR,
      summary="A stated follow-up is longer than the time from the first treatment to the data cutoff (or, "
              "without a cutoff, to publication).",
      rationale="Nobody is followed for longer than the time since the first treatment: follow-up <= cutoff - "
                "first treated (or published - first treated). The follow-up's smallest reading (value minus half "
                "its last digit, months as 30 days) is compared with the largest elapsed time (last possible day "
                "of the cutoff minus first possible day of the treatment).",
      example="Median follow-up 18.07 months (>= 542 days), but only 400 days passed from treated (2021-11) to "
              "data_cutoff (2022-12-31)",
      tables=("stats", "events", "sources"))
def follow_up_longer_than_elapsed(ds: Dataset) -> pd.DataFrame:
    s = ds.stats
    text = s["measure"].fillna("") + " " + s["category"].fillna("")
    s = s[s["value"].notna() & per_distinct(text, lambda t: t.str.contains(FOLLOW_UP, case=False))].copy()
    unit = s["unit"].fillna("").str.lower().str.extract(r"(day|week|month|year)")[0]
    s = s.assign(unit_days=unit.map(UNIT_DAYS_MIN))
    s = s[s["unit_days"].notna()]
    if s.empty:
        return emit(s, message="")
    vt = number_text(s, "value")
    s["min_days"] = (s["value"] - half_unit(vt)) * s["unit_days"]
    ev = _dated_events(ds)
    start = ev[ev["kind"] == "treated"].sort_values("lo", kind="mergesort").drop_duplicates(["trial_id", "source_id"])
    end = ev[ev["kind"].isin(["data_cutoff", "published"])].copy()
    end["rank"] = (end["kind"] != "data_cutoff").astype(int)
    end = end.sort_values(["rank", "hi"], kind="mergesort").drop_duplicates(["source_id"])
    j = s.merge(start[["trial_id", "source_id", "lo", "text", "loc"]].rename(
        columns={"lo": "start_lo", "text": "start_text", "loc": "start_loc"}), on=["trial_id", "source_id"])
    j = j.merge(end[["source_id", "hi", "text", "event_type", "loc"]].rename(
        columns={"hi": "end_hi", "text": "end_text", "event_type": "end_type", "loc": "end_loc"}), on="source_id")
    j["elapsed"] = (j["end_hi"] - j["start_lo"]).dt.days
    bad = j[j["min_days"] > j["elapsed"]]
    if bad.empty:
        return emit(bad, message="")
    v = number_text(bad, "value")
    param = bad["param"].fillna("").str.lower().str.replace("_", " ")
    what = (param + " follow-up").str.strip().str.capitalize()
    msg = (what + " " + v + " " + bad["unit"].fillna("") + " (>= " + bad["min_days"].astype(int).astype(str)
           + " days), but only " + bad["elapsed"].astype(str) + " days passed from treated (" + bad["start_text"]
           + ") to " + bad["end_type"] + " (" + bad["end_text"].astype(str) + ")")
    ev_col = [{"fields": {l: val}, "dates": {"treated": st, et: en}}
              for l, val, st, et, en in zip(bad["loc"], v, bad["start_text"], bad["end_type"], bad["end_text"].astype(str))]
    return emit(bad, message=msg, observed=v + " " + bad["unit"].fillna(""),
                expected="<= " + bad["elapsed"].astype(str) + " days", evidence=pd.Series(ev_col, index=bad.index))
