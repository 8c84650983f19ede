"""Run the selected rules and collect one sorted findings table.

Rules with scope "trial" look inside one trial at a time, so they run on each chunk of records as it is read
and memory stays bounded by the chunk. Rules with scope "cross" compare trials or sources; they run once at
the end on the small tables they declare (`Rule.tables`), which are the only tables kept across chunks
(besides `RETAINED`, what the reports show). Findings are the same for any chunk size.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

import pandas as pd

from trialguard import __version__
from trialguard.config import Config
from trialguard.dataset import TABLES, Dataset, empty_table
from trialguard.enrich import enrich
from trialguard.findings import concat_findings, finalize
from trialguard.validators.registry import Rule, all_rules

RETAINED = ("trials", "sources", "claims", "events")  # kept for the reports on any run size
DEFAULT_CHUNK_RECORDS = 2000


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


def selected_rules(config: Config) -> list[Rule]:
    return [r for r in all_rules() if config.is_selected(r.code)]


def run_rules(ds: Dataset, rules: Iterable[Rule], config: Config) -> pd.DataFrame:
    found = []
    for r in rules:
        if r.check is None:
            continue
        f = finalize(r.check(ds), r.code, r.name, r.severity)
        if code_sev := config.severity.get(r.code):
            f["severity"] = code_sev
        found.append(f)
    return concat_findings(found)


def _split(rules: list[Rule]) -> tuple[list[Rule], list[Rule]]:
    checks = [r for r in rules if r.check is not None]
    return [r for r in checks if r.scope != "cross"], [r for r in checks if r.scope == "cross"]


def validate(ds: Dataset, config: Config) -> RunResult:
    """Check an in-memory Dataset with every selected rule."""
    rules = selected_rules(config)
    ds = enrich(ds)
    findings = concat_findings([ds.rejections, run_rules(ds, rules, config)])
    return RunResult(dataset=ds, findings=findings, rules=rules, config=config)


def run(paths: Iterable[str], config: Config, read: Callable[..., Dataset],
        chunk_records: int = DEFAULT_CHUNK_RECORDS) -> RunResult:
    """Read `paths` chunk by chunk with `read` (ingest.read_paths and its limits), checking each chunk with the
    per-trial rules as it arrives, then run the cross-trial rules on the retained tables."""
    rules = selected_rules(config)
    trial_rules, cross_rules = _split(rules)
    keep = set(RETAINED).union(*(r.tables for r in cross_rules))
    kept: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES if t in keep}
    found: list[pd.DataFrame] = []
    timings = {"ingest": 0.0, "rules": 0.0}
    clock = [time.perf_counter()]

    def on_chunk(chunk: Dataset) -> None:
        t0 = time.perf_counter()
        timings["ingest"] += t0 - clock[0]
        chunk = enrich(chunk)
        found.append(run_rules(chunk, trial_rules, config))
        for t in kept:
            if len(chunk.tables[t]):
                kept[t].append(chunk.tables[t])
        clock[0] = time.perf_counter()
        timings["rules"] += clock[0] - t0

    rest = read(paths, chunk_records=chunk_records, on_chunk=on_chunk)
    timings["ingest"] += time.perf_counter() - clock[0]
    t0 = time.perf_counter()
    tables = {t: (pd.concat(kept[t], ignore_index=True) if kept.get(t) else empty_table(t)) for t in TABLES}
    ds = Dataset(tables=tables, rejections=rest.rejections, records=rest.records, inputs=rest.inputs,
                 skipped=rest.skipped)
    found.append(run_rules(ds, cross_rules, config))
    timings["rules"] += time.perf_counter() - t0
    findings = concat_findings([ds.rejections, *found])
    return RunResult(dataset=ds, findings=findings, rules=rules, config=config, timings=timings)
