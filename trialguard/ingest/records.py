"""trialguard's curated record format (YAML or JSON) -> canonical tables.

A curated record is one source document: its `source`, the `trials` it reports (cohorts with counts, stats and
doses; dated events), product-level `events`, and its priority/novelty `claims`, every value with the quote it
came from (docs/record-format.md). A record is checked against `schemas/record.schema.json` and its internal
references; the first problem rejects the whole record (TG006, naming the JSON pointer). Values are mapped as
written: numbers keep their text, dates keep their text next to the interval `trialguard.dates` reads.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jsonschema_rs
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from trialguard.dataset import DatasetBuilder
from trialguard.dates import date_interval
from trialguard.ingest import yaml_documents
from trialguard.ingest.context import INT64_MAX, IngestContext, RecordError
from trialguard.validators import ingestion as tg0

_PLAIN_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_FACETS = ("modality", "product", "indication", "geography", "population")


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(resources.files("trialguard").joinpath("schemas/record.schema.json").read_text("utf-8"))


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


@lru_cache(maxsize=1)
def _fast_validator():
    """The same schema compiled by jsonschema-rs: it says "valid" in microseconds where the Python validator
    takes milliseconds, and valid is the common case. Only an invalid record goes to the Python validator,
    whose errors `describe` words (tests/test_fuzz_records.py checks that both agree on mutated records)."""
    return jsonschema_rs.validator_for(schema())


def _valid_fast(rec: dict) -> bool:
    try:
        return _fast_validator().is_valid(rec)
    except (ValueError, TypeError, OverflowError):  # a value JSON cannot hold (YAML !!binary, !!timestamp)
        return False


def read_yaml(ctx: IngestContext, name: str, data: bytes) -> None:
    try:
        obj = yaml_documents.load(data.decode("utf-8"), ctx.limits)
    except UnicodeDecodeError as e:
        ctx.reject(tg0.UNREADABLE_FILE, name, "", f"not UTF-8 text (byte {e.start})")
        return
    except yaml_documents.Refused as e:
        ctx.reject(tg0.INPUT_LIMIT if e.limit else tg0.MALFORMED_DOCUMENT, name, "", e.message)
        return
    except yaml.YAMLError as e:
        ctx.reject(tg0.MALFORMED_DOCUMENT, name, "", f"invalid YAML: {' '.join(str(e).split())}")
        return
    if not isinstance(obj, dict):
        ctx.reject(tg0.INVALID_RECORD, name, "", "a curated record must be a mapping with a 'source'")
        return
    read_record(ctx, name, obj)


def read_record(ctx: IngestContext, name: str, rec: dict) -> None:
    src = rec.get("source") if isinstance(rec.get("source"), dict) else {}
    sid = src.get("id")
    sid = None if sid is None or sid == "" else str(sid)

    def fill(b: DatasetBuilder) -> None:
        check(rec)
        map_record(b, name, rec, read_text(ctx, name, rec["source"]))

    ctx.record(name, "/source", "source", sid, fill, id_field="source.id")


# ---------------------------------------------------------------------------------------------- checking


def pointer(path) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def check(rec: dict) -> None:
    """Raise RecordError for the first schema violation or broken reference, in a stable order."""
    error = None if _valid_fast(rec) else best_match(_validator().iter_errors(rec))
    if error is not None:
        where, what = describe(error)
        raise RecordError(where, f"{where or '/'}: {what}")
    check_references(rec)


def describe(error: ValidationError) -> tuple[str, str]:
    """(JSON pointer, one-line reason) for a schema violation, in a curator's words."""
    where = pointer(error.absolute_path)
    value, kind = error.instance, error.validator
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(k for k in value if k not in allowed)
        return f"{where}/{extra[0]}", f"unknown key {extra[0]!r} (allowed: {', '.join(allowed)})"
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return where, f"missing required key {missing!r}"
    if kind == "type":
        return where, f"expected {error.validator_value}, found {_type_name(value)} {_short(value)}"
    if kind == "enum":
        return where, f"{_short(value)} is not one of: {', '.join(map(str, error.validator_value))}"
    if kind in ("pattern", "oneOf", "anyOf", "minLength", "minimum", "format"):
        hint = error.schema.get("description") or ""
        base = {"minLength": "must not be empty", "minimum": f"must be >= {error.validator_value}"}.get(
            kind, "is not in the expected form")
        if kind == "anyOf" and isinstance(value, dict):
            alternatives = [next(iter(s.get("required", [])), "?") for s in error.validator_value]
            return where, f"needs at least one of: {', '.join(alternatives)}"
        if isinstance(value, float):
            hint = "write decimals as quoted text (\"49.5\") so their digits are kept"
        return where, f"{_short(value)} {base}" + (f" ({hint})" if hint else "")
    return where, error.message.splitlines()[0]


