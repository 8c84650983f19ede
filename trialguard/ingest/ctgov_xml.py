"""ClinicalTrials.gov legacy XML (<clinical_study>, with <clinical_results>) -> canonical tables.

The same rows as the v2 adapter (shared through `ctgov_rows`), with prose dates turned into ISO partial
dates and display values ('Active, not recruiting', 'Phase 1/Phase 2') turned into the v2 tokens. `loc` is
an XML path with 1-based positions among same-named siblings, e.g.
`/clinical_study/clinical_results/participant_flow/period_list/period[1]/milestone_list/milestone[2]`.
Parsing goes through defusedxml with DTDs forbidden: no entity expansion, no external resources.
"""

from __future__ import annotations

import re
import textwrap
from typing import Iterator
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from trialguard.dataset import DatasetBuilder
from trialguard.ingest import ctgov_common as cc
from trialguard.ingest.context import IngestContext, RecordError
from trialguard.ingest.ctgov_rows import Category, Ids, Measure, MeasureClass, Measurement, add_groups, add_measure, \
    add_trial_source
from trialguard.validators import ingestion as tg0

ROOT = "/clinical_study"

# canonical date name -> element names, newest first (older files use the retired names)
DATE_ELEMENTS = {
    "start": ("start_date",),
    "primary_completion": ("primary_completion_date",),
    "completion": ("completion_date",),
    "first_submitted": ("study_first_submitted", "firstreceived_date"),
    "first_posted": ("study_first_posted",),
    "results_first_submitted": ("results_first_submitted", "firstreceived_results_date"),
    "results_first_posted": ("results_first_posted",),
    "last_update": ("last_update_posted",),
}

# why defusedxml refused a document, in words (a DTD is refused before any entity is declared or expanded)
UNSAFE = {
    "DTDForbidden": "a document type declaration (DTD) is not allowed: entity expansion (billion laughs) "
                    "and external entities (XXE) are never processed",
    "EntitiesForbidden": "entity declarations are not allowed",
    "ExternalReferenceForbidden": "external references are not allowed",
    "NotSupportedError": "unsupported XML feature",
}

_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']")


def read(ctx: IngestContext, name: str, data: bytes) -> None:
    m = _DECLARED_ENCODING.match(data[:200])
    if (m is None or m.group(1).lower() in (b"utf-8", b"utf8")) and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            ctx.reject(tg0.UNREADABLE_FILE, name, "", f"not UTF-8 text (byte {e.start}: {data[e.start:e.start+1]!r})")
            return
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as e:
        ctx.reject(tg0.MALFORMED_DOCUMENT, name, "", f"refused unsafe XML: {UNSAFE.get(type(e).__name__, e)}")
        return
    except ParseError as e:
        ctx.reject(tg0.MALFORMED_DOCUMENT, name, "", f"invalid XML: {e}")
        return
    except (LookupError, ValueError) as e:  # an encoding Python does not know ('encoding="bogus"')
        ctx.reject(tg0.UNREADABLE_FILE, name, "", f"cannot decode XML: {e}")
        return
    if root.tag != "clinical_study":
        ctx.reject(tg0.UNKNOWN_FORMAT, name, "", f"XML root is <{root.tag}>, not <clinical_study>")
        return
    nct = (root.findtext("id_info/nct_id") or "").strip()

    ids = (nct, f"ctgov:{nct}", name)

    def fill(b: DatasetBuilder) -> None:  # a record's builder: its rows are kept without `ids`
        map_study(b, ids, root)

    ctx.record(name, ROOT, "trial", nct, fill, id_field="id_info/nct_id", row_ids=ids)


# ---------------------------------------------------------------- element helpers


def kids(elem: Element | None, tag: str, path: str) -> Iterator[tuple[Element, str]]:
    """Children named `tag` with their paths, positions 1-based as in XPath."""
    if elem is None:
        return
    for k, child in enumerate(elem.findall(tag), start=1):
        yield child, f"{path}/{tag}[{k}]"


def child(elem: Element | None, tag: str, path: str) -> tuple[Element | None, str]:
    return (elem.find(tag) if elem is not None else None), f"{path}/{tag}"


def text(elem: Element | None, tag: str) -> str | None:
    if elem is None:
        return None
    t = elem.findtext(tag)
    return t.strip() if t is not None else None


def textblock(elem: Element | None, tag: str) -> str | None:
    """A <textblock> as written, with the file's indentation removed (paragraph breaks kept)."""
    if elem is None:
        return None
    t = elem.findtext(f"{tag}/textblock")
    if t is None:
        return None
    return textwrap.dedent(t.replace("\r\n", "\n").strip("\n")).strip() or None


