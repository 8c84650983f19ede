"""ClinicalTrials.gov API v2 study objects -> canonical tables.

Every row's `loc` is the JSON pointer of the value inside the study, prefixed with the study's own location
in its file (an array index `/3`, an NDJSON line `line:4`). Field types are checked as they are read: a
value of the wrong JSON type anywhere rejects the whole record (TG006) with the pointer of that field, so a
damaged record is never half-read.
"""

from __future__ import annotations

from trialguard.dataset import DatasetBuilder
from trialguard.ingest import ctgov_common as cc
from trialguard.ingest.context import IngestContext, RecordError
from trialguard.ingest.ctgov_rows import Category, Measure, MeasureClass, Measurement, add_groups, add_measure, \
    add_trial_source
from trialguard.validators import ingestion as tg0

# canonical date name -> (statusModule field, whether it is a {date, type} struct)
DATE_FIELDS = {
    "start": ("startDateStruct", True),
    "primary_completion": ("primaryCompletionDateStruct", True),
    "completion": ("completionDateStruct", True),
    "first_submitted": ("studyFirstSubmitDate", False),
    "first_posted": ("studyFirstPostDateStruct", True),
    "results_first_submitted": ("resultsFirstSubmitDate", False),
    "results_first_posted": ("resultsFirstPostDateStruct", True),
    "last_update": ("lastUpdatePostDateStruct", True),
}


def _kind(v) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "a boolean", int: "a number",
            float: "a number"}.get(type(v), type(v).__name__)


class Node:
    """A JSON object with its pointer; typed getters raise RecordError naming the offending field."""

    __slots__ = ("data", "ptr")

    def __init__(self, data, ptr: str):
        if data is not None and not isinstance(data, dict):
            raise RecordError(ptr, f"{ptr or '/'}: expected an object, found {_kind(data)}")
        self.data = data or {}
        self.ptr = ptr

    def at(self, key: str) -> str:
        return f"{self.ptr}/{key}"

    def obj(self, key: str) -> "Node":
        return Node(self.data.get(key), self.at(key))

    def objs(self, key: str) -> list["Node"]:
        """The objects of a list field (absent -> empty)."""
        items = self.data.get(key)
        if items is None:
            return []
        if not isinstance(items, list):
            raise RecordError(self.at(key), f"{self.at(key)}: expected a list, found {_kind(items)}")
        return [Node(v, f"{self.at(key)}/{i}") for i, v in enumerate(items)]

    def strs(self, key: str) -> list[str]:
        items = self.data.get(key)
        if items is None:
            return []
        if not isinstance(items, list):
            raise RecordError(self.at(key), f"{self.at(key)}: expected a list, found {_kind(items)}")
        for i, v in enumerate(items):
            if not isinstance(v, str):
                p = f"{self.at(key)}/{i}"
                raise RecordError(p, f"{p}: expected text, found {_kind(v)}")
        return items

    def text(self, key: str) -> str | None:
        """Text, or a number as its text (counts arrive as strings, but a JSON number means the same)."""
        v = self.data.get(key)
        if v is None or isinstance(v, str):
            return v
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return str(v)
        raise RecordError(self.at(key), f"{self.at(key)}: expected text, found {_kind(v)}")

    def int(self, key: str) -> int | None:
        """A whole number (adverse-event numbers, enrollment); digits in a string are accepted."""
        v = self.data.get(key)
        if v is None:
            return None
        if isinstance(v, int) and not isinstance(v, bool) and abs(v) <= cc.INT64_MAX:
            return v
        if isinstance(v, (str, float)) and not isinstance(v, bool):
            n = cc.parse_int(v)
            if n is not None:
                return n
        raise RecordError(self.at(key), f"{self.at(key)}: expected a whole number, found {_kind(v)} {v!r:.40}")


def read_study(ctx: IngestContext, name: str, loc: str, study: dict) -> None:
    """Read one study object; `loc` is where it sits in its file ('' for a file holding one study)."""
    protocol = study.get("protocolSection")
    if not isinstance(protocol, dict):
        p = f"{loc}/protocolSection"
        ctx.reject(tg0.INVALID_RECORD, name, p, f"{p}: expected an object, found {_kind(protocol)}")
        return
    ident = protocol.get("identificationModule")
    nct = ident.get("nctId") if isinstance(ident, dict) else None
    if nct is not None and not isinstance(nct, str):
        p = f"{loc}/protocolSection/identificationModule/nctId"
        ctx.reject(tg0.INVALID_RECORD, name, p, f"{p}: expected text, found {_kind(nct)}")
        return
    nct = (nct or "").strip()

    def fill(b: DatasetBuilder) -> None:
        map_study(b, {"trial_id": nct, "source_id": f"ctgov:{nct}", "file": name}, Node(study, loc))

    ctx.record(name, loc, "trial", nct, fill, id_field="protocolSection/identificationModule/nctId")


