"""Reporters: each turns a RunResult into one output file inside the output folder."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable

from trialguard.engine import RunResult
from trialguard.memory import gc_paused

Writer = Callable[[RunResult, Path], Path]

# Machine formats for CI are written when asked for (--format), not by default: the GitHub one prints
# annotations to stdout, and SARIF/GitHub re-read the data files to find lines.
ON_REQUEST = ("github", "junit", "sarif")


def writers() -> dict[str, Writer]:
    """Format name -> writer, each run with the collector paused (its report is lists and dicts without cycles,
    built while a whole run's objects are alive). Imported lazily so `trialguard --help` stays fast."""
    from trialguard.reports import github, json_report, junit, sarif

    found: dict[str, Writer] = {"json": json_report.write, "sarif": sarif.write, "junit": junit.write,
                                "github": github.write}
    try:
        from trialguard.reports import html
        found["html"] = html.write
    except ImportError:
        pass
    return {name: _collector_paused(w) for name, w in found.items()}


def _collector_paused(write: Writer) -> Writer:
    @functools.wraps(write)
    def paused(result: RunResult, out_dir: Path) -> Path:
        with gc_paused():
            return write(result, out_dir)
    return paused


def default_formats(available: dict[str, Writer]) -> tuple[str, ...]:
    """What `validate` writes without --format: every available format except the CI ones."""
    return tuple(sorted(f for f in available if f not in ON_REQUEST))
