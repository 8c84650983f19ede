"""Build small canonical datasets for rule tests and run chosen rules on them."""

from __future__ import annotations

import pandas as pd

from trialguard.config import Config
from trialguard.dataset import TABLES, Dataset, empty_table, frame
from trialguard.engine import run_rules
from trialguard.validators.registry import all_rules


def dataset(**tables: list[dict]) -> Dataset:
    """A Dataset whose named tables hold `rows` (dicts of canonical columns); the others are empty."""
    return Dataset(tables={t: frame(t, tables[t]) if t in tables else empty_table(t) for t in TABLES})


def run(ds: Dataset, *codes: str) -> pd.DataFrame:
    """Findings of the rules whose codes start with one of `codes`."""
    rules = [r for r in all_rules() if r.code.startswith(codes)]
    return run_rules(ds, rules, Config())


def brief(found: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """(rule, trial_id, loc, severity) of each finding, in report order."""
    return list(zip(found["rule"], found["trial_id"], found["loc"], found["severity"]))
