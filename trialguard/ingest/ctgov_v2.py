"""ClinicalTrials.gov API v2 study objects -> canonical tables.

A study arrives as the typed structs of `ctgov_v2_types` (decoded strictly from the file's bytes, or converted
leniently from parsed JSON, which rejects a record with a value of the wrong type naming its field), so the
walk below reads attributes and never checks a type. Every row's `loc` is the JSON pointer of the value inside
the study, prefixed with the study's own location in its file (an array index `/3`, an NDJSON line `line:4`).
"""

from __future__ import annotations

from typing import Callable

from trialguard.dataset import DatasetBuilder
from trialguard.ingest import ctgov_common as cc
from trialguard.ingest import ctgov_v2_types as v2
from trialguard.ingest.context import IngestContext
from trialguard.ingest.ctgov_rows import Category, Ids, Measure, MeasureClass, add_groups, add_measure, \
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


def read_study(ctx: IngestContext, name: str, loc: str, study: dict) -> None:
    """Read one study parsed into dicts; `loc` is where it sits in its file ('' for a file holding one study)."""
    protocol = study.get("protocolSection")
    if not isinstance(protocol, dict):
        p = f"{loc}/protocolSection"
        ctx.reject(tg0.INVALID_RECORD, name, p, f"{p}: expected an object, found {v2.json_kind(protocol)}")
        return
    ident = protocol.get("identificationModule")
    nct = ident.get("nctId") if isinstance(ident, dict) else None
    if nct is not None and not isinstance(nct, str):
        p = f"{loc}/protocolSection/identificationModule/nctId"
        ctx.reject(tg0.INVALID_RECORD, name, p, f"{p}: expected text, found {v2.json_kind(nct)}")
        return
    _record(ctx, name, loc, (nct or "").strip(), lambda: v2.to_study(study, loc))


def read_studies(ctx: IngestContext, name: str, loc: str, decoded: v2.Study | list[v2.Study]) -> None:
    """Read what `ctgov_v2_types.decode_studies` made of one JSON text: an array of studies or a single one."""
    located = ([(f"{loc}/{i}", s) for i, s in enumerate(decoded)] if isinstance(decoded, list)
               else [(loc, decoded)])
    for study_loc, study in located:
        ident = study.protocolSection.identificationModule
        _record(ctx, name, study_loc, ((ident and ident.nctId) or "").strip(), lambda study=study: study)


def _record(ctx: IngestContext, name: str, loc: str, nct: str, make_study: Callable[[], v2.Study]) -> None:
    """Read one study as a record; `make_study` runs inside it, so a RecordError it raises rejects the record."""
    ids = (nct, f"ctgov:{nct}", name)

    def fill(b: DatasetBuilder) -> None:  # a record's builder: its rows are kept without `ids`
        map_study(b, ids, make_study(), loc)

    # whole numbers are typed within 64 bits (`ctgov_v2_types.Whole`) or parsed by `parse_int`, which checks
    ctx.record(name, loc, "trial", nct, fill, id_field="protocolSection/identificationModule/nctId",
               numbers_fit=True, row_ids=ids)


def map_study(b: DatasetBuilder, ids: Ids, study: v2.Study, loc: str) -> None:
    protocol, p = study.protocolSection, f"{loc}/protocolSection"
    results, r = study.resultsSection or v2.Results(), f"{loc}/resultsSection"
    arms, a = protocol.armsInterventionsModule or v2.ArmsInterventions(), f"{p}/armsInterventionsModule"
    add_trial(b, ids, protocol, p)
    add_texts(b, ids, protocol.descriptionModule or v2.Description(), f"{p}/descriptionModule")
    add_arms(b, ids, arms.armGroups, f"{a}/armGroups")
    add_interventions(b, ids, arms.interventions, f"{a}/interventions")
    add_flow(b, results.participantFlowModule or v2.Flow(), f"{r}/participantFlowModule")
    add_baseline(b, results.baselineCharacteristicsModule or v2.Baseline(), f"{r}/baselineCharacteristicsModule")
    add_outcomes(b, results.outcomeMeasuresModule or v2.Outcomes(), f"{r}/outcomeMeasuresModule")
    add_adverse_events(b, ids, results.adverseEventsModule or v2.AdverseEvents(), f"{r}/adverseEventsModule")


# ---------------------------------------------------------------- protocol


