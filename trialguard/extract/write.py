"""Write extracted records as YAML files a curator can review and `trialguard validate` can read."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from trialguard.extract.record import extract_record
from trialguard.reports.output import safe_target, write_atomic


def to_yaml(record: dict) -> str:
    return yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=120)


def extract_file(path: Path, out_dir: Path) -> Path:
    """Extract `path` (UTF-8 article text) to `out_dir/STEM.yaml`, with the text copied beside it (the record's
    `source.text`) so that its quotes can be checked against the article."""
    text = path.read_text("utf-8")
    ex = extract_record(text, path.stem)
    out_dir.mkdir(parents=True, exist_ok=True)
    copy = safe_target(out_dir, path.name)
    if not copy.exists() or not copy.samefile(path):
        shutil.copyfile(path, copy)
    ex.record["source"]["text"] = path.name
    return write_atomic(out_dir, f"{path.stem}.yaml", to_yaml(ex.record).encode("utf-8"))
