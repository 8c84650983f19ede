"""Odd paths and odd output folders: a clear TG001 finding or a one-line usage error (exit 2), never a
traceback, a hang on a FIFO, or a silent drop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT
from trialguard.cli import cli
from trialguard.ingest import read_paths

GOOD = FIXTURES / "ctgov" / "v2" / "NCT00353704.json"
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def rejections(ds) -> list[tuple[str, str, str]]:
    r = ds.rejections
    return list(zip(r["rule"], r["file"], r["message"]))


def test_fifo_in_a_folder_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.json")  # nobody writes: reading it would block forever
    ds = read_paths([tmp_path.as_posix()])
    assert rejections(ds) == [("TG001", f"{tmp_path.as_posix()}/pipe.json", "not a regular file: a named pipe (FIFO)")]
    assert (ds.records.read, ds.records.rejected) == (1, 1)


def test_fifo_named_on_the_command_line(tmp_path, runner):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    result = runner.invoke(cli, ["validate", str(fifo), "--out", str(tmp_path / "out"), "--format", "json"])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    doc = json.loads((tmp_path / "out" / "findings.json").read_text("utf-8"))
    assert [(f["rule"], f["message"]) for f in doc["findings"]] == [
        ("TG001", "not a regular file: a named pipe (FIFO)")]


def test_broken_symlink_in_a_folder(tmp_path):
    (tmp_path / "gone.json").symlink_to(tmp_path / "nowhere.json")
    ds = read_paths([tmp_path.as_posix()])
    assert rejections(ds) == [("TG001", f"{tmp_path.as_posix()}/gone.json", "cannot read file: broken symbolic link")]


def test_broken_symlink_named_on_the_command_line_is_a_usage_error(tmp_path, runner):
    link = tmp_path / "gone.json"
    link.symlink_to(tmp_path / "nowhere.json")
    result = runner.invoke(cli, ["validate", str(link), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_file_without_read_permission(tmp_path, monkeypatch):
    f = tmp_path / "locked.json"
    f.write_bytes(GOOD.read_bytes())
    if AS_ROOT:  # root reads anything: make the open fail as it would for any other user
        real_open = Path.open

        def deny(self, *a, **kw):
            if self == f:
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *a, **kw)

        monkeypatch.setattr(Path, "open", deny)
    else:
        f.chmod(0)
    ds = read_paths([tmp_path.as_posix()])
    assert rejections(ds) == [("TG001", f.as_posix(), "cannot read file: Permission denied")]


def test_folder_that_cannot_be_listed_is_a_finding_not_a_silent_drop(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.json").write_bytes(GOOD.read_bytes())
    if AS_ROOT:
        real_scandir, real_listdir = os.scandir, os.listdir

        def deny(fn):
            def wrapped(path=".", *a):
                if Path(path) == locked:
                    raise PermissionError(13, "Permission denied", str(path))
                return fn(path, *a)
            return wrapped

        monkeypatch.setattr(os, "scandir", deny(real_scandir))
        monkeypatch.setattr(os, "listdir", deny(real_listdir))
    else:
        locked.chmod(0)
    try:
        ds = read_paths([tmp_path.as_posix()])
    finally:
        locked.chmod(0o755)
    assert rejections(ds) == [("TG001", locked.as_posix(), "cannot list folder: Permission denied")]
    assert (ds.records.read, ds.records.rejected) == (1, 1)


def test_folder_with_no_inputs_is_a_usage_error(tmp_path, runner):
    (tmp_path / "README.md").write_text("notes", encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert f"no input files under {tmp_path} (1 other files skipped;" in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())  # no report of nothing


def test_out_that_is_a_file_is_a_usage_error(tmp_path, runner):
    (tmp_path / "out").write_text("x", encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(GOOD), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_unwritable_out_is_a_one_line_usage_error(tmp_path, runner, monkeypatch):
    from trialguard.reports import output

    def refuse(*a, **kw):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(output.tempfile, "mkstemp", refuse)
    result = runner.invoke(cli, ["validate", str(GOOD), "--out", str(tmp_path / "out"), "--format", "json"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == f"Error: cannot write reports to {tmp_path / 'out'}: " \
                                                     "Permission denied"


def test_report_symlink_planted_in_out_is_replaced_not_followed(tmp_path, runner):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (out / "findings.json").symlink_to(victim)
    result = runner.invoke(cli, ["validate", str(GOOD), "--out", str(out), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    assert victim.read_text("utf-8") == "precious"
    assert not (out / "findings.json").is_symlink()
    assert json.loads((out / "findings.json").read_text("utf-8"))["records"]["checked"] == 1


def test_the_command_line_never_prints_a_traceback_on_hostile_inputs(tmp_path):
    """The real entry point, in a subprocess, on every hostile fixture and odd path at once."""
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "gone.json").symlink_to(tmp_path / "nowhere.json")
    (tmp_path / "trialguard.toml").write_text("", encoding="utf-8")  # the project's config excludes hostile/
    proc = subprocess.run([sys.executable, "-m", "trialguard", "validate", str(FIXTURES / "hostile"), str(tmp_path),
                           "--out", str(tmp_path / "out"), "--format", "json", "-q",
                           "--config", str(tmp_path / "trialguard.toml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    doc = json.loads((tmp_path / "out" / "findings.json").read_text("utf-8"))
    r = doc["records"]
    # 14 refused hostile files + the FIFO + the broken link; the markup title, the control characters and the
    # zip inside a zip are read
    assert (r["read"], r["checked"], r["rejected"]) == (19, 3, 16)
