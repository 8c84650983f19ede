"""github.txt and stdout: GitHub Actions workflow commands, one annotation per finding.

`::error file=data/x.json,line=12,col=9,title=TG201 count-exceeds-denominator::NCT01234567: 5 of 4 ...`
Levels follow severity (error, warning, notice). Findings a baseline already accepts are not annotated.
Values are escaped as GitHub's toolkit does: `%`, CR and LF in the message; additionally `:` and `,` in
properties, so a file name or title cannot end the property list early or inject a second command.
"""

from __future__ import annotations

from pathlib import Path

import click

from trialguard import locate
from trialguard.engine import RunResult
from trialguard.reports.json_report import finding_records
from trialguard.reports.output import write_atomic

FILE_NAME = "github.txt"
LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def lines(result: RunResult) -> list[str]:
    positions = locate.finding_positions(result)
    out = []
    for rec in finding_records(result.findings):
        if rec.get("baseline_status") == "existing":
            continue
        props = []
        if rec["file"]:
            props.append(f"file={escape_property(locate.relative_path(rec['file']))}")
            pos = positions.get((rec["file"], rec["loc"], rec["message"]))
            if pos:
                props += [f"line={pos[0]}", f"col={pos[1]}"]
        props.append(f"title={escape_property(rec['rule'] + ' ' + rec['name'])}")
        ident = rec["trial_id"] or rec["source_id"]
        message = f"{ident}: {rec['message']}" if ident else rec["message"]
        out.append(f"::{LEVELS.get(rec['severity'], 'warning')} {','.join(props)}::{escape_data(message)}")
    return out


def write(result: RunResult, out_dir: Path) -> Path:
    text = lines(result)
    for line in text:
        click.echo(line)
    return write_atomic(out_dir, FILE_NAME, "".join(line + "\n" for line in text).encode("utf-8"))
