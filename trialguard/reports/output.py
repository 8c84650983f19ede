"""Safe output: every file lands inside the output folder, written atomically (temp file + rename)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def safe_target(out_dir: Path, name: str) -> Path:
    """`out_dir/name`, refusing names that would leave the folder (separators, '..', absolute paths).

    The name is not resolved: if `out_dir/name` is a symbolic link planted there, the rename replaces the link
    itself and never writes through it to wherever it points."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise ValueError(f"refusing output file name {name!r}")
    return out_dir.resolve() / name


def write_atomic(out_dir: Path, name: str, data: bytes) -> Path:
    """Write `data` to `out_dir/name` so that readers see the old file or the new one, never half of one."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = safe_target(out_dir, name)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target
