"""The part of a ClinicalTrials.gov API v2 study that trialguard reads, declared once as typed structs, and
the two ways a study becomes one.

- `decode_studies`: msgspec decodes a file's bytes straight into these structs in compiled code, skipping
  every field not declared here and checking every declared one against its type. This is the path of a
  registry extract: no Python object is made for a value trialguard does not read, and no value is
  type-checked twice.
- `to_study`: a study already parsed into dicts (the file did not decode strictly) is converted field by
  field, leniently: numbers given where text belongs become their text, digit strings where a whole number
  belongs become numbers, a null list item reads as an empty object. A value that cannot be read raises
  RecordError with its JSON pointer, so the record is rejected (TG006) naming the field.

Both produce identical structs for any input the strict decoder accepts, so the rows made from them do not
depend on the path. The strict types are the registry's own: text as strings, adverse-event numbers and
enrollment as JSON integers.
"""

from __future__ import annotations

import functools
from typing import Annotated, Optional, Union, get_args, get_origin

import msgspec
from msgspec import Meta, Struct

from trialguard.ingest import ctgov_common as cc
from trialguard.ingest.context import RecordError

Text = Optional[str]
Whole = Optional[Annotated[int, Meta(ge=-cc.INT64_MAX, le=cc.INT64_MAX)]]
Texts = Optional[list[str]]


class Part(Struct, gc=False):
    """A JSON object of the study. Not tracked by the cyclic garbage collector: a study holds thousands of
    them, and they never reference each other in a cycle."""


# ---------------------------------------------------------------- protocol


class DateStruct(Part):
    date: Text = None
    type: Text = None


class Identification(Part):
    nctId: Text = None
    briefTitle: Text = None


class Status(Part):
    overallStatus: Text = None
    startDateStruct: Optional[DateStruct] = None
    primaryCompletionDateStruct: Optional[DateStruct] = None
    completionDateStruct: Optional[DateStruct] = None
    studyFirstSubmitDate: Text = None
    studyFirstPostDateStruct: Optional[DateStruct] = None
    resultsFirstSubmitDate: Text = None
    resultsFirstPostDateStruct: Optional[DateStruct] = None
    lastUpdatePostDateStruct: Optional[DateStruct] = None


class Enrollment(Part):
    count: Whole = None
    type: Text = None


class Design(Part):
    studyType: Text = None
    phases: Texts = None
    enrollmentInfo: Optional[Enrollment] = None


class Description(Part):
    briefSummary: Text = None
    detailedDescription: Text = None


class ArmGroup(Part):
    label: Text = None
    description: Text = None


class Intervention(Part):
    type: Text = None
    name: Text = None
    description: Text = None


class ArmsInterventions(Part):
    armGroups: Optional[list[ArmGroup]] = None
    interventions: Optional[list[Intervention]] = None


class Protocol(Part):
    identificationModule: Optional[Identification] = None
    statusModule: Optional[Status] = None
    designModule: Optional[Design] = None
    descriptionModule: Optional[Description] = None
    armsInterventionsModule: Optional[ArmsInterventions] = None


# ---------------------------------------------------------------- results


class Group(Part):
    id: Text = None
    title: Text = None
    description: Text = None


class Count(Part):  # a flow achievement or drop-out reason, or a denominator's count
    groupId: Text = None
    numSubjects: Text = None


class Milestone(Part):
    type: Text = None
    achievements: Optional[list[Count]] = None
    reasons: Optional[list[Count]] = None


class Period(Part):
    title: Text = None
    milestones: Optional[list[Milestone]] = None
    dropWithdraws: Optional[list[Milestone]] = None


class Flow(Part):
    groups: Optional[list[Group]] = None
    periods: Optional[list[Period]] = None


class DenomCount(Part):
    groupId: Text = None
    value: Text = None


class Denom(Part):
    units: Text = None
    counts: Optional[list[DenomCount]] = None


class Measurement(Part):
    groupId: Text = None
    value: Text = None
    spread: Text = None
    lowerLimit: Text = None
    upperLimit: Text = None


class Category(Part):
    title: Text = None
    measurements: Optional[list[Measurement]] = None


class MeasureClass(Part):
    title: Text = None
    denoms: Optional[list[Denom]] = None
    categories: Optional[list[Category]] = None


class BaselineMeasure(Part):
    title: Text = None
    paramType: Text = None
    dispersionType: Text = None
    unitOfMeasure: Text = None
    denomUnitsSelected: Text = None
    classes: Optional[list[MeasureClass]] = None


class Baseline(Part):
    groups: Optional[list[Group]] = None
    denoms: Optional[list[Denom]] = None
    measures: Optional[list[BaselineMeasure]] = None


class Analysis(Part):
    groupIds: Texts = None
    paramType: Text = None
    paramValue: Text = None
    statisticalMethod: Text = None
    ciPctValue: Text = None
    ciNumSides: Text = None
    ciLowerLimit: Text = None
    ciUpperLimit: Text = None
    pValue: Text = None


class OutcomeMeasure(Part):
    title: Text = None
    paramType: Text = None
    dispersionType: Text = None
    unitOfMeasure: Text = None
    timeFrame: Text = None
    denomUnitsSelected: Text = None
    denoms: Optional[list[Denom]] = None
    groups: Optional[list[Group]] = None
    classes: Optional[list[MeasureClass]] = None
    analyses: Optional[list[Analysis]] = None


