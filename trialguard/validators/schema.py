"""TG1xx: column-level rules. Runs the pandera schemas once per dataset and turns failure cases into findings.

pandera reports one failure case per failing value of a column check, and one per *column* of a failing row
for whole-row checks (unique keys, parent references); here each failing value becomes exactly one finding,
joined back to its row's provenance (trial_id, source_id, file, loc). Every TG1xx rule shares the one
validation run (cached on the dataset) and picks its own code out of it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.engines import pandas_engine

from trialguard.dataset import TABLES, Dataset, empty_table
from trialguard.findings import Severity, emit
from trialguard.schemas import SCHEMAS
from trialguard.schemas import checks as ck
from trialguard.schemas.tables import COLUMN_CHECKS, TABLE_CHECKS
from trialguard.validators.memo import once_per_dataset
from trialguard.validators.registry import Rule, register

_PROV = ["trial_id", "source_id", "file", "loc"]


CASE_COLUMNS = ["code", "column", "value", "row", "expected", "context"]


def _cases(schema: pa.DataFrameSchema, df: pd.DataFrame) -> pd.DataFrame:
    """pandera failure cases: code, column, value, row (index into `df`, -1 for the column), expected, context."""
    try:
        schema.validate(df, lazy=True)
        return pd.DataFrame(columns=CASE_COLUMNS)
    except pa.errors.SchemaErrors as e:
        fc = e.failure_cases
    return pd.DataFrame({
        "code": fc["check"].astype(str).map(ck.code_of),
        "expected": fc["check"].astype(str),
        "column": fc["column"].astype(str),
        "value": fc["failure_case"],
        "row": pd.to_numeric(fc["index"], errors="coerce").fillna(-1).astype(int),
        "context": fc["schema_context"].astype(str),
    })


def _value_schema(table: str) -> tuple[pa.DataFrameSchema, dict[str, list[str]]] | None:
    """The column checks of `table`, without dtypes (checked once per dtype signature instead), and which table
    columns each schema column stands for: columns with the same dtype and the same checks (the eight dates of
    a trial, its nine date types) are checked as one column of their pooled distinct values."""
    pooled: dict[tuple, list[str]] = {}
    checks: dict[tuple, list[pa.Check]] = {}
    for c, cs in COLUMN_CHECKS.get(table, {}).items():
        if c in TABLES[table] and cs:
            same = (TABLES[table][c], *((chk.error, repr(chk.statistics)) for chk in cs))
            pooled.setdefault(same, []).append(c)
            checks.setdefault(same, cs)
    if not pooled:
        return None
    columns = {cols[0]: pa.Column(None, checks=checks[k], nullable=True) for k, cols in pooled.items()}
    return pa.DataFrameSchema(columns, name=table), {cols[0]: cols for cols in pooled.values()}


def _row_schema(table: str) -> pa.DataFrameSchema | None:
    checks = TABLE_CHECKS.get(table, [])
    return pa.DataFrameSchema(checks=checks, name=table) if checks else None


VALUE_SCHEMAS = {t: _value_schema(t) for t in TABLES}
ROW_SCHEMAS = {t: _row_schema(t) for t in TABLES}
_CANONICAL: dict[str, tuple | None] = {}


def _canonical_dtypes(table: str, df: pd.DataFrame) -> bool:
    """Whether `df` has exactly the canonical columns and dtypes, and pandera's dtype check passes them (asked
    once per table, column by column). Only then can the dtype checks, which look at nothing but the dtype, be
    skipped."""
    if table not in _CANONICAL:
        expected = tuple(empty_table(table).dtypes.items())
        columns = SCHEMAS[table].columns
        ok = all(c in columns and columns[c].dtype.check(pandas_engine.Engine.dtype(dtype)) is True
                 for c, dtype in expected)
        _CANONICAL[table] = expected if ok else None
    return _CANONICAL[table] is not None and tuple(df.dtypes.items()) == _CANONICAL[table]


def _value_cases(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """Column checks on distinct values only (every check is a function of one value), with each failing value
    mapped back to every row, and every pooled column, that holds it."""
    if VALUE_SCHEMAS[table] is None or df.empty:
        return pd.DataFrame(columns=CASE_COLUMNS)
    schema, members = VALUE_SCHEMAS[table]
    n = len(df)
    codes, distinct = {}, {}
    for name, cols in members.items():
        values = df[cols[0]] if len(cols) == 1 else pd.concat([df[c] for c in cols], ignore_index=True)
        codes[name], uniques = pd.factorize(values)
        distinct[name] = pd.Series(uniques)
    size = max(len(u) for u in distinct.values())
    if size == 0:
        return pd.DataFrame(columns=CASE_COLUMNS)
    cases = _cases(schema, pd.DataFrame({c: u.reindex(range(size)) for c, u in distinct.items()}))
    if cases.empty:
        return cases
    parts = [cases[cases["row"] < 0]]
    for name, g in cases[cases["row"] >= 0].groupby("column", sort=False):
        at = np.flatnonzero(np.isin(codes[name], g["row"].to_numpy()))  # positions in the pooled columns
        held = pd.DataFrame({"distinct": codes[name][at], "row": at % n,
                             "column": np.asarray(members[name], dtype=object)[at // n]})
        parts.append(g.drop(columns="column").rename(columns={"row": "distinct"}).merge(held, on="distinct")
                     .drop(columns="distinct"))
    return pd.concat(parts, ignore_index=True)[CASE_COLUMNS]


def _failures(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """pandera failure cases of one table: code, column, value, row (index into `df`, -1 for the column).

    A table of canonical dtypes (the usual case) is validated in two cheap parts: the column checks on distinct
    values, the whole-row checks on the table; anything else goes through the full schema, dtypes and all."""
    if _canonical_dtypes(table, df):
        row_schema = ROW_SCHEMAS[table]
        parts = [_value_cases(table, df)] + ([_cases(row_schema, df)] if row_schema is not None else [])
        out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else parts[0]
    else:
        out = _cases(SCHEMAS[table], df)
    if out.empty:
        return out
    # A whole-row check lists every column of the row: keep one case per row, shown by its subject columns.
    row_level = out["context"].eq("DataFrameSchema") & out["row"].ge(0)
    rows = out[row_level].drop_duplicates(["expected", "row"]).copy()
    subjects = rows["expected"].map(lambda e: ck.SUBJECT_COLUMNS.get(e, []))
    rows["column"] = subjects.map(", ".join)
    rows["value"] = [
        ", ".join(str(df.at[r, c]) for c in cols) for r, cols in zip(rows["row"], subjects)
    ]
    cols = out[~row_level].drop_duplicates(["expected", "column", "row"]).copy()
    # show the value as stored (pandera may have widened an integer to float in its failure-case table)
    cols["value"] = cols["value"].astype(object)
    on_row = cols["row"].ge(0) & cols["column"].isin(df.columns)
    cols.loc[on_row, "value"] = [df.at[r, c] for r, c in zip(cols.loc[on_row, "row"], cols.loc[on_row, "column"])]
    return pd.concat([cols, rows], ignore_index=True)


def _messages(table: str, f: pd.DataFrame) -> list[str]:
    out = []
    for code, column, value in zip(f["code"], f["column"], f["value"]):
        where = f"{table}.{column}"
        if code == ck.INVALID_TRIAL_ID:
            out.append(f"Trial id '{value}' is not a valid NCT number (NCT followed by 8 digits)")
        elif code == ck.NEGATIVE_COUNT:
            out.append(f"{where} is {value}; a number of participants or events cannot be negative")
        elif code == ck.PERCENT_RANGE:
            out.append(f"Percentage {str(value).strip().rstrip('%').strip()}% is outside 0..100")
        elif code == ck.UNREADABLE_NUMBER:
            out.append(f"{where} '{value}' is not a number")
        elif code == ck.VOCABULARY:
            out.append(f"{where} '{value}' is not a known value")
        elif code == ck.INVALID_DATE:
            out.append(f"{where} '{value}' is not a calendar date (YYYY, YYYY-MM or YYYY-MM-DD)")
        elif code == ck.DUPLICATE_KEY:
            out.append(f"{table} key ({value}) occurs more than once; rows after the first are duplicates")
        elif code == ck.UNKNOWN_PARENT:
            out.append(f"parent '{value}' is not a group in the same block")
        else:
            out.append(f"{where} holds {value} values, not the canonical type")
    return out


def _table_findings(table: str, df: pd.DataFrame) -> pd.DataFrame:
    f = _failures(table, df)
    if f.empty:
        return pd.DataFrame()
    f = f.reset_index(drop=True)
    on_row = f["row"].ge(0)
    prov = pd.DataFrame({c: [""] * len(f) for c in _PROV})
    if on_row.any():
        picked = df.loc[f.loc[on_row, "row"], _PROV].reset_index(drop=True)
        for c in _PROV:
            prov.loc[on_row[on_row].index, c] = picked[c].astype(object).where(picked[c].notna(), "").to_numpy()
    prov.loc[~on_row, "loc"] = table + "." + f.loc[~on_row, "column"]
    coded = f["code"] != ck.COLUMN_TYPE
    expected = f["expected"].str.partition(" ")[2].where(coded, f["expected"])
    observed = f["column"] + " = " + f["value"].astype(str)
    evidence = [{"fields": {f"{table}.{c}": str(v)}} for c, v in zip(f["column"], f["value"])]
    found = emit(prov, message=pd.Series(_messages(table, f)), observed=observed, expected=expected,
                 evidence=pd.Series(evidence))
    found["code"] = f["code"].to_numpy()
    return found


def schema_findings(ds: Dataset) -> pd.DataFrame:
    """All TG1xx findings of the dataset, computed once for every TG1xx rule."""
    return once_per_dataset(ds, "schema_failures", None, _schema_findings)


def _schema_findings(ds: Dataset) -> pd.DataFrame:
    parts = [_table_findings(t, df.reset_index(drop=True)) for t, df in ds.tables.items() if t in SCHEMAS and len(df)]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["code"])


def _check_for(code: str):
    def check(ds: Dataset) -> pd.DataFrame:
        f = schema_findings(ds)
        return f[f["code"] == code].drop(columns="code").reset_index(drop=True)

    check.__name__ = f"schema_{code}"
    return check


def _schema_rule(code: str, name: str, severity: Severity, summary: str, rationale: str, example: str = "") -> Rule:
    return register(Rule(code, name, severity, summary, rationale, _check_for(code), example, "trial"))


_schema_rule(ck.COLUMN_TYPE, "column-type", Severity.ERROR,
             "A column of a canonical table does not have its canonical type.",
             "Rules compare numbers and dates column by column; a column of the wrong type (text where counts "
             "belong) means an input adapter broke the table contract, and no value in it can be trusted.",
             "counts.count holds str values, not the canonical type")
_schema_rule(ck.INVALID_TRIAL_ID, "invalid-nct-id", Severity.ERROR,
             "A trial id that starts with NCT is not NCT followed by exactly 8 digits.",
             "Registry ids link sources to trials; a mistyped NCT number silently links a record to no trial "
             "or to the wrong one. Pattern: ^NCT[0-9]{8}$.",
             "trial_id 'NCT0123456' (7 digits)")
_schema_rule(ck.NEGATIVE_COUNT, "negative-count", Severity.ERROR,
             "A count of participants or events, a group size or an enrollment is negative.",
             "Counts are >= 0 by definition: count, denom, n, enrollment, affected, at_risk, events.",
             "counts.count = -1")
_schema_rule(ck.PERCENT_RANGE, "percent-out-of-range", Severity.ERROR,
             "A reported percentage of participants is below 0 or above 100.",
             "A share of a group is 0 <= 100 k / n <= 100; anything else is a typo or a wrong denominator.",
             "'108.3%' of a group")
_schema_rule(ck.UNREADABLE_NUMBER, "unreadable-number", Severity.WARNING,
             "A count, group size or percentage written as text is not a number.",
             "Numbers are kept as written so that rounding can be checked; text that is neither a number nor a "
             "not-available marker (NA, NR, -) cannot be checked at all.",
             "percent_text '83,3.'")
_schema_rule(ck.VOCABULARY, "unknown-vocabulary-value", Severity.WARNING,
             "A coded field (status, study type, date type, source kind, ...) holds a value outside its vocabulary.",
             "Rules branch on these codes (an ACTUAL date, a COMPLETED trial); an unknown code silently switches "
             "those rules off. Values are compared case-insensitively, ignoring punctuation.",
             "trials.status 'FINISHED'")
_schema_rule(ck.INVALID_DATE, "invalid-date", Severity.ERROR,
             "A date is not a real calendar date written YYYY, YYYY-MM or YYYY-MM-DD.",
             "Date-order rules compare intervals; 2021-02-30 or 2021-13 cannot be placed on a calendar.",
             "trials.start '2021-02-30'")
_schema_rule(ck.DUPLICATE_KEY, "duplicate-key", Severity.ERROR,
             "Two rows of a table have the same key (trial, source, group id).",
             "Keys must be unique for rows to be joined; a duplicate group id makes sums and look-ups ambiguous. "
             "Keys: trials (source_id, trial_id), sources (source_id), groups (source_id, trial_id, block, "
             "group_id).",
             "two groups 'FG000' in the flow block of one record")
_schema_rule(ck.UNKNOWN_PARENT, "unknown-parent-group", Severity.ERROR,
             "A group names a parent group that does not exist in its block.",
             "Cohort parts are summed against their parent; a dangling parent reference breaks that check and "
             "usually means a mistyped group id.",
             "groups.parent 'cohrt' in block 'cohort'")
