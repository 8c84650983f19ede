"""Great Expectations integration: export the TG1xx column rules as GX suites, run them through a GX checkpoint.

GX is an optional extra (`pip install 'trialguard[gx]'`) and is imported only here, lazily, when a GX feature is
used: `trialguard --help` and a `validate` run without `--gx-docs` never import it.
"""

from __future__ import annotations

import time
from typing import Iterable

INSTALL_HINT = "Great Expectations is not installed; install it with: pip install 'trialguard[gx]'"


class GxUnavailable(ImportError):
    """great_expectations cannot be imported; the message says how to install it."""


def require():
    """The `great_expectations` module, or GxUnavailable with a one-line install hint."""
    try:
        import great_expectations
    except ImportError as e:
        raise GxUnavailable(f"{INSTALL_HINT} ({e})") from e
    return great_expectations


def compare_column_rules(paths: Iterable[str], chunk_records: int = 2000) -> dict:
    """Seconds GX needs to validate the column rules on the canonical tables of `paths`, seconds trialguard's
    schema rules need on the same tables (same chunks), and their ratio. Reading and enrichment are not timed;
    building the GX context once is reported apart (`gx_setup_s`)."""
    from trialguard import ingest
    from trialguard.config import Config
    from trialguard.enrich import enrich
    from trialguard.gx.checkpoint import Checkpoints
    from trialguard.validators.schema import schema_findings

    require()
    t0 = time.perf_counter()
    runner = Checkpoints(docs_dir=None)
    setup_s = time.perf_counter() - t0
    totals = {"tg_s": 0.0, "gx_s": 0.0, "findings": 0, "chunks": 0, "rows": 0}

    def on_chunk(ds) -> None:  # each chunk is checked by both and dropped: memory stays bounded
        ds = enrich(ds)
        t0 = time.perf_counter()
        totals["findings"] += len(schema_findings(ds))
        t1 = time.perf_counter()
        runner.validate_chunk(ds, totals["chunks"])
        totals["gx_s"] += time.perf_counter() - t1
        totals["tg_s"] += t1 - t0
        totals["chunks"] += 1
        totals["rows"] += sum(len(df) for df in ds.tables.values())

    files, _ = ingest.plan(list(paths), Config().exclude)
    ingest.read_files(files, chunk_records=chunk_records, on_chunk=on_chunk)
    run = runner.finish()
    gx_s, tg_s = totals["gx_s"], totals["tg_s"]
    return {"gx_s": round(gx_s, 3), "tg_s": round(tg_s, 3), "gx_ratio": round(gx_s / tg_s, 1) if tg_s else None,
            "gx_setup_s": round(setup_s, 3), "gx_validations": run.validations, "gx_failures": len(run.failures),
            "tg_findings": totals["findings"], "chunks": totals["chunks"], "table_rows": totals["rows"]}
