"""How trialguard treats its process's memory: the C allocator's thresholds and the cyclic garbage collector.

**Allocator** (glibc only; elsewhere nothing changes). A chunked run allocates and frees blocks of the same
sizes chunk after chunk: a file's bytes, row lists, column arrays, rule intermediates. By default glibc returns
each large freed block to the system and the next allocation faults it in again page by page: two thirds of a
run's page faults, a tenth of its time. With higher mmap and trim thresholds those blocks stay in the heap and
are reused. The peak hardly moves, because the same sizes recur; the process just does not shrink between
chunks. Arrow's buffers (every text column) are taken from the same heap: Arrow's default allocator,
mimalloc, hands freed pages back to the system within milliseconds, and on a virtual machine each page
fault and release is expensive. Measured on 8,000 CT.gov studies in one process: 17-19 s with mimalloc, of
which 7-8 s in the kernel; 11-12 s from the tuned heap, 0.5-1.4 s in the kernel, and a lower peak. Only a
process trialguard owns is tuned: the command line and its worker processes, not a library caller's.

**Collector.** Reading and reporting build many objects that form no cycles; the collector is paused while
they do (`gc_paused`), because each burst of allocations makes it re-scan everything built so far.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import sys
from contextlib import contextmanager

_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
KEEP_BYTES = 1 << 30  # blocks up to this size come from (and go back to) the heap, not straight from the system


@functools.cache
def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds for this process; whether that took effect (once per process)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other C libraries without mallopt
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    if not (mallopt(_M_MMAP_THRESHOLD, KEEP_BYTES) and mallopt(_M_TRIM_THRESHOLD, KEEP_BYTES)):
        return False
    import pyarrow

    pyarrow.set_memory_pool(pyarrow.system_memory_pool())  # Arrow's buffers, too, from the tuned heap
    return True


@contextmanager
def gc_paused():
    """No cyclic garbage collection while parsers and adapters build objects that form no cycles (parsed
    documents, rows, a chunk's columns): their allocations would otherwise trigger collections that re-scan
    every row collected so far, again and again (about 40 % of the adapter's and the frames' time). `read_files`
    pauses it for the whole read (`IngestContext.flush` lifts the pause while the rules check a chunk), and the
    report writers while they build and render (half of the HTML report's time, more on larger runs)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def gc_resumed(enabled: bool):
    """Lift a `gc_paused` while other code runs (the rules checking a chunk), if the collector was `enabled`."""
    lift = enabled and not gc.isenabled()
    if lift:
        gc.enable()
    try:
        yield
    finally:
        if lift:
            gc.disable()
