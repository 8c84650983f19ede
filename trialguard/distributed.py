"""The Dask engine: the same per-partition checks as the local engine, run on a cluster.

Inputs are split by file into contiguous partitions (balanced by size), each worker reads and checks its
partition with the same pandas code (`engine.check_partition`), and the client combines the partitions in
input order and runs the cross-trial rules (claims, cross-source quantities) on the gathered tables
(`engine.combine`). Findings are identical to a local run. Dask is optional: `pip install trialguard[dask]`.
"""

from __future__ import annotations

import functools
import os

import click

from trialguard import engine, ingest
from trialguard.config import Config
from trialguard.ingest.context import Limits


class DaskMissing(click.ClickException):
    exit_code = 2


def partition_files(files: list[str], parts: int) -> list[list[str]]:
    """Contiguous slices of `files` with roughly equal total bytes (order is kept, so duplicates resolve the
    same way as in a sequential run)."""
    if not files:
        return []
    sizes = [max(os.path.getsize(f), 1) if os.path.exists(f) else 1 for f in files]
    target = sum(sizes) / max(1, parts)
    out, cur, acc = [], [], 0
    for f, s in zip(files, sizes):
        if cur and acc + s > target * (len(out) + 1) and len(out) < parts - 1:
            out.append(cur)
            cur = []
        cur.append(f)
        acc += s
    out.append(cur)
    return out


def _check(files: list[str], config: Config, limits: Limits, chunk_records: int) -> engine.Partition:
    read = functools.partial(ingest.read_files, limits=limits)
    return engine.check_partition(files, config, read, chunk_records)


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
        futures = client.map(_check, groups, config=config, limits=limits, chunk_records=chunk_records, pure=False)
        parts = client.gather(futures)
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
    return engine.combine(parts, config, skipped)