def whole(elem: Element, attr: str, path: str) -> int | None:
    """An attribute that must be a whole number when present (adverse-event counts)."""
    v = elem.get(attr)
    if v is None or not v.strip():
        return None
    n = cc.parse_int(v)
    if n is None:
        raise RecordError(f"{path}/@{attr}", f"{path}/@{attr}: expected a whole number, found {v!r:.40}")
    return n


# ---------------------------------------------------------------- mapping


def map_study(b: DatasetBuilder, ids: Ids, root: Element) -> None:
    add_trial(b, ids, root)
    for tag, field_name in (("brief_summary", "brief_summary"), ("detailed_description", "detailed_description")):
        t = textblock(root, tag)
        if t:
            b.add("texts", *ids, loc=f"{ROOT}/{tag}/textblock", field=field_name, text=t)
    add_arms(b, ids, root)
    results, rpath = child(root, "clinical_results", ROOT)
    if results is None:
        return
    add_flow(b, ids, *child(results, "participant_flow", rpath))
    add_baseline(b, *child(results, "baseline", rpath))
    add_outcomes(b, ids, *child(results, "outcome_list", rpath))
    add_adverse_events(b, ids, *child(results, "reported_events", rpath))


def add_trial(b: DatasetBuilder, ids: Ids, root: Element) -> None:
    dates: dict[str, str | None] = {}
    for canon, tags in DATE_ELEMENTS.items():
        el = next((e for e in (root.find(t) for t in tags) if e is not None), None)
        dates[canon] = cc.iso_date(el.text) if el is not None else None
        dates[f"{canon}_type"] = cc.date_type(el.get("type")) if el is not None else None
    phase = text(root, "phase")
    phases = [] if not phase else (["NA"] if phase.upper() in ("N/A", "NA") else
                                   [cc.phase_token(p) for p in phase.split("/")])
    enrollment = root.find("enrollment")
    count = None
    if enrollment is not None and (enrollment.text or "").strip():
        count = cc.parse_int(enrollment.text)
        if count is None:
            raise RecordError(f"{ROOT}/enrollment", f"{ROOT}/enrollment: expected a whole number, found "
                              f"{enrollment.text.strip()!r:.40}")
    title = text(root, "brief_title")
    b.add("trials", *ids, loc=ROOT, title=title, status=cc.status_token(text(root, "overall_status")),
          phase=cc.join_phases(phases), study_type=cc.enum_token(text(root, "study_type")), **dates,
          enrollment=count, enrollment_type=cc.date_type(enrollment.get("type")) if enrollment is not None else None)
    add_trial_source(b, ids, f"{ROOT}/id_info", title, dates)


def add_arms(b: DatasetBuilder, ids: Ids, root: Element) -> None:
    for arm, path in kids(root, "arm_group", ROOT):
        label, desc = text(arm, "arm_group_label"), text(arm, "description")
        b.add("groups", *ids, loc=path, block="arms", group_id=label, title=label, description=desc)
        if desc:
            b.add("texts", *ids, loc=f"{path}/description", field="arm_description", group_id=label, text=desc)
    for iv, path in kids(root, "intervention", ROOT):
        name, desc = text(iv, "intervention_name"), text(iv, "description")
        gid = cc.intervention_label(text(iv, "intervention_type"), name)
        b.add("groups", *ids, loc=path, block="interventions", group_id=gid, title=name, description=desc)
        if desc:
            b.add("texts", *ids, loc=f"{path}/description", field="intervention_description", group_id=gid,
                  text=desc)


def result_groups(section: Element | None, path: str) -> list[tuple[str, str, str | None, str | None]]:
    gl, glpath = child(section, "group_list", path)
    return [(gpath, g.get("group_id"), text(g, "title"), text(g, "description")) for g, gpath in kids(gl, "group", glpath)]


def analyzed_counts(owner: Element | None) -> dict[str, str]:
    """group id -> N analysed, from the <analyzed> counting participants (else the first)."""
    if owner is None:
        return {}
    lists = owner.findall("analyzed_list/analyzed")
    if not lists:
        return {}
    chosen = next((a for a in lists if (text(a, "units") or "").lower() == "participants"), lists[0])
    return {c.get("group_id"): c.get("value") for c in chosen.findall("count_list/count")}


def measure_classes(measure: Element | None, path: str) -> list[MeasureClass]:
    classes = []
    cl, clpath = child(measure, "class_list", path)
    for cls, cpath in kids(cl, "class", clpath):
        cats = []
        catl, catlpath = child(cls, "category_list", cpath)
        for cat, catpath in kids(catl, "category", catlpath):
            ml, mlpath = child(cat, "measurement_list", catpath)
            cats.append(Category(text(cat, "title"), [
                Measurement(mpath, x.get("group_id"), x.get("value"), x.get("spread"), x.get("lower_limit"),
                            x.get("upper_limit"))
                for x, mpath in kids(ml, "measurement", mlpath)]))
        classes.append(MeasureClass(text(cls, "title"), analyzed_counts(cls), cats))
    return classes