def map_study(b: DatasetBuilder, ids: dict, study: Node) -> None:
    protocol = study.obj("protocolSection")
    results = study.obj("resultsSection")
    arms = protocol.obj("armsInterventionsModule")
    add_trial(b, ids, protocol)
    add_texts(b, ids, protocol.obj("descriptionModule"))
    add_arms(b, ids, arms)
    add_interventions(b, ids, arms)
    add_flow(b, ids, results.obj("participantFlowModule"))
    add_baseline(b, ids, results.obj("baselineCharacteristicsModule"))
    add_outcomes(b, ids, results.obj("outcomeMeasuresModule"))
    add_adverse_events(b, ids, results.obj("adverseEventsModule"))


# ---------------------------------------------------------------- protocol


def add_trial(b: DatasetBuilder, ids: dict, protocol: Node) -> None:
    ident = protocol.obj("identificationModule")
    status = protocol.obj("statusModule")
    design = protocol.obj("designModule")
    enrollment = design.obj("enrollmentInfo")
    dates: dict[str, str | None] = {}
    for canon, (key, is_struct) in DATE_FIELDS.items():
        if is_struct:
            s = status.obj(key)
            dates[canon], dates[f"{canon}_type"] = cc.iso_date(s.text("date")), cc.date_type(s.text("type"))
        else:
            dates[canon], dates[f"{canon}_type"] = cc.iso_date(status.text(key)), None
    title = ident.text("briefTitle")
    b.add("trials", **ids, loc=protocol.ptr or "/", title=title, status=status.text("overallStatus"),
          phase=cc.join_phases(design.strs("phases")), study_type=design.text("studyType"), **dates,
          enrollment=enrollment.int("count"), enrollment_type=cc.date_type(enrollment.text("type")))
    add_trial_source(b, ids, ident.ptr, title, dates)


def add_texts(b: DatasetBuilder, ids: dict, desc: Node) -> None:
    for key, field_name in (("briefSummary", "brief_summary"), ("detailedDescription", "detailed_description")):
        text = desc.text(key)
        if text and text.strip():
            b.add("texts", **ids, loc=desc.at(key), field=field_name, text=text)


def add_arms(b: DatasetBuilder, ids: dict, arms: Node) -> None:
    for arm in arms.objs("armGroups"):
        label, desc = arm.text("label"), arm.text("description")
        b.add("groups", **ids, loc=arm.ptr, block="arms", group_id=label, title=label, description=desc)
        if desc and desc.strip():
            b.add("texts", **ids, loc=arm.at("description"), field="arm_description", group_id=label, text=desc)


def add_interventions(b: DatasetBuilder, ids: dict, arms: Node) -> None:
    for iv in arms.objs("interventions"):
        gid = cc.intervention_label(iv.text("type"), iv.text("name"))
        desc = iv.text("description")
        b.add("groups", **ids, loc=iv.ptr, block="interventions", group_id=gid, title=iv.text("name"),
              description=desc)
        if desc and desc.strip():
            b.add("texts", **ids, loc=iv.at("description"), field="intervention_description", group_id=gid,
                  text=desc)


# ---------------------------------------------------------------- results


def result_groups(module: Node, key: str = "groups") -> list[tuple[str, str, str | None, str | None]]:
    return [(g.ptr, g.text("id"), g.text("title"), g.text("description")) for g in module.objs(key)]


def denom_counts(owner: Node, selected: str | None = None) -> dict[str, str]:
    """group id -> N as written, from the denominator in the units analysed (`denomUnitsSelected`), else
    the one counting participants, else the first."""
    denoms = owner.objs("denoms")
    if not denoms:
        return {}
    units = [(d.text("units") or "").strip().lower() for d in denoms]
    want = (selected or "participants").strip().lower()
    chosen = denoms[units.index(want)] if want in units else (
        denoms[units.index("participants")] if "participants" in units else denoms[0])
    return {c.text("groupId"): c.text("value") for c in chosen.objs("counts")}


