"""Great Expectations 1.x ExpectationSuites generated from the pandera schemas' declarative check descriptions.

Every TG1xx check carries `statistics` (`kind` + parameters, see `trialguard.schemas.checks`); this module turns
each into the GX expectation that fails on exactly the same rows, so trialguard's own run and the exported suites
cannot drift. Text checks become regexes that accept exactly the same strings (`trialguard.schemas.regex`).
Nothing here imports GX: suites are plain JSON, written by `trialguard export-gx` with or without GX installed.
"""

from __future__ import annotations

import json
from pathlib import Path

from trialguard.schemas import SCHEMAS
from trialguard.schemas import checks as ck
from trialguard.schemas import regex as rx

SEVERITY = {"error": "critical", "warning": "warning", "info": "info"}
SUITE_PREFIX = "trialguard."

# kind -> why GX has no native equivalent (listed in the suite meta and the export README)
NOT_EXPORTED = {
    "reference": "a group's parent must name a group of the same source, trial and block: a lookup within the "
                 "table that no built-in GX expectation expresses",
}

# GX reads a pandas column's type as the name of its scalar type, which does not tell nullable extension dtypes
# from numpy ones (Int64 and int64 both read "int64"); the exported type checks are that coarse.
_GX_TYPE = {"Int64": "int64", "boolean": "bool", "str": "str", "float64": "float64"}


def suite_name(table: str) -> str:
    return SUITE_PREFIX + table


def _rule_meta(code: str) -> dict:
    import trialguard.validators  # noqa: F401  (registers the TG1xx rules)
    from trialguard.validators.registry import get

    r = get(code)
    return {"code": r.code, "rule": r.name, "severity": str(r.severity)}


def _expectation(kind: str, kwargs: dict, code: str, check: dict | None = None) -> dict:
    meta = _rule_meta(code)
    tg = {**meta, "check": check} if check is not None else meta
    return {"type": kind, "kwargs": kwargs, "meta": {"trialguard": tg}, "severity": SEVERITY[meta["severity"]]}


def _value_expectation(column: str, stats: dict, code: str) -> dict | None:
    """The GX expectation of one column check, or None when GX cannot express it (see NOT_EXPORTED)."""
    kind = stats.get("kind")
    regex = not_regex = None
    if kind == "between":
        bounds = {k: v for k, v in (("min_value", stats["min"]), ("max_value", stats["max"])) if v is not None}
        return _expectation("expect_column_values_to_be_between", {"column": column, **bounds}, code, stats)
    if kind == "number_text":
        regex = rx.readable_number()
    elif kind == "number_text_between" and (stats["min"], stats["max"]) == (0, 100):
        not_regex = rx.percent_outside_0_100()
    elif kind == "in_set":
        regex = rx.vocabulary(frozenset(stats["values"]), stats.get("normalize", True))
    elif kind == "partial_date" and (stats["year_only_min"], stats["year_only_max"]) == (1800, 2200):
        regex = rx.partial_date()
    elif kind == "nct_id":
        not_regex = rx.nct_id_failing()
    if regex is not None:
        return _expectation("expect_column_values_to_match_regex", {"column": column, "regex": regex}, code, stats)
    if not_regex is not None:
        return _expectation("expect_column_values_to_not_match_regex", {"column": column, "regex": not_regex}, code,
                            stats)
    return None


def _row_expectation(stats: dict, code: str) -> dict | None:
    if stats.get("kind") != "unique":
        return None
    cols = stats["columns"]
    kwargs: dict = {"column": cols[0]} if len(cols) == 1 else {"column_list": list(cols)}
    if stats.get("exempt"):
        # rows whose column equals its exempt value are not keyed (same as the pandera check); GX 1.x condition
        (column, value), = stats["exempt"].items()
        kwargs["row_condition"] = {"type": "comparison", "column": {"name": column}, "operator": "!=",
                                   "parameter": value}
    kind = "expect_column_values_to_be_unique" if len(cols) == 1 else "expect_compound_columns_to_be_unique"
    return _expectation(kind, kwargs, code, stats)