def add_trial(b: DatasetBuilder, ids: Ids, protocol: v2.Protocol, ptr: str) -> None:
    status = protocol.statusModule or v2.Status()
    design = protocol.designModule or v2.Design()
    enrollment = design.enrollmentInfo or v2.Enrollment()
    dates: dict[str, str | None] = {}
    for canon, (key, is_struct) in DATE_FIELDS.items():
        value = getattr(status, key)
        if is_struct:
            value = value or v2.DateStruct()
            dates[canon], dates[f"{canon}_type"] = cc.iso_date(value.date), cc.date_type(value.type)
        else:
            dates[canon], dates[f"{canon}_type"] = cc.iso_date(value), None
    title = (protocol.identificationModule or v2.Identification()).briefTitle
    b.add("trials", *ids, loc=ptr or "/", title=title, status=status.overallStatus,
          phase=cc.join_phases(design.phases or ()), study_type=design.studyType, **dates,
          enrollment=enrollment.count, enrollment_type=cc.date_type(enrollment.type))
    add_trial_source(b, ids, f"{ptr}/identificationModule", title, dates)


def add_texts(b: DatasetBuilder, ids: Ids, desc: v2.Description, ptr: str) -> None:
    for key, field_name in (("briefSummary", "brief_summary"), ("detailedDescription", "detailed_description")):
        text = getattr(desc, key)
        if text and text.strip():
            b.add("texts", *ids, loc=f"{ptr}/{key}", field=field_name, text=text)


def add_arms(b: DatasetBuilder, ids: Ids, arms: list[v2.ArmGroup] | None, ptr: str) -> None:
    for i, arm in enumerate(arms or ()):
        label, desc = arm.label, arm.description
        b.add("groups", *ids, loc=f"{ptr}/{i}", block="arms", group_id=label, title=label, description=desc)
        if desc and desc.strip():
            b.add("texts", *ids, loc=f"{ptr}/{i}/description", field="arm_description", group_id=label, text=desc)


def add_interventions(b: DatasetBuilder, ids: Ids, interventions: list[v2.Intervention] | None, ptr: str) -> None:
    for i, iv in enumerate(interventions or ()):
        gid = cc.intervention_label(iv.type, iv.name)
        b.add("groups", *ids, loc=f"{ptr}/{i}", block="interventions", group_id=gid, title=iv.name,
              description=iv.description)
        if iv.description and iv.description.strip():
            b.add("texts", *ids, loc=f"{ptr}/{i}/description", field="intervention_description", group_id=gid,
                  text=iv.description)


# ---------------------------------------------------------------- results


def result_groups(groups: list[v2.Group] | None, ptr: str) -> list[tuple[str, str, str | None, str | None]]:
    """(loc, id, title, description) of each result group."""
    return [(f"{ptr}/{i}", g.id, g.title, g.description) for i, g in enumerate(groups or ())]


def denom_counts(denoms: list[v2.Denom] | None, selected: str | None = None) -> dict[str, str]:
    """group id -> N as written, from the denominator in the units analysed (`denomUnitsSelected`), else
    the one counting participants, else the first; empty when there is none."""
    if not denoms:
        return {}
    units = [(d.units or "").strip().lower() for d in denoms]
    want = (selected or "participants").strip().lower()
    chosen = denoms[units.index(want) if want in units else
                    units.index("participants") if "participants" in units else 0]
    return {c.groupId: c.value for c in chosen.counts or ()}


def measure_classes(classes: list[v2.MeasureClass] | None, ptr: str, selected: str | None) -> list[MeasureClass]:
    out = []
    for i, cls in enumerate(classes or ()):
        cats = []
        for j, cat in enumerate(cls.categories or ()):
            prefix = f"{ptr}/{i}/categories/{j}/measurements/"
            cats.append(Category(cat.title, [  # `Measurement`s, as plain tuples
                (f"{prefix}{k}", m.groupId, m.value, m.spread, m.lowerLimit, m.upperLimit)
                for k, m in enumerate(cat.measurements or ())]))
        out.append(MeasureClass(cls.title, denom_counts(cls.denoms, selected), cats))
    return out


