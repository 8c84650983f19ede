"""Keep freed memory in the process for the next chunk (glibc's allocator only; elsewhere nothing changes).

A chunked run allocates and frees blocks of the same sizes chunk after chunk: a file's bytes, row lists,
column arrays, rule intermediates. By default glibc returns each large freed block to the system and the next
allocation faults it in again page by page: two thirds of a run's page faults, a tenth of its time. With higher
mmap and trim thresholds those blocks stay in the heap and are reused. The peak hardly moves, because the
same sizes recur; the process just does not shrink between chunks.

Only a process trialguard owns is tuned: the command line and its worker processes, not a library caller's.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

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
    return bool(mallopt(_M_MMAP_THRESHOLD, KEEP_BYTES)) and bool(mallopt(_M_TRIM_THRESHOLD, KEEP_BYTES))
