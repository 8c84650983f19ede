"""Run the exported suites through a GX checkpoint on canonical tables, and build Data Docs.

One ephemeral GX context per run (in-memory stores, no analytics, no progress bars, nothing fetched); the only
files written are the Data Docs site inside the given folder. The engine checks the TG1xx rules chunk by chunk,
so GX does the same: `validate_chunk` runs each table's suite on that chunk's table (one validation result per
table and chunk in the docs), which keeps memory bounded by the chunk and makes uniqueness mean what it means in
trialguard's own run (within a chunk; records are never split across chunks).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from trialguard.dataset import Dataset
from trialguard.gx import require
from trialguard.gx.suites import subject, suites

SITE = "trialguard"
FAILURE_COLUMNS = ["table", "column", "row", "code", "chunk"]


@dataclass
class GxRun:
    """What GX found: one row per failing (table, column, row) (row -1 for a whole column), and the docs."""

    failures: pd.DataFrame
    docs_index: Path | None
    validations: int = 0
    stats: dict = field(default_factory=dict)


class Checkpoints:
    """A GX context holding one checkpoint per canonical table."""

    def __init__(self, docs_dir: Path | None) -> None:
        os.environ["GX_ANALYTICS_ENABLED"] = "False"
        gx = require()
        from great_expectations.core.expectation_suite import ExpectationSuite
        from great_expectations.data_context.types.base import (
            DataContextConfig, InMemoryStoreBackendDefaults, ProgressBarsConfig)

        self.docs_dir = Path(docs_dir).resolve() if docs_dir else None
        sites = {}
        if self.docs_dir:
            sites[SITE] = {"class_name": "SiteBuilder",
                           "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                           "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                             "base_directory": str(self.docs_dir)}}
        config = DataContextConfig(analytics_enabled=False, data_docs_sites=sites,
                                   store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
                                   progress_bars=ProgressBarsConfig(globally=False))
        self._gx = gx
        self.context = gx.get_context(mode="ephemeral", project_config=config)
        source = self.context.data_sources.add_pandas("trialguard")
        self.checkpoints = {}
        for table, spec in suites().items():
            suite = self.context.suites.add(ExpectationSuite(**spec))
            batch = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe("chunk")
            vd = self.context.validation_definitions.add(gx.ValidationDefinition(name=table, data=batch, suite=suite))
            self.checkpoints[table] = self.context.checkpoints.add(gx.Checkpoint(
                name=f"trialguard-{table}", validation_definitions=[vd], actions=[],
                result_format={"result_format": "COMPLETE"}))
        self.parts: list[pd.DataFrame] = []
        self.validations = 0

    def validate_table(self, table: str, df: pd.DataFrame, chunk: int = 0) -> pd.DataFrame:
        """Failing (table, column, row, code) of one table; rows are positions in `df`."""
        from great_expectations.core.run_identifier import RunIdentifier

        df = df.reset_index(drop=True)
        result = self.checkpoints[table].run(batch_parameters={"dataframe": df},
                                             run_id=RunIdentifier(run_name=f"chunk {chunk}"))
        self.validations += 1
        rows = []
        for vr in result.run_results.values():
            for er in vr.results:
                if er.success:
                    continue
                cfg = er.expectation_config
                spec = {"type": cfg.type, "kwargs": cfg.kwargs}
                code = (cfg.meta or {}).get("trialguard", {}).get("code", "")
                idx = (er.result or {}).get("unexpected_index_list")
                column = subject(spec)
                if not idx:
                    rows.append((table, column, -1, code, chunk))
                    continue
                rows.extend((table, column, int(i), code, chunk) for i in idx)
        out = pd.DataFrame(rows, columns=FAILURE_COLUMNS)
        if len(out):
            self.parts.append(out)
        return out

    def validate_chunk(self, ds: Dataset, chunk: int = 0) -> None:
        for table, df in ds.tables.items():
            if table in self.checkpoints and len(df):
                self.validate_table(table, df, chunk)

    def finish(self) -> GxRun:
        index = None
        if self.docs_dir:
            urls = self.context.build_data_docs(site_names=[SITE])
            index = self.docs_dir / "index.html"
            assert urls.get(SITE), "GX did not build the Data Docs site"
        failures = (pd.concat(self.parts, ignore_index=True) if self.parts
                    else pd.DataFrame(columns=FAILURE_COLUMNS))
        return GxRun(failures=failures, docs_index=index, validations=self.validations)


class DocsRun:
    """`validate --gx-docs`: GX on every chunk the engine checks, then Data Docs and a summary for the report."""

    def __init__(self, docs_dir: Path) -> None:
        t0 = time.perf_counter()
        self.docs_dir = Path(docs_dir)
        self.checkpoints = Checkpoints(self.docs_dir)
        self.chunks = 0
        self.seconds = time.perf_counter() - t0

    def observe(self, chunk: Dataset) -> None:
        t0 = time.perf_counter()
        self.checkpoints.validate_chunk(chunk, self.chunks)
        self.chunks += 1
        self.seconds += time.perf_counter() - t0

    def summary(self, report_dir: Path) -> dict:
        """What the reports show: where the Data Docs are (as given, and relative to the report folder) and
        how many values GX found failing, by trialguard rule."""
        t0 = time.perf_counter()
        run = self.checkpoints.finish()
        self.seconds += time.perf_counter() - t0
        index = self.docs_dir / "index.html"
        f = run.failures
        return {
            "index": index.as_posix(),
            "href": Path(os.path.relpath(index.resolve(), Path(report_dir).resolve())).as_posix(),
            "suites": sorted(suites()),
            "validations": run.validations,
            "failing_values": len(f),
            "by_rule": {k: int(v) for k, v in sorted(f["code"].value_counts().items())} if len(f) else {},
        }