def _type_name(value) -> str:
    return {dict: "mapping", list: "list", str: "text", bool: "boolean", int: "integer", float: "decimal",
            type(None): "null"}.get(type(value), type(value).__name__)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_references(rec: dict) -> None:
    """Ids are unique where they must be and every reference names something in the record."""
    trial_ids = set()
    for i, trial in enumerate(rec.get("trials", [])):
        if trial["id"] in trial_ids:
            raise RecordError(f"/trials/{i}/id", f"/trials/{i}/id: trial {trial['id']!r} appears twice")
        trial_ids.add(trial["id"])
        cohorts = trial.get("cohorts", [])
        ids = {}
        for j, cohort in enumerate(cohorts):
            if cohort["id"] in ids:
                where = f"/trials/{i}/cohorts/{j}/id"
                raise RecordError(where, f"{where}: cohort {cohort['id']!r} appears twice in trial {trial['id']}")
            ids[cohort["id"]] = cohort
        for j, cohort in enumerate(cohorts):
            seen, parent = {cohort["id"]}, cohort.get("parent")
            while parent is not None:
                where = f"/trials/{i}/cohorts/{j}/parent"
                if parent not in ids:
                    raise RecordError(where, f"{where}: no cohort {parent!r} in trial {trial['id']}")
                if parent in seen:
                    raise RecordError(where, f"{where}: cohort {cohort['id']!r} is part of itself")
                seen.add(parent)
                parent = ids[parent].get("parent")
        for k, event in enumerate(trial.get("events", [])):
            if "cohort" in event and event["cohort"] not in ids:
                where = f"/trials/{i}/events/{k}/cohort"
                raise RecordError(where, f"{where}: no cohort {event['cohort']!r} in trial {trial['id']}")
    for k, event in enumerate(rec.get("events", [])):
        if "cohort" in event:
            where = f"/events/{k}/cohort"
            raise RecordError(where, f"{where}: an event outside a trial cannot name a cohort")
    for k, claim in enumerate(rec.get("claims", [])):
        if "trial" in claim and claim["trial"] not in trial_ids:
            where = f"/claims/{k}/trial"
            raise RecordError(where, f"{where}: no trial {claim['trial']!r} in this record")


def read_text(ctx: IngestContext, name: str, source: dict) -> str | None:
    """The article text named by `source.text`, read from the record's own folder and never outside it.
    Records inside archives carry no text (members are not files on disk)."""
    text_name = source.get("text")
    if not text_name or "!" in name:
        return None
    folder = Path(name).parent.resolve()
    path = (folder / text_name).resolve()
    if not path.is_relative_to(folder) or path.parent != folder:
        raise RecordError("/source/text", f"/source/text: {text_name!r} is not a file beside the record")
    try:
        if path.stat().st_size > ctx.limits.max_file_bytes:
            raise RecordError("/source/text", f"/source/text: {text_name!r} is over the file size limit")
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise RecordError("/source/text", f"/source/text: no file {text_name!r} beside the record") from None
    except OSError as e:
        raise RecordError("/source/text", f"/source/text: cannot read {text_name!r}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise RecordError("/source/text", f"/source/text: {text_name!r} is not UTF-8 text (byte {e.start})") from None


# ----------------------------------------------------------------------------------------------- mapping


def amount(value) -> tuple[int | None, str | None]:
    """(number, text) of a count as written: 12 -> (12, "12"); "over 30" -> (None, "over 30")."""
    if value is None:
        return None, None
    text = str(value).strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, text) if abs(value) <= INT64_MAX else (None, text)  # beyond 64 bits: not a count
    # "²" is a digit but not a number; "1" followed by 400 zeros is a number but not a count
    return (int(text), text) if text.isdecimal() and len(text) <= 18 else (None, text)


def number(text) -> tuple[float | None, str | None]:
    """(float, text) of a value as written; the float only when the text is a plain number."""
    if text is None:
        return None, None
    text = str(text).strip()
    return (float(text), text) if _PLAIN_NUMBER.match(text) else (None, text)


def interval(text) -> tuple[str | None, str | None]:
    span = date_interval(text)
    return span if span else (None, None)


