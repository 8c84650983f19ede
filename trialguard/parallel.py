"""Checking partitions of the input on several cores of this machine.

The local engine's unit of parallel work is the same as the Dask engine's: a contiguous run of files
(`partition_files`) read and checked by `engine.check_partition` in a worker process; the parent combines
the partitions in input order (`engine.combine`), so findings are identical to a one-process run.

Workers start from a fork server that has already imported trialguard, so each costs a fork rather than a
fresh interpreter, and no worker inherits the parent's threads (forking a threaded process can deadlock).
"""

from __future__ import annotations

import functools
import itertools
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Callable, Iterable

import click

from trialguard.memory import keep_freed_memory

if TYPE_CHECKING:  # this module is imported by the command line before anything heavy (`start_fork_server`)
    from trialguard.config import Config
    from trialguard.ingest.context import Limits

# Below this many input bytes a run is quicker in one process than with workers to start.
PARALLEL_MIN_BYTES = 32 * 1024 * 1024
PARTITIONS_PER_JOB = 4  # more, smaller partitions even out uneven files and move the progress bar ...
PARTITION_MIN_BYTES = 8 * 1024 * 1024  # ... but each partition costs a few fixed seconds of rule setup
TAIL = (1 / 6, 1 / 12)  # per worker, the partitions a run ends on, as fractions of the others (`plan_partitions`)
# One worker's peak: measured 1.2-1.3 GB at 2,000 and about 1.9 GB at 4,000 CT.gov studies with results a chunk.
WORKER_BASE_BYTES = 600 * 1024 * 1024
WORKER_BYTES_PER_RECORD = 350 * 1024


class WorkerLost(click.ClickException):
    """A worker process ended without a result (killed, most often by the system when memory ran out)."""

    exit_code = 2


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def file_sizes(files: list[str]) -> list[int]:
    return [max(os.path.getsize(f), 1) if os.path.isfile(f) else 1 for f in files]


def partition_files(files: list[str], parts: int | list[float]) -> list[list[str]]:
    """Contiguous slices of `files` (order is kept, so duplicate ids resolve the same way as in a sequential
    run): `parts` slices of roughly equal total bytes, or one slice per weight, sized in proportion. A slice
    holds at least one file, so there may be fewer slices than asked for."""
    if not files:
        return []
    weights = [1.0] * max(1, parts) if isinstance(parts, int) else parts
    sizes = file_sizes(files)
    scale = sum(sizes) / sum(weights)
    ends = list(itertools.accumulate(w * scale for w in weights))
    out, cur, acc = [], [], 0
    for f, s in zip(files, sizes):
        if cur and acc + s > ends[len(out)] and len(out) < len(weights) - 1:
            out.append(cur)
            cur = []
        cur.append(f)
        acc += s
    out.append(cur)
    return out


