"""trialguard.memory: in trialguard's own processes a large freed block stays in the heap for reuse, Arrow allocates
from that heap, and the report writers run with the garbage collector paused."""

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

from trialguard import parallel

ROOT = Path(__file__).resolve().parents[1]

glibc = sys.platform.startswith("linux") and hasattr(ctypes.CDLL(None), "mallinfo2")
pytestmark = pytest.mark.skipif(not glibc, reason="glibc's allocator only")


class MallInfo(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                "fsmblks", "uordblks", "fordblks", "keepcost")]


def heap_keeps_freed_block() -> bool:
    """Free a 64 MB block: does the heap keep it (mallinfo2's free bytes) or did it go back to the system?"""
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype, libc.malloc.restype, libc.free.argtypes = MallInfo, ctypes.c_void_p, (ctypes.c_void_p,)
    libc.free(libc.malloc(64 << 20))
    return libc.mallinfo2().fordblks >= 64 << 20


def arrow_allocator() -> str:
    import pyarrow

    return pyarrow.default_memory_pool().backend_name


# A fresh process each time, so that the test process's own allocator is left as it is.
PROBE = """
import sys
from test_memory import arrow_allocator, heap_keeps_freed_block
from trialguard.memory import keep_freed_memory
tuned = keep_freed_memory() if sys.argv[1] == "tuned" else None
print(tuned, heap_keeps_freed_block(), arrow_allocator() == "system")
"""


def probe(mode: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    return subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, env=env,
                          check=True).stdout.strip()


def test_default_allocator_returns_a_large_freed_block_to_the_system():
    assert probe("plain") == "None False False"  # nor do Arrow's buffers come from it


def test_tuned_allocator_keeps_a_large_freed_block_for_reuse():
    assert probe("tuned") == "True True True"  # Arrow's buffers come from the same tuned heap


def test_worker_processes_are_tuned():
    with parallel.worker_pool(1) as pool:
        assert pool.submit(heap_keeps_freed_block).result() is True
        assert pool.submit(arrow_allocator).result() == "system"


def test_report_writers_run_with_the_collector_paused_and_restore_it(tmp_path, monkeypatch):
    import gc

    from trialguard import reports
    from trialguard.reports import json_report

    seen = []
    monkeypatch.setattr(json_report, "write", lambda result, out: seen.append(gc.isenabled()) or out)
    write = reports.writers()["json"]
    assert gc.isenabled()
    write(None, tmp_path)
    assert seen == [False] and gc.isenabled()