def subject(expectation: dict) -> str:
    """The column label a failure of `expectation` is reported under (as trialguard labels its findings)."""
    kw = expectation["kwargs"]
    return kw["column"] if "column" in kw else ", ".join(kw["column_list"])


def suite(table: str) -> dict:
    """The ExpectationSuite (GX 1.x JSON) of one canonical table."""
    schema = SCHEMAS[table]
    expectations, skipped = [], []
    for name, col in schema.columns.items():
        expectations.append(_expectation("expect_column_to_exist", {"column": name}, ck.COLUMN_TYPE))
        gx_type = _GX_TYPE.get(str(col.dtype))
        if gx_type:
            expectations.append(_expectation("expect_column_values_to_be_of_type",
                                             {"column": name, "type_": gx_type}, ck.COLUMN_TYPE))
        for check in col.checks:
            stats = dict(check.statistics or {})
            e = _value_expectation(name, stats, ck.code_of(check.error))
            if e is None:
                skipped.append({"column": name, "code": ck.code_of(check.error), "check": stats})
            else:
                expectations.append(e)
    for check in schema.checks:
        stats = dict(check.statistics or {})
        e = _row_expectation(stats, ck.code_of(check.error))
        if e is None:
            reason = NOT_EXPORTED.get(stats.get("kind"), "no GX equivalent")
            skipped.append({"code": ck.code_of(check.error), "check": stats, "reason": reason})
        else:
            expectations.append(e)
    return {
        "name": suite_name(table),
        "expectations": expectations,
        "meta": {"trialguard": {"table": table, "not_exported": skipped}},
        "notes": None,
    }


def suites() -> dict[str, dict]:
    return {t: suite(t) for t in SCHEMAS}


README = """# trialguard column rules as Great Expectations suites

One ExpectationSuite (GX 1.x JSON) per canonical table, named `trialguard.<table>`. Each expectation's `meta`
holds `trialguard.code` (the TG1xx rule), `trialguard.rule`, `trialguard.severity` (trialguard's default) and
`trialguard.check` (the declarative check it was generated from); GX's own `severity` is mapped
error -> critical, warning -> warning, info -> info.

How the checks are expressed:
- counts >= 0: `expect_column_values_to_be_between(min_value=0)`;
- numbers written as text, percentages within 0..100, vocabularies (compared case- and punctuation-insensitively),
  calendar dates and NCT ids: `expect_column_values_to_match_regex` / `..._to_not_match_regex` with a regex that
  accepts exactly the strings trialguard accepts (tested character by character; Python `re` semantics, which is
  what GX's pandas engine uses; other engines' regex dialects may differ);
- unique keys: `expect_compound_columns_to_be_unique` / `expect_column_values_to_be_unique` (intervention groups
  are exempt through a `row_condition`). GX marks *every* row of a duplicated key, trialguard marks the
  rows after the first;
- column presence and type: `expect_column_to_exist`, `expect_column_values_to_be_of_type` (GX reads the scalar
  type, so nullable Int64/boolean columns are checked as int64/bool).

Not exported (no GX equivalent):
{not_exported}
"""


def write(out_dir: Path) -> list[Path]:
    """Write one `trialguard.<table>.json` per canonical table and a README; returns the paths written."""
    from trialguard.reports.output import write_atomic

    all_suites = suites()
    written = []
    for table, s in all_suites.items():
        data = (json.dumps(s, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        written.append(write_atomic(out_dir, f"{suite_name(table)}.json", data))
    lines = sorted({f"- {s['code']} on `{t}`: {s.get('reason', 'no GX equivalent')}"
                    for t, st in all_suites.items() for s in st["meta"]["trialguard"]["not_exported"]})
    text = README.format(not_exported="\n".join(lines) or "- nothing")
    written.append(write_atomic(out_dir, "README.md", text.encode("utf-8")))
    return written