class Outcomes(Part):
    outcomeMeasures: Optional[list[OutcomeMeasure]] = None


class EventGroup(Part):
    id: Text = None
    title: Text = None
    description: Text = None
    seriousNumAffected: Whole = None
    seriousNumAtRisk: Whole = None
    otherNumAffected: Whole = None
    otherNumAtRisk: Whole = None
    deathsNumAffected: Whole = None
    deathsNumAtRisk: Whole = None


class EventStats(Part):
    groupId: Text = None
    numAffected: Whole = None
    numAtRisk: Whole = None
    numEvents: Whole = None


class Event(Part):
    term: Text = None
    organSystem: Text = None
    stats: Optional[list[EventStats]] = None


class AdverseEvents(Part):
    eventGroups: Optional[list[EventGroup]] = None
    seriousEvents: Optional[list[Event]] = None
    otherEvents: Optional[list[Event]] = None


class Results(Part):
    participantFlowModule: Optional[Flow] = None
    baselineCharacteristicsModule: Optional[Baseline] = None
    outcomeMeasuresModule: Optional[Outcomes] = None
    adverseEventsModule: Optional[AdverseEvents] = None


class Study(Part):
    protocolSection: Protocol  # required: an object without one is not a study, and takes the lenient path
    resultsSection: Optional[Results] = None


# ---------------------------------------------------------------- strict decoding

_DECODER = msgspec.json.Decoder(Union[Study, list[Study]])


def decode_studies(data) -> Study | list[Study] | None:
    """The study, or array of studies, a JSON text holds, decoded strictly; None when the text is anything
    else (not JSON, another kind of record, a value of an unexpected type), which the caller then reads the
    general way. The caller has checked the nesting depth and that the text is UTF-8: msgspec skips the
    fields not declared here without decoding their strings."""
    try:
        return _DECODER.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return None


# ---------------------------------------------------------------- lenient conversion


def json_kind(v) -> str:
    """How a message names the JSON type of a value."""
    return {dict: "an object", list: "a list", str: "text", bool: "a boolean", int: "a number",
            float: "a number"}.get(type(v), type(v).__name__)


def text(d: dict, ptr: str, key: str) -> str | None:
    """Text, or a number as its text (counts arrive as strings, but a JSON number means the same)."""
    v = d.get(key)
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    raise RecordError(f"{ptr}/{key}", f"{ptr}/{key}: expected text, found {json_kind(v)}")


def whole(d: dict, ptr: str, key: str) -> int | None:
    """A whole number; digits in a string, or a float with no fraction, are accepted."""
    v = d.get(key)
    if v is None:
        return None
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) <= cc.INT64_MAX:
        return v
    if isinstance(v, (str, float)) and not isinstance(v, bool):
        n = cc.parse_int(v)
        if n is not None:
            return n
    raise RecordError(f"{ptr}/{key}", f"{ptr}/{key}: expected a whole number, found {json_kind(v)} {v!r:.40}")


def texts(d: dict, ptr: str, key: str) -> list[str] | None:
    values = d.get(key)
    if values is None:
        return None
    if not isinstance(values, list):
        raise RecordError(f"{ptr}/{key}", f"{ptr}/{key}: expected a list, found {json_kind(values)}")
    for i, v in enumerate(values):
        if not isinstance(v, str):
            raise RecordError(f"{ptr}/{key}/{i}", f"{ptr}/{key}/{i}: expected text, found {json_kind(v)}")
    return values


def part(cls: type[Part], d: dict, ptr: str, key: str) -> Part | None:
    v = d.get(key)
    if v is None:
        return None
    if not isinstance(v, dict):
        raise RecordError(f"{ptr}/{key}", f"{ptr}/{key}: expected an object, found {json_kind(v)}")
    return to_part(cls, v, f"{ptr}/{key}")


def parts(cls: type[Part], d: dict, ptr: str, key: str) -> list[Part] | None:
    values = d.get(key)
    if values is None:
        return None
    if not isinstance(values, list):
        raise RecordError(f"{ptr}/{key}", f"{ptr}/{key}: expected a list, found {json_kind(values)}")
    out = []
    for i, v in enumerate(values):
        p = f"{ptr}/{key}/{i}"
        if v is not None and not isinstance(v, dict):
            raise RecordError(p, f"{p}: expected an object, found {json_kind(v)}")
        out.append(to_part(cls, v or {}, p))
    return out


@functools.cache
def _readers(cls: type[Part]) -> tuple:
    """(field, reader, struct type of nested objects) for each field of a struct, from its annotations."""
    out = []
    for f in msgspec.structs.fields(cls):
        t = f.type
        if t == Text:
            out.append((f.name, text, None))
        elif t == Whole:
            out.append((f.name, whole, None))
        elif t == Texts:
            out.append((f.name, texts, None))
        else:
            inner = next((a for a in get_args(t) if a is not type(None)), t)
            if get_origin(inner) is list:
                out.append((f.name, parts, get_args(inner)[0]))
            else:
                out.append((f.name, part, inner))
    return tuple(out)


def to_part(cls: type[Part], d: dict, ptr: str) -> Part:
    """One JSON object (parsed into a dict) as the struct `cls`, read leniently (see the module docstring)."""
    values = {}
    for name, reader, nested in _readers(cls):
        values[name] = reader(d, ptr, name) if nested is None else reader(nested, d, ptr, name)
    return cls(**values)


def to_study(study: dict, ptr: str) -> Study:
    return to_part(Study, study, ptr)