def add_flow(b: DatasetBuilder, flow: v2.Flow, ptr: str) -> None:
    add_groups(b, "flow", result_groups(flow.groups, f"{ptr}/groups"))
    append, parse_int = b.rows["flow"].append, cc.int_of_text  # text or missing, as typed
    for p, period in enumerate(flow.periods or ()):
        title = period.title
        for key, kind, parts in (("milestones", "milestone", "achievements"),
                                 ("dropWithdraws", "withdrawal", "reasons")):
            for i, ms in enumerate(getattr(period, key) or ()):
                prefix = f"{ptr}/periods/{p}/{key}/{i}/{parts}/"
                for j, n in enumerate(getattr(ms, parts) or ()):  # tuples of every column after the ids
                    append((f"{prefix}{j}", p, title, kind, ms.type, n.groupId,
                            parse_int(n.numSubjects), n.numSubjects))


def add_baseline(b: DatasetBuilder, base: v2.Baseline, ptr: str) -> None:
    denoms = denom_counts(base.denoms)
    add_groups(b, "baseline", result_groups(base.groups, f"{ptr}/groups"), denoms)
    for i, m in enumerate(base.measures or ()):
        add_measure(b, Measure(
            "baseline", m.title, m.paramType, m.dispersionType, m.unitOfMeasure, None, denoms,
            measure_classes(m.classes, f"{ptr}/measures/{i}/classes", m.denomUnitsSelected)))


def add_outcomes(b: DatasetBuilder, module: v2.Outcomes, ptr: str) -> None:
    parse_float, append = cc.float_of_text, b.rows["analyses"].append  # text or missing, as typed
    for i, om in enumerate(module.outcomeMeasures or ()):
        block, om_ptr = f"outcome/{i}", f"{ptr}/outcomeMeasures/{i}"
        selected = om.denomUnitsSelected
        denoms = denom_counts(om.denoms, selected)
        # the groups' N is the participants' denominator: the same one unless other units were analysed
        participants = (selected or "participants").strip().lower() == "participants"
        add_groups(b, block, result_groups(om.groups, f"{om_ptr}/groups"),
                   denoms if participants else denom_counts(om.denoms))
        add_measure(b, Measure(
            block, om.title, om.paramType, om.dispersionType, om.unitOfMeasure, om.timeFrame, denoms,
            measure_classes(om.classes, f"{om_ptr}/classes", selected)))
        for j, an in enumerate(om.analyses or ()):
            est, lo, hi = an.paramValue, an.ciLowerLimit, an.ciUpperLimit
            # every column in order: ..., estimate, estimate_text, ci_pct, ci_sides, ci_low, ci_low_text,
            # ci_high, ci_high_text, p_text, quote (unset)
            append((f"{om_ptr}/analyses/{j}", block, " ".join(an.groupIds or ()),
                    an.statisticalMethod, an.paramType, parse_float(est), est, an.ciPctValue,
                    cc.ci_sides(an.ciNumSides), parse_float(lo), lo, parse_float(hi), hi, an.pValue, None))


AE_TOTALS = (("total", True, "seriousNumAffected", "seriousNumAtRisk"),
             ("total", False, "otherNumAffected", "otherNumAtRisk"),
             ("deaths", None, "deathsNumAffected", "deathsNumAtRisk"))


def add_adverse_events(b: DatasetBuilder, ids: Ids, ae: v2.AdverseEvents, ptr: str) -> None:
    add_groups(b, "ae", result_groups(ae.eventGroups, f"{ptr}/eventGroups"))  # the AE module's groups
    append = b.rows["adverse_events"].append
    for i, g in enumerate(ae.eventGroups or ()):
        for kind, serious, affected_key, at_risk_key in AE_TOTALS:
            affected, at_risk = getattr(g, affected_key), getattr(g, at_risk_key)
            if affected is None and at_risk is None:
                continue
            b.add("adverse_events", *ids, loc=f"{ptr}/eventGroups/{i}/{affected_key}", kind=kind, serious=serious,
                  group_id=g.id, affected=affected, at_risk=at_risk)
    for key, serious in (("seriousEvents", True), ("otherEvents", False)):
        for i, ev in enumerate(getattr(ae, key) or ()):
            term, organ, prefix = ev.term, ev.organSystem, f"{ptr}/{key}/{i}/stats/"
            for j, s in enumerate(ev.stats or ()):  # most rows of a study: tuples of the columns after the ids
                append((f"{prefix}{j}", "term", serious, term, organ, s.groupId,
                        s.numAffected, s.numAtRisk, s.numEvents))
