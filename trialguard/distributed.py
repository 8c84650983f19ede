"""The Dask engine: the same per-partition checks as the local engine, run on a cluster.

Inputs are split by file into contiguous partitions (balanced by size), each worker reads and checks its
partition with the same pandas code (`engine.check_partition`), and the client combines the partitions in
input order and runs the cross-trial rules (claims, cross-source quantities) on the gathered tables
(`engine.combine`). Findings are identical to a local run. Dask is optional: `pip install trialguard[dask]`.
"""

from __future__ import annotations

import click

from trialguard import engine, ingest
from trialguard.config import Config
from trialguard.ingest.context import Limits
from trialguard.parallel import check_files, partition_files


class DaskMissing(click.ClickException):
    exit_code = 2


def run_dask(paths, config: Config, limits: Limits | None = None, workers: int = 2, scheduler: str | None = None,
             chunk_records: int = engine.DEFAULT_CHUNK_RECORDS, partitions: int | None = None,
             client=None) -> engine.RunResult:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise DaskMissing("the Dask engine needs the dask extra: pip install 'trialguard[dask]'") from None
    files, skipped = ingest.plan(paths, config.exclude)
    limits = limits or Limits()
    own = client is None
    cluster = None
    if own:
        if scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None)
            client = Client(cluster)
    try:
        n = partitions or max(1, 2 * len(client.scheduler_info().get("workers", {})) or 2 * workers)
        groups = partition_files(files, n)
        futures = client.map(check_files, groups, config=config, limits=limits, chunk_records=chunk_records, pure=False)
        parts = client.gather(futures)
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
    return engine.combine(parts, config, skipped)
