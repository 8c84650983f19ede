"""Read input files into one Dataset. Adapters know formats; this module knows files and accounting.

Nothing raises out of here for bad input: a file or record that cannot be read becomes a TG0xx finding
and counts as rejected, so `records read = checked + rejected` always holds.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Callable, Iterable, Iterator

from trialguard.dataset import Dataset
from trialguard.ingest.context import IngestContext, Limits
from trialguard.validators import ingestion as tg0

RECORD_SUFFIXES = (".yaml", ".yml", ".json")
INPUT_SUFFIXES = (".json", ".ndjson", ".jsonl", ".xml", ".yaml", ".yml", ".txt", ".zip")


def iter_files(paths: Iterable[str], exclude: Iterable[str] = ()) -> Iterator[tuple[Path, bool]]:
    """(file, named explicitly) under `paths` in a stable order; hidden files and folders and `exclude` globs
    are skipped."""
    exclude = list(exclude)

    def excluded(p: Path) -> bool:
        s = p.as_posix()
        return any(fnmatch.fnmatch(s, pat) or fnmatch.fnmatch(s, pat.rstrip("/") + "/*") for pat in exclude)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not excluded(Path(root, d)))
                for f in sorted(files):
                    fp = Path(root, f)
                    if not f.startswith(".") and not excluded(fp):
                        yield fp, False
        elif not excluded(p):
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
    for f in files:
        read_file(ctx, Path(f))
        if on_file:
            on_file(f)
    return ctx.finish()


def read_paths(paths: Iterable[str], limits: Limits | None = None, exclude: Iterable[str] = (),
               chunk_records: int | None = None, on_chunk: Callable[[Dataset], None] | None = None) -> Dataset:
    """Plan and read `paths` in one go (see `plan` and `read_files`)."""
    files, skipped = plan(paths, exclude)
    ds = read_files(files, limits, chunk_records, on_chunk)
    ds.skipped = skipped + ds.skipped
    return ds


def read_file(ctx: IngestContext, path: Path) -> None:
    name = path.as_posix()
    ctx.inputs.append(name)
    try:
        size = path.stat().st_size
        if size > ctx.limits.max_file_bytes:
            ctx.reject(tg0.INPUT_LIMIT, name, "", f"file is {size} bytes, over the limit of "
                       f"{ctx.limits.max_file_bytes} bytes (--max-file-mb)", observed=str(size))
            return
        data = path.read_bytes()
    except OSError as e:
        ctx.reject(tg0.UNREADABLE_FILE, name, "", f"cannot read file: {e.strerror or e}")
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
