"""Findings: emit/finalize shape, fingerprint stability, deterministic order."""

import pandas as pd

from trialguard.dataset import frame
from trialguard.findings import FINDING_COLUMNS, Severity, concat_findings, emit, finalize, fingerprint


def rows():
    return frame("counts", [
        dict(trial_id="NCT2", source_id="s2", file="b.json", loc="/x/1", count=13, denom=12),
        dict(trial_id="NCT1", source_id="s1", file="a.json", loc="/x/0", count=9, denom=8),
    ])


def test_emit_and_finalize_give_canonical_columns():
    c = rows()
    f = finalize(emit(c, message="n " + c["count"].astype(str), observed=c["count"].astype(str), expected="<= n"),
                 "TG201", "count-exceeds-denominator", Severity.ERROR)
    assert list(f.columns) == FINDING_COLUMNS
    assert f["severity"].tolist() == ["error", "error"]
    assert f["message"].tolist() == ["n 13", "n 9"]
    assert f.loc[0, "fingerprint"] == fingerprint("TG201", "NCT2", "s2", "/x/1", "13")


def test_per_row_severity_overrides_default():
    c = rows()
    f = finalize(emit(c, message="m", severity=pd.Series(["warning", None])), "TG202", "x", Severity.ERROR)
    assert f["severity"].tolist() == ["warning", "error"]


def test_fingerprint_ignores_file_name_but_not_value():
    assert fingerprint("TG201", "NCT1", "s", "/a", "13") != fingerprint("TG201", "NCT1", "s", "/a", "14")
    c = rows()
    a = finalize(emit(c, message="m", observed="1"), "TG201", "x", Severity.ERROR)
    c["file"] = ["renamed.json", "other.json"]
    b = finalize(emit(c, message="m", observed="1"), "TG201", "x", Severity.ERROR)
    assert a["fingerprint"].tolist() == b["fingerprint"].tolist()


def test_concat_sorts_deterministically_and_drops_duplicates():
    c = rows()
    f = finalize(emit(c, message="m"), "TG201", "x", Severity.ERROR)
    out = concat_findings([f, f.iloc[::-1]])
    assert out["file"].tolist() == ["a.json", "b.json"]
    assert concat_findings([f.iloc[::-1]]).equals(concat_findings([f]))