def plan_partitions(files: list[str], workers: int) -> list[list[str]]:
    """The local engine's partitions: `PARTITIONS_PER_JOB` per worker, then, when those are large, smaller and
    smaller ones to end the run on (`TAIL`). Workers take partitions in order as they free up, so with large
    ones only, one worker idles for up to a partition's time at the end while the other finishes (4 s of 80
    at 100,000 studies); with small last ones, both finish within a small one of each other."""
    total = sum(file_sizes(files))
    parts = max(workers, min(workers * PARTITIONS_PER_JOB, total // PARTITION_MIN_BYTES))
    large = total / parts
    tail = [f for f in TAIL for _ in range(workers)] if large * min(TAIL) >= PARTITION_MIN_BYTES else []
    return partition_files(files, [1.0] * parts + tail)


def available_memory() -> int | None:
    """Bytes this process can still use without swapping or being killed: the system's MemAvailable (Linux),
    or less when a memory cgroup (a container's limit) allows less (`cgroup_headroom`); None where neither is
    known."""
    known = [m for m in (_mem_available(), cgroup_headroom()) if m is not None]
    return min(known) if known else None


def _mem_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


# (folder under the cgroup root, limit file, usage file, the memory.stat key of reclaimable file cache)
_CGROUP_FILES = {2: ("", "memory.max", "memory.current", "inactive_file"),
                 1: ("memory", "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file")}


def cgroup_headroom(proc: str = "/proc/self/cgroup", root: str = "/sys/fs/cgroup") -> int | None:
    """What the memory cgroups of this process still allow: limit minus working set (usage less the inactive
    file cache, as container runtimes count it), the least over the process's cgroup and every cgroup above it
    (a limit may be set on a parent). cgroup v2 and v1; None when no limit is set or there are no cgroups."""
    try:
        with open(proc, encoding="ascii") as fh:
            entries = [line.rstrip("\n").split(":", 2) for line in fh]
    except OSError:
        return None
    rooms = []
    for entry in entries:
        if len(entry) != 3:
            continue
        _, controllers, path = entry
        version = 2 if controllers == "" else 1 if "memory" in controllers.split(",") else None
        if version is None:
            continue
        sub, *files = _CGROUP_FILES[version]
        parts = [p for p in path.split("/") if p and p not in (".", "..")]
        for depth in range(len(parts), -1, -1):
            room = _cgroup_room(os.path.join(root, sub, *parts[:depth]), *files)
            if room is not None:
                rooms.append(room)
    return min(rooms) if rooms else None


def _cgroup_room(folder: str, limit_file: str, usage_file: str, inactive_key: str) -> int | None:
    try:
        with open(os.path.join(folder, limit_file), encoding="ascii") as fh:
            text = fh.read().strip()
        limit = None if text == "max" else int(text)
        with open(os.path.join(folder, usage_file), encoding="ascii") as fh:
            usage = int(fh.read())
    except (OSError, ValueError):
        return None
    if limit is None or limit >= 1 << 62:  # v1 writes "no limit" as a number near 2**63
        return None
    inactive = 0
    try:
        with open(os.path.join(folder, "memory.stat"), encoding="ascii") as fh:
            inactive = next((int(v) for k, _, v in (line.partition(" ") for line in fh) if k == inactive_key), 0)
    except (OSError, ValueError):
        pass
    return max(limit - max(usage - inactive, 0), 0)


def worker_memory(chunk_records: int) -> int:
    """The memory one worker may reach: a fixed part (interpreter, libraries, the file being read) and a part
    per record of its chunk, both measured on large CT.gov records with results (bench/README.md); smaller
    records need less."""
    return WORKER_BASE_BYTES + chunk_records * WORKER_BYTES_PER_RECORD


def worker_count(jobs: int, files: list[str], chunk_records: int) -> int:
    """How many worker processes a run uses: `jobs`, never more than there are files. 0 = every available
    core, and only for inputs big enough to repay starting workers, and only as many workers as fit in the
    memory available now (`worker_memory` each, one share left for this process): a laptop with many cores
    and little memory gets fewer workers instead of running out of memory."""
    if jobs == 0:
        if sum(file_sizes(files)) < PARALLEL_MIN_BYTES:
            return 1
        jobs = available_cores()
        memory = available_memory()
        if memory is not None:
            jobs = min(jobs, memory // worker_memory(chunk_records) - 1)
    return max(1, min(jobs, len(files)))


def check_files(files: list[str], config: Config, limits: Limits | None, chunk_records: int,
                spill: str | None = None):
    """One partition, read and checked where this runs (a worker process, a Dask worker)."""
    from trialguard import engine, ingest

    read = functools.partial(ingest.read_files, limits=limits)
    return engine.check_partition(files, config, read, chunk_records, spill=spill)


def likely_parallel(paths: Iterable[str], jobs: int) -> bool:
    """Whether a run over `paths` will probably start workers (`worker_count`), judged before trialguard's
    libraries are imported or the inputs planned: `jobs` > 1, or `jobs` 0 with more than one core and at
    least PARALLEL_MIN_BYTES of files under the paths, whatever their kind (the walk stops once it has seen
    that much)."""
    if jobs != 0:
        return jobs > 1
    if available_cores() < 2:
        return False
    seen = 0
    for path in paths:
        for root, _, names in os.walk(path) if os.path.isdir(path) else [("", None, [path])]:
            for name in names:
                try:
                    seen += os.stat(os.path.join(root, name)).st_size
                except OSError:
                    continue
                if seen >= PARALLEL_MIN_BYTES:
                    return True
    return False


_PRELOAD = ["trialguard.engine", "trialguard.ingest", "trialguard.validators"]


def start_fork_server() -> None:
    """Start the workers' fork server now. It imports trialguard and its libraries (about a second) while
    this process goes on with its own start-up, instead of after it, when the first worker is asked for."""
    ctx = _pool_context()
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _pool_context():
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" not in methods:  # Windows
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes started from the fork server, their allocator tuned as the command line's is."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context(), initializer=keep_freed_memory)


def check_in_processes(files: list[str], config: Config, limits: Limits | None, chunk_records: int, workers: int,
                       on_file: Callable[[str], None] | None = None, spill: str | None = None) -> list:
    """Check `files` in `workers` processes; the partitions come back in input order. `on_file` is called for
    each file of a partition when that partition is done."""
    groups = plan_partitions(files, workers)
    with worker_pool(workers) as pool:
        futures = [pool.submit(check_files, g, config, limits, chunk_records, spill) for g in groups]
        for group, future in zip(groups, futures):
            try:
                future.result()  # in order: the bar advances as the earliest unfinished partition completes
            except BrokenProcessPool:
                more = f" and {len(group) - 1} more file(s)" if len(group) > 1 else ""
                raise WorkerLost(f"a worker process ended while checking {group[0]}{more}, most likely out of "
                                 "memory: run again with fewer --jobs or a smaller --chunk-records") from None
            for f in group:
                if on_file:
                    on_file(f)
        return [f.result() for f in futures]
