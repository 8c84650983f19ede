"""ClinicalTrials.gov API v2 study objects -> canonical tables.

Every row's `loc` is the JSON pointer of the value inside the study, prefixed with the study's own location
in its file (an array index `/3`, an NDJSON line `line:4`). Field types are checked as they are read: a
value of the wrong JSON type anywhere rejects the whole record (TG006) with the pointer of that field, so a
damaged record is never half-read.
"""

from __future__ import annotations

from trialguard.dataset import ROWS, DatasetBuilder
from trialguard.ingest import ctgov_common as cc
from trialguard.ingest.context import IngestContext, RecordError
from trialguard.ingest.ctgov_rows import Category, Ids, Measure, MeasureClass, Measurement, add_groups, \
    add_measure, add_trial_source
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


# The typed readers below raise RecordError naming the offending field. The adapter reads hundreds of values
# per study, so the readers of repeated items work on (object, pointer) pairs rather than Node objects, and
# the common case (every value absent or of the expected type) is checked in one C-level pass per item.

_TEXT_TYPES = frozenset({str, type(None)})
_OBJECT_TYPES = frozenset({dict})


def text(d: dict, ptr: str, key: str) -> str | None:
    """Text, or a number as its text (counts arrive as strings, but a JSON number means the same)."""
    v = d.get(key)
    if v is None or type(v) is str:
        return v
    if isinstance(v, str):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    raise RecordError(f"{ptr}/{key}", f"{ptr}/{key}: expected text, found {_kind(v)}")


def texts(d: dict, ptr: str, keys: tuple[str, ...]) -> list[str | None]:
    """`text` of several fields, in order (the first wrong one raises)."""
    values = list(map(d.get, keys))
    if _TEXT_TYPES.issuperset(map(type, values)):
        return values
    return [text(d, ptr, k) for k in keys]


def items(d: dict, ptr: str, key: str) -> list[tuple[dict, str]]:
    """The objects of a list field with their pointers (absent -> empty; a null item reads as empty)."""
    values = d.get(key)
    if values is None:
        return []
    if type(values) is not list:
        raise RecordError(f"{ptr}/{key}", f"{ptr}/{key}: expected a list, found {_kind(values)}")
    prefix = f"{ptr}/{key}/"
    if _OBJECT_TYPES.issuperset(map(type, values)):
        return [(v, f"{prefix}{i}") for i, v in enumerate(values)]
    out = []
    for i, v in enumerate(values):
        if v is not None and not isinstance(v, dict):
            raise RecordError(f"{prefix}{i}", f"{prefix}{i}: expected an object, found {_kind(v)}")
        out.append((v or {}, f"{prefix}{i}"))
    return out


def fields_of(d: dict, ptr: str, key: str, fields: tuple[str, ...]) -> list[tuple]:
    """(pointer, *texts of `fields`) for each object of a list field: the shape of most result rows. The
    common case (every item an object, every field text or absent) is checked as it is read; anything else
    is read again by `items` and `texts`, which convert numbers or raise exactly as they always do."""
    values = d.get(key)
    if values is None:
        return []
    if type(values) is list:
        prefix, out = f"{ptr}/{key}/", []
        append = out.append
        for i, v in enumerate(values):
            if type(v) is not dict:
                break
            row = tuple(map(v.get, fields))
            if not _TEXT_TYPES.issuperset(map(type, row)):
                break
            append((f"{prefix}{i}", *row))
        else:
            return out
    return [(p, *texts(x, p, fields)) for x, p in items(d, ptr, key)]


def whole(d: dict, ptr: str, key: str) -> int | None:
    """A whole number (adverse-event numbers, enrollment); digits in a string are accepted."""
    v = d.get(key)
    if v is None:
        return None
    if type(v) is int and -cc.INT64_MAX <= v <= cc.INT64_MAX:
        return v
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) <= cc.INT64_MAX:
        return v
    if isinstance(v, (str, float)) and not isinstance(v, bool):
        n = cc.parse_int(v)
        if n is not None:
            return n
    raise RecordError(f"{ptr}/{key}", f"{ptr}/{key}: expected a whole number, found {_kind(v)} {v!r:.40}")


