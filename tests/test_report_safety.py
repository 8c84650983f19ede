"""Reports are whole or absent (atomic writes, even with two runs racing on one --out), stay inside --out, and
never execute, link or load anything named by the input (hostile file and archive member names)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

from tests.conftest import FIXTURES, ROOT
from trialguard.cli import cli
from trialguard.reports.output import write_atomic

GOOD = FIXTURES / "ctgov" / "v2" / "NCT00353704.json"
HOSTILE_NAME = '"><img src=x onerror=alert(1)>.json'  # a file name cannot hold '/': the </script> goes in a zip


def parse_report(path: Path) -> None:
    """Raise unless the report is complete in its own format."""
    data = path.read_bytes()
    if path.suffix in (".json", ".sarif"):
        json.loads(data)
    elif path.suffix == ".xml":
        ElementTree.fromstring(data)
    elif path.suffix == ".html":
        assert data.rstrip().endswith(b"</html>"), f"{path.name} is cut short"
    else:
        assert data, f"{path.name} is empty"


def test_atomic_write_readers_see_one_whole_version_or_the_other(tmp_path):
    payloads = [bytes([65 + i]) * 2_000_000 for i in range(4)]
    write_atomic(tmp_path, "r.json", payloads[0])
    seen, stop = set(), threading.Event()

    def writer(p: bytes) -> None:
        for _ in range(5):
            write_atomic(tmp_path, "r.json", p)

    def reader() -> None:
        while not stop.is_set():
            seen.add((tmp_path / "r.json").read_bytes())

    r = threading.Thread(target=reader)
    r.start()
    writers = [threading.Thread(target=writer, args=(p,)) for p in payloads]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    stop.set()
    r.join()
    assert seen and seen <= set(payloads)
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_two_runs_writing_the_same_out_at_once_leave_whole_reports(tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "trialguard", "validate", str(FIXTURES / "ctgov"), "--out", str(out), "-q"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (_, err) in zip(procs, results):
        assert p.returncode in (0, 1), err.decode()
    files = sorted(out.iterdir())
    assert files and not [f.name for f in files if f.name.startswith(".") or f.suffix == ".tmp"]
    for f in files:
        parse_report(f)
    doc = json.loads((out / "findings.json").read_bytes())
    assert doc["records"]["read"] == doc["records"]["checked"] + doc["records"]["rejected"] > 0


def links(html: str) -> list[tuple[str, str, str]]:
    """(tag, attribute, value) of every attribute of a real tag that links or loads something."""
    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend((tag, a, v or "") for a, v in attrs if a in ("src", "href", "action", "srcset", "data"))

    Collect().feed(html)
    return found


def _hostile_inputs(folder: Path) -> None:
    study = json.loads(GOOD.read_bytes())
    (folder / HOSTILE_NAME).write_bytes(json.dumps(study).encode())
    study["protocolSection"]["identificationModule"]["nctId"] = "NCT09999998"
    study["protocolSection"]["identificationModule"]["briefTitle"] = "<!-- </script><script>alert(2)</script>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../etc/passwd.json", b"{}")
        zf.writestr('"><script>alert(1)</script>.json', json.dumps(study))
    (folder / "members.zip").write_bytes(buf.getvalue())


def test_hostile_names_never_become_markup_links_or_loads(tmp_path, runner):
    inputs = tmp_path / "in"
    inputs.mkdir()
    _hostile_inputs(inputs)
    out = tmp_path / "out"
    result = runner.invoke(cli, ["validate", str(inputs), "--out", str(out), "-q"])
    assert result.exit_code == 1, result.output  # the ../ member is refused (TG008, an error)
    files = sorted(out.iterdir())
    assert files and {f.parent for f in files} == {out}  # nothing written outside --out
    assert not (tmp_path / "etc").exists()
    doc = json.loads((out / "findings.json").read_bytes())
    assert f"{inputs.as_posix()}/{HOSTILE_NAME}" in doc["inputs"]
    assert [(f["rule"], f["file"]) for f in doc["findings"] if f["rule"].startswith("TG0")] == [
        ("TG008", f"{inputs.as_posix()}/members.zip!../../etc/passwd.json")]
    assert doc["records"] == {"read": 3, "checked": 2, "rejected": 1}
    for f in files:
        parse_report(f)
        if f.suffix != ".html":
            continue
        html = f.read_text("utf-8")
        for raw in ("<script>alert(", "<img src=x onerror", "<!-- </script>"):
            assert raw not in html, f"{f.name} contains unescaped {raw!r}"
        assert ("a", "href", "#findings") in links(html)  # the parser sees the report's real links
        for tag, attr, value in links(html):
            # in-page anchors, inline data, and registry web pages only: nothing from the input's paths
            assert value.startswith(("#", "data:", "https://clinicaltrials.gov/")), (tag, attr, value)
            assert "etc/passwd" not in value and str(inputs) not in value
