"""Regenerate docs/report.png: the report of the bundled fixtures, first finding's evidence open.

    python docs/report_screenshot.py        (needs Debian's chromium; writes reports/ and docs/report.png)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from cdp import Browser  # noqa: E402


def main() -> None:
    out = ROOT / "reports"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}
    subprocess.run([sys.executable, "-m", "trialguard", "validate", "fixtures/", "--out", str(out), "--format",
                    "html", "--quiet"], cwd=ROOT, env=env, check=False)
    with Browser(width=1280, height=2000) as b:
        b.open((out / "index.html").as_uri())
        # Open the evidence of the first claim contradiction (quote, the other side, facets), else the first finding.
        b.js("([...document.querySelectorAll('#findings-body tr')].find(r => r.textContent.includes('TG701'))"
             " || document.querySelector('#findings-body tr')).querySelector('button[data-act=toggle]').click()")
        b.js("window.scrollTo(0, 0)")
        target = ROOT / "docs" / "report.png"
        b.screenshot(target)
        if b.errors:
            raise SystemExit(f"page errors: {b.errors}")
    print(f"{target} {target.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