def map_record(b: DatasetBuilder, name: str, rec: dict, article: str | None) -> None:
    src = rec["source"]
    sid = src["id"]
    base = {"source_id": sid, "file": name}
    lo, hi = interval(src.get("published"))
    b.add("sources", trial_id="", loc="/source", kind=src["kind"], title=src.get("title"),
          publisher=src.get("publisher"), published=src.get("published"), url=src.get("url"),
          published_lo=lo, published_hi=hi, **base)
    if article is not None:
        b.add("texts", trial_id="", loc="/source/text", field="article", group_id="", text=article, **base)
    for i, trial in enumerate(rec.get("trials", [])):
        map_trial(b, base, f"/trials/{i}", trial)
    for k, event in enumerate(rec.get("events", [])):
        map_event(b, {**base, "trial_id": ""}, f"/events/{k}", event, {})
    for k, claim in enumerate(rec.get("claims", [])):
        map_claim(b, base, f"/claims/{k}", claim, src.get("published"))


def map_trial(b: DatasetBuilder, base: dict, loc: str, trial: dict) -> None:
    row = {**base, "trial_id": trial["id"]}
    for j, cohort in enumerate(trial.get("cohorts", [])):
        cloc = f"{loc}/cohorts/{j}"
        gid = cohort["id"]
        n, n_text = amount(cohort.get("n"))
        b.add("groups", loc=cloc, block="cohort", group_id=gid, title=cohort.get("title"),
              description=cohort.get("note"), n=n, n_text=n_text, parent=cohort.get("parent"),
              parts_exhaustive=cohort.get("parts_exhaustive"), quote=cohort.get("quote"), **row)
        for k, c in enumerate(cohort.get("counts", [])):
            count, count_text = amount(c.get("count"))
            denom, denom_text = amount(c.get("denom"))
            percent = c.get("percent")
            b.add("counts", loc=f"{cloc}/counts/{k}", block="cohort", measure=c["measure"],
                  category=c.get("category"), group_id=gid, count=count, count_text=count_text, denom=denom,
                  denom_text=denom_text, percent_text=percent[:-1] if percent else None,
                  exhaustive=c.get("exhaustive"), exclusive=c.get("exclusive"), quote=c["quote"],
                  time_frame=c.get("time_frame"), **row)
        for k, s in enumerate(cohort.get("stats", [])):
            b.add("stats", loc=f"{cloc}/stats/{k}", block="cohort", group_id=gid, **stat_columns(s), **row)
        for k, d in enumerate(cohort.get("doses", [])):
            b.add("doses", loc=f"{cloc}/doses/{k}", group_id=gid, raw=d["dose"], quote=d["quote"], **row)
    scope = {f: trial.get(f) for f in ("modality", "product", "population")}
    scope["targets"] = trial.get("targets")
    scope["indication"] = "; ".join(trial["conditions"]) if trial.get("conditions") else None
    scope["geography"] = trial.get("country")
    for k, event in enumerate(trial.get("events", [])):
        map_event(b, row, f"{loc}/events/{k}", event, scope)


def stat_columns(s: dict) -> dict:
    value, value_text = number(s.get("value"))
    if "range" in s:
        lower_text, upper_text, dispersion = *map(str, s["range"]), "full_range"
    else:
        lower_text, upper_text = s.get("lower"), s.get("upper")
        dispersion = "bound" if lower_text is not None or upper_text is not None else None
    lower, lower_text = number(lower_text)
    upper, upper_text = number(upper_text)
    return {"measure": s["measure"], "category": s.get("category"), "param": s["param"], "value": value,
            "value_text": value_text, "dispersion": dispersion, "lower": lower, "lower_text": lower_text,
            "upper": upper, "upper_text": upper_text, "unit": s.get("unit"), "n": s.get("n"),
            "time_frame": s.get("time_frame"), "quote": s["quote"]}


def facets(item: dict, scope: dict) -> dict:
    """Scope facets of an event or claim: its own where it states them, else its trial's."""
    out = {f: item.get(f, scope.get(f)) for f in _FACETS}
    targets = item.get("targets", scope.get("targets"))
    out["targets"] = " ".join(targets) if targets else None
    return out


def map_event(b: DatasetBuilder, row: dict, loc: str, event: dict, scope: dict) -> None:
    lo, hi = interval(event.get("date"))
    b.add("events", loc=loc, group_id=event.get("cohort", ""), event_type=event["event_type"],
          date_text=event.get("date"), date_lo=lo, date_hi=hi, quote=event["quote"], **facets(event, scope), **row)


def map_claim(b: DatasetBuilder, base: dict, loc: str, claim: dict, published: str | None) -> None:
    claim_date = claim.get("date", published)
    lo, hi = interval(claim_date)
    ev_lo, ev_hi = interval(claim.get("event_date"))
    b.add("claims", loc=loc, trial_id=claim.get("trial", ""), kind=claim["kind"], event_type=claim["event_type"],
          claim_date=claim_date, claim_date_lo=lo, claim_date_hi=hi, event_date_lo=ev_lo, event_date_hi=ev_hi,
          hedged=bool(claim.get("hedged", False)), quote=claim["quote"], **facets(claim, {}), **base)
