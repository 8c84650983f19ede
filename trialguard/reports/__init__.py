"""Reporters: each turns a RunResult into one output file inside the output folder."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from trialguard.engine import RunResult

Writer = Callable[[RunResult, Path], Path]


def writers() -> dict[str, Writer]:
    """Format name -> writer. Imported lazily so `trialguard --help` stays fast."""
    from trialguard.reports import json_report

    found: dict[str, Writer] = {"json": json_report.write}
    try:
        from trialguard.reports import html
        found["html"] = html.write
    except ImportError:
        pass
    return found