def add_flow(b: DatasetBuilder, ids: Ids, flow: Element | None, path: str) -> None:
    if flow is None:
        return
    add_groups(b, "flow", result_groups(flow, path))
    pl, plpath = child(flow, "period_list", path)
    for p, (period, ppath) in enumerate(kids(pl, "period", plpath)):
        title = text(period, "title")
        for listtag, itemtag, kind in (("milestone_list", "milestone", "milestone"),
                                       ("drop_withdraw_reason_list", "drop_withdraw_reason", "withdrawal")):
            lst, lpath = child(period, listtag, ppath)
            for item, ipath in kids(lst, itemtag, lpath):
                label = text(item, "title")
                parts, partspath = child(item, "participants_list", ipath)
                for x, xpath in kids(parts, "participants", partspath):
                    n_text = x.get("count")
                    b.add("flow", *ids, loc=xpath, period=p, period_title=title, kind=kind, milestone=label,
                          group_id=x.get("group_id"), n=cc.parse_int(n_text), n_text=n_text)


def add_baseline(b: DatasetBuilder, base: Element | None, path: str) -> None:
    if base is None:
        return
    denoms = analyzed_counts(base)
    add_groups(b, "baseline", result_groups(base, path), denoms)
    ml, mlpath = child(base, "measure_list", path)
    for m, mpath in kids(ml, "measure", mlpath):
        add_measure(b, Measure("baseline", text(m, "title"), text(m, "param"), text(m, "dispersion"),
                                    text(m, "units"), None, denoms, measure_classes(m, mpath)))


def add_outcomes(b: DatasetBuilder, ids: Ids, outcomes: Element | None, path: str) -> None:
    for i, (om, opath) in enumerate(kids(outcomes, "outcome", path)):
        block = f"outcome/{i}"
        measure, mpath = child(om, "measure", opath)
        denoms = analyzed_counts(measure)
        add_groups(b, block, result_groups(om, opath), denoms)
        if measure is not None:
            add_measure(b, Measure(block, text(measure, "title") or text(om, "title"), text(measure, "param"),
                                        text(measure, "dispersion"), text(measure, "units"), text(om, "time_frame"),
                                        denoms, measure_classes(measure, mpath)))
        al, alpath = child(om, "analysis_list", opath)
        for an, apath in kids(al, "analysis", alpath):
            est, lo, hi = text(an, "param_value"), text(an, "ci_lower_limit"), text(an, "ci_upper_limit")
            b.add("analyses", *ids, loc=apath, block=block,
                  group_ids=" ".join((g.text or "").strip() for g in an.findall("group_id_list/group_id")),
                  method=text(an, "method"), param=text(an, "param_type"), estimate=cc.parse_float(est),
                  estimate_text=est, ci_pct=text(an, "ci_percent"), ci_sides=cc.ci_sides(text(an, "ci_n_sides")),
                  ci_low=cc.parse_float(lo), ci_low_text=lo, ci_high=cc.parse_float(hi), ci_high_text=hi,
                  p_text=text(an, "p_value"))


def add_adverse_events(b: DatasetBuilder, ids: Ids, events: Element | None, path: str) -> None:
    """The first category, titled Total, holds each group's totals; the others hold terms by organ system."""
    if events is None:
        return
    add_groups(b, "ae", result_groups(events, path))
    for tag, serious in (("serious_events", True), ("other_events", False)):
        section, spath = child(events, tag, path)
        cl, clpath = child(section, "category_list", spath)
        for cat, catpath in kids(cl, "category", clpath):
            organ = text(cat, "title")
            total = cc.is_total_group(organ)
            el, elpath = child(cat, "event_list", catpath)
            for ev, epath in kids(el, "event", elpath):
                term = text(ev, "sub_title")
                # the Total category also holds "Total, all-cause mortality" beside the group totals
                deaths = total and "mortality" in (term or "").lower()
                kind = "deaths" if deaths else "total" if total else "term"
                for x, xpath in kids(ev, "counts", epath):
                    b.add("adverse_events", *ids, loc=xpath, kind=kind, serious=None if deaths else serious,
                          term=None if total else term, organ_system=None if total else organ,
                          group_id=x.get("group_id"), affected=whole(x, "subjects_affected", xpath),
                          at_risk=whole(x, "subjects_at_risk", xpath), events=whole(x, "events", xpath))