def measure_classes(m: Node, selected: str | None) -> list[MeasureClass]:
    classes = []
    for cls in m.objs("classes"):
        cats = []
        for cat in cls.objs("categories"):
            cats.append(Category(cat.text("title"), [
                Measurement(x.ptr, x.text("groupId"), x.text("value"), x.text("spread"), x.text("lowerLimit"),
                            x.text("upperLimit"))
                for x in cat.objs("measurements")]))
        classes.append(MeasureClass(cls.text("title"), denom_counts(cls, selected), cats))
    return classes


def add_flow(b: DatasetBuilder, ids: dict, flow: Node) -> None:
    add_groups(b, ids, "flow", result_groups(flow))
    for p, period in enumerate(flow.objs("periods")):
        title = period.text("title")
        for ms in period.objs("milestones"):
            for a in ms.objs("achievements"):
                n_text = a.text("numSubjects")
                b.add("flow", **ids, loc=a.ptr, period=p, period_title=title, kind="milestone",
                      milestone=ms.text("type"), group_id=a.text("groupId"), n=cc.parse_int(n_text), n_text=n_text)
        for dw in period.objs("dropWithdraws"):
            for r in dw.objs("reasons"):
                n_text = r.text("numSubjects")
                b.add("flow", **ids, loc=r.ptr, period=p, period_title=title, kind="withdrawal",
                      milestone=dw.text("type"), group_id=r.text("groupId"), n=cc.parse_int(n_text), n_text=n_text)


def add_baseline(b: DatasetBuilder, ids: dict, base: Node) -> None:
    denoms = denom_counts(base)
    add_groups(b, ids, "baseline", result_groups(base), denoms)
    for m in base.objs("measures"):
        add_measure(b, ids, Measure(
            "baseline", m.text("title"), m.text("paramType"), m.text("dispersionType"), m.text("unitOfMeasure"),
            None, denoms, measure_classes(m, m.text("denomUnitsSelected"))))


def add_outcomes(b: DatasetBuilder, ids: dict, module: Node) -> None:
    for i, om in enumerate(module.objs("outcomeMeasures")):
        block = f"outcome/{i}"
        selected = om.text("denomUnitsSelected")
        denoms = denom_counts(om, selected)
        add_groups(b, ids, block, result_groups(om), denom_counts(om))
        add_measure(b, ids, Measure(
            block, om.text("title"), om.text("paramType"), om.text("dispersionType"), om.text("unitOfMeasure"),
            om.text("timeFrame"), denoms, measure_classes(om, selected)))
        for an in om.objs("analyses"):
            est, lo, hi = an.text("paramValue"), an.text("ciLowerLimit"), an.text("ciUpperLimit")
            b.add("analyses", **ids, loc=an.ptr, block=block, group_ids=" ".join(an.strs("groupIds")),
                  method=an.text("statisticalMethod"), param=an.text("paramType"),
                  estimate=cc.parse_float(est), estimate_text=est, ci_pct=an.text("ciPctValue"),
                  ci_sides=cc.ci_sides(an.text("ciNumSides")), ci_low=cc.parse_float(lo), ci_low_text=lo,
                  ci_high=cc.parse_float(hi), ci_high_text=hi, p_text=an.text("pValue"))


def add_adverse_events(b: DatasetBuilder, ids: dict, ae: Node) -> None:
    add_groups(b, ids, "ae", result_groups(ae, "eventGroups"))  # the AE module calls its groups eventGroups
    for g in ae.objs("eventGroups"):
        gid = g.text("id")
        for kind, serious, prefix in (("total", True, "serious"), ("total", False, "other"), ("deaths", None, "deaths")):
            affected, at_risk = g.int(f"{prefix}NumAffected"), g.int(f"{prefix}NumAtRisk")
            if affected is None and at_risk is None:
                continue
            b.add("adverse_events", **ids, loc=g.at(f"{prefix}NumAffected"), kind=kind, serious=serious,
                  group_id=gid, affected=affected, at_risk=at_risk)
    for key, serious in (("seriousEvents", True), ("otherEvents", False)):
        for ev in ae.objs(key):
            term, organ = ev.text("term"), ev.text("organSystem")
            for s in ev.objs("stats"):
                b.add("adverse_events", **ids, loc=s.ptr, kind="term", serious=serious, term=term,
                      organ_system=organ, group_id=s.text("groupId"), affected=s.int("numAffected"),
                      at_risk=s.int("numAtRisk"), events=s.int("numEvents"))
