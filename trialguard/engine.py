"""Run the selected rules over a Dataset and collect one sorted findings table."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from trialguard import __version__
from trialguard.config import Config
from trialguard.dataset import Dataset
from trialguard.findings import concat_findings, finalize
from trialguard.validators.registry import Rule, all_rules


@dataclass
class RunResult:
    """Everything a reporter needs: what was read, which rules ran under which configuration, what was found."""

    dataset: Dataset
    findings: pd.DataFrame
    rules: list[Rule]
    config: Config
    version: str = __version__
    timings: dict[str, float] = field(default_factory=dict)
    baseline: dict | None = None  # filled by the gate when a baseline is given
    since: dict | None = None  # filled by the gate for --since: revision, changed files, findings kept


def selected_rules(config: Config) -> list[Rule]:
    return [r for r in all_rules() if config.is_selected(r.code)]


def run_rules(ds: Dataset, rules: list[Rule], config: Config) -> pd.DataFrame:
    found = []
    for r in rules:
        if r.check is None:
            continue
        f = finalize(r.check(ds), r.code, r.name, r.severity)
        if code_sev := config.severity.get(r.code):
            f["severity"] = code_sev
        found.append(f)
    rejections = ds.rejections
    if rejections is not None and len(rejections):
        rejections = rejections.copy()
    return concat_findings([rejections, *found])


def validate(ds: Dataset, config: Config) -> RunResult:
    rules = selected_rules(config)
    return RunResult(dataset=ds, findings=run_rules(ds, rules, config), rules=rules, config=config)
