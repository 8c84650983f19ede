"""Reading a list of files asks the system to fetch the next file while the current one is parsed, and the hint
never blocks or fails on what is not a regular file."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from trialguard import ingest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="posix_fadvise only")


def test_each_next_file_is_prefetched_before_the_current_one_is_read(tmp_path, monkeypatch):
    files = []
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.json").write_text('{"source": {"id": "%s"}}' % name, encoding="utf-8")
        files.append(str(tmp_path / f"{name}.json"))
    events = []
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, offset, length, advice: events.append(
        ("prefetch", os.path.basename(os.readlink(f"/proc/self/fd/{fd}")), advice)))
    monkeypatch.setattr(ingest, "read_file", lambda ctx, path: events.append(("read", path.name, None)))
    ingest.read_files(files)
    willneed = os.POSIX_FADV_WILLNEED
    assert events == [("prefetch", "b.json", willneed), ("read", "a.json", None),
                      ("prefetch", "c.json", willneed), ("read", "b.json", None), ("read", "c.json", None)]


def test_prefetching_a_fifo_a_folder_or_a_missing_file_does_nothing(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    probe = ("import sys\nfrom trialguard.ingest import prefetch\n"
             "for p in sys.argv[1:]:\n    prefetch(p)\nprint('done')")
    run = subprocess.run([sys.executable, "-c", probe, str(fifo), str(tmp_path), str(tmp_path / "missing.json")],
                         capture_output=True, text=True, timeout=60, cwd=ROOT)  # a blocked open would time out
    assert (run.returncode, run.stdout.strip(), run.stderr) == (0, "done", "")