class Node:
    """A JSON object (a module, a measure) with its pointer; typed getters raise RecordError naming the
    offending field. Pointers are built by appending to the parent's pointer."""

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
        return [Node(d, p) for d, p in items(self.data, self.ptr, key)]

    def items(self, key: str) -> list[tuple[dict, str]]:
        return items(self.data, self.ptr, key)

    def strs(self, key: str) -> list[str]:
        values = self.data.get(key)
        if values is None:
            return []
        if not isinstance(values, list):
            raise RecordError(self.at(key), f"{self.at(key)}: expected a list, found {_kind(values)}")
        for i, v in enumerate(values):
            if not isinstance(v, str):
                p = f"{self.at(key)}/{i}"
                raise RecordError(p, f"{p}: expected text, found {_kind(v)}")
        return values

    def text(self, key: str) -> str | None:
        return text(self.data, self.ptr, key)

    def texts(self, *keys: str) -> list[str | None]:
        return texts(self.data, self.ptr, keys)

    def int(self, key: str) -> int | None:
        return whole(self.data, self.ptr, key)


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
        map_study(b, (nct, f"ctgov:{nct}", name), Node(study, loc))

    ctx.record(name, loc, "trial", nct, fill, id_field="protocolSection/identificationModule/nctId")


def map_study(b: DatasetBuilder, ids: Ids, study: Node) -> None:
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


def add_trial(b: DatasetBuilder, ids: Ids, protocol: Node) -> None:
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
    b.add("trials", *ids, loc=protocol.ptr or "/", title=title, status=status.text("overallStatus"),
          phase=cc.join_phases(design.strs("phases")), study_type=design.text("studyType"), **dates,
          enrollment=enrollment.int("count"), enrollment_type=cc.date_type(enrollment.text("type")))
    add_trial_source(b, ids, ident.ptr, title, dates)


def add_texts(b: DatasetBuilder, ids: Ids, desc: Node) -> None:
    for key, field_name in (("briefSummary", "brief_summary"), ("detailedDescription", "detailed_description")):
        text = desc.text(key)
        if text and text.strip():
            b.add("texts", *ids, loc=desc.at(key), field=field_name, text=text)


def add_arms(b: DatasetBuilder, ids: Ids, arms: Node) -> None:
    for arm in arms.objs("armGroups"):
        label, desc = arm.text("label"), arm.text("description")
        b.add("groups", *ids, loc=arm.ptr, block="arms", group_id=label, title=label, description=desc)
        if desc and desc.strip():
            b.add("texts", *ids, loc=arm.at("description"), field="arm_description", group_id=label, text=desc)


def add_interventions(b: DatasetBuilder, ids: Ids, arms: Node) -> None:
    for iv in arms.objs("interventions"):
        gid = cc.intervention_label(iv.text("type"), iv.text("name"))
        desc = iv.text("description")
        b.add("groups", *ids, loc=iv.ptr, block="interventions", group_id=gid, title=iv.text("name"),
              description=desc)
        if desc and desc.strip():
            b.add("texts", *ids, loc=iv.at("description"), field="intervention_description", group_id=gid,
                  text=desc)


# ---------------------------------------------------------------- results

GROUP_FIELDS = ("id", "title", "description")


def result_groups(module: Node, key: str = "groups") -> list[tuple[str, str, str | None, str | None]]:
    return fields_of(module.data, module.ptr, key, GROUP_FIELDS)


def denom_choice(d: dict, ptr: str, selected: str | None = None) -> tuple[dict, str] | None:
    """The denominator in the units analysed (`denomUnitsSelected`), else the one counting participants,
    else the first; None when there is none."""
    denoms = items(d, ptr, "denoms")
    if not denoms:
        return None
    units = [(text(dd, p, "units") or "").strip().lower() for dd, p in denoms]
    want = (selected or "participants").strip().lower()
    return denoms[units.index(want)] if want in units else (
        denoms[units.index("participants")] if "participants" in units else denoms[0])


COUNT_FIELDS = ("groupId", "value")


def counts_of(denom: tuple[dict, str] | None) -> dict[str, str]:
    """group id -> N as written, from one denominator."""
    return {} if denom is None else {gid: n for _, gid, n in fields_of(*denom, "counts", COUNT_FIELDS)}


def denom_counts(d: dict, ptr: str, selected: str | None = None) -> dict[str, str]:
    """group id -> N as written, from the chosen denominator (`denom_choice`)."""
    return counts_of(denom_choice(d, ptr, selected))


MEASUREMENT_FIELDS = ("groupId", "value", "spread", "lowerLimit", "upperLimit")  # Measurement's order


def measure_classes(m: Node, selected: str | None) -> list[MeasureClass]:
    classes = []
    for cls, cls_ptr in m.items("classes"):
        cats = []
        for cat, cat_ptr in items(cls, cls_ptr, "categories"):
            cats.append(Category(text(cat, cat_ptr, "title"), list(map(Measurement._make, fields_of(
                cat, cat_ptr, "measurements", MEASUREMENT_FIELDS)))))
        classes.append(MeasureClass(text(cls, cls_ptr, "title"), denom_counts(cls, cls_ptr, selected), cats))
    return classes


