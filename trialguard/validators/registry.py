"""The rule registry: a rule is a declarative object with a stable code and a vectorized check.

Rule authors write one decorated function in the module of its family; nothing else needs touching:

    @rule("TG201", "count-exceeds-denominator", Severity.ERROR,
          summary="A count is larger than the group it is counted in.",
          rationale="For k of n participants, k <= n.")
    def count_exceeds_denominator(ds: Dataset) -> pd.DataFrame:
        c = ds.counts
        bad = c[c["count"] > c["denom"]]
        return emit(bad, message=..., observed=..., expected=...)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from trialguard.findings import Severity

FAMILIES = {
    "TG0": "ingestion",
    "TG1": "schema",
    "TG2": "counts and proportions",
    "TG3": "participant flow and adverse events",
    "TG4": "statistics",
    "TG5": "doses",
    "TG6": "dates",
    "TG7": "claims",
    "TG8": "cross-source",
}


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    rationale: str
    check: Callable[..., pd.DataFrame] | None = None  # None for rules raised elsewhere (ingestion, schema)
    example: str = ""
    # trial: looks inside one trial; sources: compares what two sources say of one trial; cross: compares trials
    scope: str = "trial"
    tables: tuple[str, ...] = field(default_factory=tuple)  # cross rules: "table" or "table: <rows query>"

    @property
    def family(self) -> str:
        return FAMILIES.get(self.code[:3], "other")

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "severity": str(self.severity),
            "family": self.family,
            "summary": self.summary,
            "rationale": self.rationale,
            "example": self.example,
            "scope": self.scope,
        }


REGISTRY: dict[str, Rule] = {}


def register(r: Rule) -> Rule:
    if r.code in REGISTRY and REGISTRY[r.code] != r:
        raise ValueError(f"rule code {r.code} registered twice ({REGISTRY[r.code].name}, {r.name})")
    REGISTRY[r.code] = r
    return r


def rule(code: str, name: str, severity: Severity, *, summary: str, rationale: str, example: str = "",
         scope: str = "trial", tables: tuple[str, ...] = ()):
    """Register the decorated vectorized check `f(ds) -> findings frame` under a stable code."""

    def deco(fn):
        register(Rule(code, name, severity, summary, rationale, fn, example, scope, tables))
        return fn

    return deco


def all_rules() -> list[Rule]:
    import trialguard.validators  # noqa: F401  (imports every family module, filling the registry)

    return [REGISTRY[c] for c in sorted(REGISTRY)]


def get(code: str) -> Rule:
    all_rules()
    try:
        return REGISTRY[code.upper()]
    except KeyError:
        raise KeyError(f"unknown rule {code!r}") from None
