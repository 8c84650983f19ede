"""Read input files into one Dataset. Adapters know formats; this module knows files and accounting.

Nothing raises out of here for bad input: a file or record that cannot be read becomes a TG0xx finding
and counts as rejected, so `records read = checked + rejected` always holds.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from pathlib import Path
from typing import Callable, Iterable, Iterator

from trialguard.dataset import Dataset
from trialguard.ingest.context import IngestContext, Limits
from trialguard.memory import gc_paused
from trialguard.validators import ingestion as tg0

RECORD_SUFFIXES = (".yaml", ".yml", ".json")
INPUT_SUFFIXES = (".json", ".ndjson", ".jsonl", ".xml", ".yaml", ".yml", ".txt", ".zip")


def iter_files(paths: Iterable[str], exclude: Iterable[str] = ()) -> Iterator[tuple[Path, bool]]:
    """(file, named explicitly) under `paths` in a stable order; hidden files and folders and `exclude` globs
    are skipped. As in ruff, a path named on the command line is read even when a glob would exclude it:
    excludes apply to what a folder walk discovers."""
    exclude = list(exclude)

    here = Path.cwd()

    def excluded(p: Path) -> bool:
        # globs are relative to the project folder (the current one); absolute paths are matched inside it too
        names = [p.as_posix()]
        if p.is_absolute() and p.is_relative_to(here):
            names.append(p.relative_to(here).as_posix())
        return any(fnmatch.fnmatch(s, pat) or fnmatch.fnmatch(s, pat.rstrip("/") + "/*")
                   for s in names for pat in exclude)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            unlisted: list[OSError] = []
            skip = (lambda _: False) if excluded(p) else excluded  # the named folder itself was asked for
            for root, dirs, files in os.walk(p, onerror=unlisted.append):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not skip(Path(root, d)))
                for f in sorted(files):
                    fp = Path(root, f)
                    if not f.startswith(".") and not skip(fp):
                        yield fp, False
            # a folder that cannot be listed is an input that cannot be read: read_file rejects it (TG001)
            for e in sorted(unlisted, key=lambda e: str(e.filename)):
                yield Path(e.filename), True
        else:
            yield p, True


def is_companion_text(path: Path) -> bool:
    """An article's text next to the curated record made from it (same stem) is that record's evidence."""
    return path.suffix == ".txt" and any(path.with_suffix(s).exists() for s in RECORD_SUFFIXES)


def plan(paths: Iterable[str], exclude: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """(files to read, files skipped) under `paths`, in a stable order. Inside folders, files of other kinds
    (README.md, .csv, an article's text beside its curated record) are skipped; a file named explicitly is
    always read, and rejected if it is not a supported format."""
    files, skipped = [], []
    for path, explicit in iter_files(paths, exclude):
        if is_companion_text(path) or (not explicit and path.suffix.lower() not in INPUT_SUFFIXES):
            skipped.append(path.as_posix())
        else:
            files.append(path.as_posix())
    return files, skipped


def read_files(files: Iterable[str], limits: Limits | None = None, chunk_records: int | None = None,
               on_chunk: Callable[[Dataset], None] | None = None,
               on_file: Callable[[str], None] | None = None) -> Dataset:
    """Read the given files. With `on_chunk`, accepted records are handed over in chunks of `chunk_records` as
    they are read, and the returned Dataset holds only the rest, the rejections and the accounting."""
    ctx = IngestContext(limits or Limits(), chunk_records, on_chunk)
    files = list(files)
    with gc_paused():  # resumed while `on_chunk` runs
        for i, f in enumerate(files):
            if i + 1 < len(files):
                prefetch(files[i + 1])
            read_file(ctx, Path(f))
            if on_file:
                on_file(f)
        return ctx.finish()


def prefetch(name: str) -> None:
    """Ask the system to start reading the next file into its cache while this one is parsed (Linux's
    `posix_fadvise` WILLNEED: the disk works while the CPU does). Nothing else happens: only a regular file is
    opened, and any error is left to the read itself."""
    if not hasattr(os, "posix_fadvise"):
        return
    try:
        # non-blocking: opening a FIFO with no writer would wait for one
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_paths(paths: Iterable[str], limits: Limits | None = None, exclude: Iterable[str] = (),
               chunk_records: int | None = None, on_chunk: Callable[[Dataset], None] | None = None) -> Dataset:
    """Plan and read `paths` in one go (see `plan` and `read_files`)."""
    files, skipped = plan(paths, exclude)
    ds = read_files(files, limits, chunk_records, on_chunk)
    ds.skipped = skipped + ds.skipped
    return ds


def not_a_file(path: Path, mode: int) -> str:
    """Why a path that is not a regular file is not read (a FIFO or a device would block or never end)."""
    if stat.S_ISDIR(mode):
        try:
            os.listdir(path)
        except OSError as e:
            return f"cannot list folder: {e.strerror or e}"
        return "is a folder"
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
    return f"not a regular file: {kind}" if kind != "not a regular file" else kind


def read_file(ctx: IngestContext, path: Path) -> None:
    name = path.as_posix()
    ctx.inputs.append(name)
    limit = ctx.limits.max_file_bytes
    try:
        st = path.stat()
    except FileNotFoundError:
        why = "broken symbolic link" if path.is_symlink() else "file not found"
        ctx.reject(tg0.UNREADABLE_FILE, name, "", f"cannot read file: {why}")
        return
    except OSError as e:
        ctx.reject(tg0.UNREADABLE_FILE, name, "", f"cannot read file: {e.strerror or e}")
        return
    if not stat.S_ISREG(st.st_mode):
        ctx.reject(tg0.UNREADABLE_FILE, name, "", not_a_file(path, st.st_mode))
        return
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)  # bounded: a file that grew after stat() cannot exceed the limit
    except OSError as e:
        ctx.reject(tg0.UNREADABLE_FILE, name, "", f"cannot read file: {e.strerror or e}")
        return
    size = max(st.st_size, len(data))
    if size > limit:
        ctx.reject(tg0.INPUT_LIMIT, name, "", f"file is {size} bytes, over the limit of {limit} bytes "
                   "(--max-file-mb)", observed=str(size))
        return
    read_bytes(ctx, name, data)


def read_bytes(ctx: IngestContext, name: str, data: bytes) -> None:
    """Dispatch one file's bytes (a file on disk or an archive member) to the adapter for its format."""
    from trialguard.ingest import formats

    if not data.strip():
        ctx.reject(tg0.EMPTY_FILE, name, "", "file is empty")
        return
    adapter = formats.adapter_for(name, data)
    if adapter is None:
        ctx.reject(tg0.UNKNOWN_FORMAT, name, "", "not a format trialguard reads "
                   "(.json, .ndjson, .jsonl, .xml, .yaml, .yml, .txt, .zip)")
        return
    adapter(ctx, name, data)