FLOW_FIELDS = ("groupId", "numSubjects")


def add_flow(b: DatasetBuilder, ids: Ids, flow: Node) -> None:
    add_groups(b, ids, "flow", result_groups(flow))
    append, Flow, parse_int = b.rows["flow"].append, ROWS["flow"], cc.parse_int
    for p, period in enumerate(flow.objs("periods")):
        title = period.text("title")
        for key, kind, parts in (("milestones", "milestone", "achievements"),
                                 ("dropWithdraws", "withdrawal", "reasons")):
            for ms, ms_ptr in period.items(key):
                milestone = text(ms, ms_ptr, "type")
                for a_ptr, gid, n_text in fields_of(ms, ms_ptr, parts, FLOW_FIELDS):
                    append(Flow(*ids, loc=a_ptr, period=p, period_title=title, kind=kind, milestone=milestone,
                                group_id=gid, n=parse_int(n_text), n_text=n_text))


def add_baseline(b: DatasetBuilder, ids: Ids, base: Node) -> None:
    denoms = denom_counts(base.data, base.ptr)
    add_groups(b, ids, "baseline", result_groups(base), denoms)
    for m in base.objs("measures"):
        add_measure(b, ids, Measure(
            "baseline", m.text("title"), m.text("paramType"), m.text("dispersionType"), m.text("unitOfMeasure"),
            None, denoms, measure_classes(m, m.text("denomUnitsSelected"))))


def add_outcomes(b: DatasetBuilder, ids: Ids, module: Node) -> None:
    for i, om in enumerate(module.objs("outcomeMeasures")):
        block = f"outcome/{i}"
        selected = om.text("denomUnitsSelected")
        denoms = denom_counts(om.data, om.ptr, selected)
        groups = result_groups(om)
        # the groups' N is the participants' denominator: the same one unless other units were analysed
        participants = (selected or "participants").strip().lower() == "participants"
        add_groups(b, ids, block, groups, denoms if participants else denom_counts(om.data, om.ptr))
        add_measure(b, ids, Measure(
            block, om.text("title"), om.text("paramType"), om.text("dispersionType"), om.text("unitOfMeasure"),
            om.text("timeFrame"), denoms, measure_classes(om, selected)))
        for an in om.objs("analyses"):
            est, lo, hi = an.text("paramValue"), an.text("ciLowerLimit"), an.text("ciUpperLimit")
            b.add("analyses", *ids, loc=an.ptr, block=block, group_ids=" ".join(an.strs("groupIds")),
                  method=an.text("statisticalMethod"), param=an.text("paramType"),
                  estimate=cc.parse_float(est), estimate_text=est, ci_pct=an.text("ciPctValue"),
                  ci_sides=cc.ci_sides(an.text("ciNumSides")), ci_low=cc.parse_float(lo), ci_low_text=lo,
                  ci_high=cc.parse_float(hi), ci_high_text=hi, p_text=an.text("pValue"))


AE_TOTALS = (("total", True, "seriousNumAffected", "seriousNumAtRisk"),
             ("total", False, "otherNumAffected", "otherNumAtRisk"),
             ("deaths", None, "deathsNumAffected", "deathsNumAtRisk"))


def add_adverse_events(b: DatasetBuilder, ids: Ids, ae: Node) -> None:
    add_groups(b, ids, "ae", result_groups(ae, "eventGroups"))  # the AE module calls its groups eventGroups
    append, Event = b.rows["adverse_events"].append, ROWS["adverse_events"]
    for g, g_ptr in ae.items("eventGroups"):
        gid = text(g, g_ptr, "id")
        for kind, serious, affected_key, at_risk_key in AE_TOTALS:
            affected, at_risk = whole(g, g_ptr, affected_key), whole(g, g_ptr, at_risk_key)
            if affected is None and at_risk is None:
                continue
            append(Event(*ids, loc=f"{g_ptr}/{affected_key}", kind=kind, serious=serious, group_id=gid,
                         affected=affected, at_risk=at_risk))
    for key, serious in (("seriousEvents", True), ("otherEvents", False)):
        for ev, ev_ptr in ae.items(key):
            term, organ = text(ev, ev_ptr, "term"), text(ev, ev_ptr, "organSystem")
            for s, p in items(ev, ev_ptr, "stats"):
                append(Event(*ids, loc=p, kind="term", serious=serious, term=term, organ_system=organ,
                             group_id=text(s, p, "groupId"), affected=whole(s, p, "numAffected"),
                             at_risk=whole(s, p, "numAtRisk"), events=whole(s, p, "numEvents")))
