"""The verdict: --fail-on thresholds and baseline status."""

import pandas as pd
import pytest

from trialguard.gate import EXIT_FAIL, EXIT_PASS, counts_by_severity, exit_code


def findings(*severities, status=None):
    df = pd.DataFrame({"severity": list(severities), "rule": ["TG201"] * len(severities)})
    if status is not None:
        df["baseline_status"] = status
    return df


@pytest.mark.parametrize("fail_on, sevs, expected", [
    ("error", ["warning", "info"], EXIT_PASS),
    ("error", ["error"], EXIT_FAIL),
    ("warning", ["warning"], EXIT_FAIL),
    ("info", ["info"], EXIT_FAIL),
    ("never", ["error"], EXIT_PASS),
    ("error", [], EXIT_PASS),
])
def test_fail_on_threshold(fail_on, sevs, expected):
    assert exit_code(findings(*sevs), fail_on) == expected


def test_only_new_findings_fail_when_baselined():
    assert exit_code(findings("error", "error", status=["existing", "existing"]), "error") == EXIT_PASS
    assert exit_code(findings("error", "error", status=["existing", "new"]), "error") == EXIT_FAIL


def test_counts_by_severity_lists_all_levels():
    assert counts_by_severity(findings("error", "info", "error")) == {"error": 2, "warning": 0, "info": 1}
